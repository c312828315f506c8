// SPDX-License-Identifier: MIT
/*
 * The split half: reuses base.c's types (deduplicated against base.btf, so
 * they are referenced by ID rather than repeated) and adds its own.
 */
#include <stddef.h>

typedef unsigned long long u64;
typedef unsigned int u32;
typedef u32 id_t;

enum state { ST_IDLE, ST_RUNNING, ST_DONE = 7 };

struct node {
	struct node *next;
	struct node **pprev;
	id_t id;
	enum state state;
	unsigned int dirty : 1;
	unsigned int refs : 15;
	unsigned long long gen : 40;
};

struct opaque_handle;

struct __attribute__((packed)) split_rec {
	char kind;
	struct node *node;
	id_t owner;
	struct opaque_handle *handle;
};

typedef int (*visit_fn)(struct node *n, void *arg);

struct split_walker {
	visit_fn visit;
	void *arg;
	long depth;
	int (*log)(const char *fmt, ...);
};

struct split_rec split_last;

int split_walk(struct split_walker *w, struct node *n)
{
	int ret = 0;

	for (; n; n = n->next) {
		ret = w->visit(n, w->arg);
		if (ret)
			break;
		w->depth++;
	}
	return ret;
}

long split_record(struct split_rec *r, struct node *n, id_t owner)
{
	r->node = n;
	r->owner = owner;
	split_last = *r;
	return sizeof(*r);
}
