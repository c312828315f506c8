// SPDX-License-Identifier: GPL-2.0
/*
 * Every enum flavour: unsigned and signed 32-bit, packed (1 and 2 bytes),
 * 64-bit unsigned and signed (ENUM64), anonymous, forward-declared, and
 * enums as bitfields.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum color { RED, GREEN, BLUE };

enum delta { DOWN = -1, ZERO = 0, UP = 1 };

enum __attribute__((packed)) tiny { T0, T1, T255 = 255 };

enum __attribute__((packed)) stiny { S_MIN = -128, S_MAX = 127 };

enum __attribute__((packed)) wide16 { W_LOW = 1, W_HIGH = 0x1234 };

enum big {
	BIG_ONE = 1,
	BIG_2POW32 = 0x100000000ULL,
	BIG_MAX = 0xffffffffffffffffULL,
};

enum sbig {
	SB_MIN = -0x7fffffffffffffffLL - 1,
	SB_NEG = -5,
	SB_POS = 0x123456789LL,
};

/* The 32-bit extremes still fit ENUM, signed and unsigned. */
enum edge { E_INT_MIN = -2147483647 - 1, E_INT_MAX = 2147483647 };
enum uedge { U_ZERO, U_MAX = 0xffffffffU };

/* Incomplete enum (a GNU extension): emitted with no values. */
enum pending;

struct enum_bits {
	enum color c : 2;
	enum delta d : 2;		/* signed enum bitfield */
	enum tiny t;
	enum stiny st;
	enum wide16 w;
};

enum color g_color = BLUE;
enum delta g_delta = DOWN;
enum tiny g_tiny = T255;
enum big g_big = BIG_2POW32;
enum sbig g_sbig = SB_NEG;
enum edge g_edge = E_INT_MIN;
enum uedge g_uedge = U_MAX;
enum { ANON_A = 10, ANON_B = 20 } g_anon;
enum pending *g_pending;
struct enum_bits g_enum_bits;

SEC("kprobe/do_unlinkat")
int enums_kprobe(void *ctx)
{
	g_enum_bits.c = GREEN;
	g_enum_bits.d = UP;
	return g_color + g_delta + g_tiny + (int)g_big + (int)g_sbig + g_anon;
}

SEC("kretprobe/do_unlinkat")
int enums_kretprobe(void *ctx)
{
	return g_enum_bits.st == S_MIN ? g_edge : (int)g_uedge;
}

SEC("license") char LICENSE[] = "GPL";
