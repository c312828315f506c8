/*
 * Structs for the `gen ts` codec tests: compiled with clang-16 for BPF (the
 * BTF the codecs are generated from, layouts.c) and with the host gcc (the
 * probe that fills them through C field access, see
 * tooling/testdata/gen-ts-probe.py). Only plain C: both compilers must agree
 * on every layout, which the probe checks member by member.
 */
typedef unsigned char u8;
typedef signed char s8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;

/* Every scalar kind: int widths and signedness, _Bool, floats, a pointer. */
struct scalars {
	char c;
	signed char sc;
	unsigned char uc;
	short s;
	unsigned short us;
	int i;
	unsigned int u;
	long l;
	unsigned long ul;
	long long ll;
	unsigned long long ull;
	_Bool b;
	float f;
	double d;
	void *p;
	volatile u32 cv;
	__int128 i128;
	unsigned __int128 u128;
};

enum small { SMALL_A, SMALL_B, SMALL_C, SMALL_D };

/* Bitfields: across bytes and 32-bit words, signed, 1-bit, 64-bit units. */
struct bitfields {
	unsigned int a : 3;
	unsigned int b : 5;
	unsigned int c : 9;
	int d : 7;
	int e : 1;
	unsigned long long f : 40;
	unsigned long long g : 24;
	long long h : 33;
	long long h2 : 31;
	_Bool flag : 1;
	unsigned int j : 32;
	int k : 32;
	enum small m : 2;
	unsigned short n : 10;
	unsigned char o : 4;
	signed char q : 4;
	int : 0;
	unsigned int r : 7;
	int : 5;
	u64 wide : 63;
	s64 swide : 64;
	unsigned long long cross : 60;
};

struct point {
	int x;
	short y;
};

/* Arrays: bytes become Uint8Array, others arrays, multi-dimensional. */
struct arrays {
	char name[16];
	u8 bytes[5];
	s8 sbytes[3];
	int m[2][3];
	short s[3];
	struct point pts[2];
	u8 grid[2][4];
	_Bool flags[3];
	double dd[2];
	u64 q[2];
};

/* A union: every member decoded from the same bytes. */
union value {
	u32 word;
	u8 bytes[4];
	u16 halves[2];
	float f;
	struct {
		unsigned int lo : 4;
		unsigned int hi : 12;
	} bits;
};

/* Nesting, anonymous members (flattened) and a named anonymous struct. */
struct nested {
	struct point p;
	union value v;
	struct {
		int a;
		short b;
	} named_anon;
	struct {
		int ia;
		union {
			int ua;
			unsigned short ub;
		};
	};
	u64 tail;
};

/* A typedef names an anonymous struct. */
typedef struct {
	int first;
	u16 second;
} pair_t;

/* A struct and a typedef of one name: the typedef is renamed. */
struct clash {
	pair_t pair;
	int both;
};
typedef int clash;

enum neg { NEG_MIN = -5, NEG_MAX = 7 };
enum big64 { BIG64_ONE = 1, BIG64_MAX = 0xffffffffffULL };
enum __attribute__((packed)) tiny { TINY_A = 1, TINY_B = 200 };

struct enums {
	enum small a;
	enum neg b;
	enum big64 c;
	enum tiny d;
	clash e;
};

/* Packed: every member off its alignment. */
struct __attribute__((packed)) packed {
	char c;
	int i;
	long long l;
	short s;
	struct point pt;
};

/* Packed bitfields straddle 8-byte boundaries: 9-byte windows. */
struct __attribute__((packed)) packedbits {
	unsigned char a : 3;
	unsigned long long b : 64;
	unsigned int c : 13;
	long long d : 45;
};

struct aligned {
	char c;
	int x __attribute__((aligned(16)));
	char tail;
};

/* Flexible array members. */
struct flex {
	unsigned int len;
	short hdr;
	int data[];
};

struct flexbytes {
	int n;
	char data[];
};

/* C names that are reserved words in TypeScript. */
struct delete {
	int new;
	int class;
	int size;
};
