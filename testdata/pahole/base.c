// SPDX-License-Identifier: MIT
/*
 * Host C compiled by gcc with DWARF, then encoded to BTF by pahole. This is
 * the base of a split pair; split.c builds on its types.
 */
#include <stddef.h>

typedef unsigned long long u64;
typedef unsigned int u32;
typedef u32 id_t;

enum state { ST_IDLE, ST_RUNNING, ST_DONE = 7 };

enum offset64 { OFF_NEG = -3, OFF_FAR = 0x200000000LL };

struct node {
	struct node *next;
	struct node **pprev;
	id_t id;
	enum state state;
	unsigned int dirty : 1;
	unsigned int refs : 15;
	unsigned long long gen : 40;	/* bits 16..55 of its unit: crosses 32 */
};

union value {
	u64 raw;
	double real;
	float pair[2];
	const char *str;
};

struct table {
	struct node *buckets[8];
	union value values[2][4];
	size_t count;
	_Bool frozen;
	int (*hash)(const void *key, size_t len);
};

struct table base_table;

/* pahole 1.24 encodes only per-CPU variables: VAR and DATASEC come from here. */
struct node base_percpu_node __attribute__((section(".data..percpu")));
long base_percpu_hits __attribute__((section(".data..percpu")));

int base_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	int h = 0;

	while (len--)
		h = h * 31 + *p++;
	return h;
}

/* gcc keeps restrict in DWARF, so pahole emits RESTRICT. */
void base_copy(char *restrict dst, const char *restrict src, size_t n)
{
	while (n--)
		*dst++ = *src++;
}

enum offset64 base_state(const volatile struct node *n)
{
	return n->state == ST_DONE ? OFF_FAR : OFF_NEG;
}
