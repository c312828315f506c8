// SPDX-License-Identifier: GPL-2.0
/*
 * Struct and union layout corners: bitfields (crossing byte and word
 * boundaries, inside unions), packed and over-aligned records, anonymous and
 * nested anonymous members, and a flexible array member.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bits {
	unsigned int lo : 3;
	unsigned int mid : 9;		/* bits 3..11, crosses a byte boundary */
	unsigned int hi : 20;		/* fills the word exactly */
	unsigned char nib : 4;
	signed char sneg : 4;		/* signed bitfield */
	_Bool on : 1;
	unsigned int : 5;		/* unnamed padding bitfield */
	unsigned long long wide : 40;	/* crosses a 32-bit boundary */
	unsigned long long rest : 24;
	int plain;
};

/* Bitfields directly in a union, and in an anonymous struct inside it. */
union reg {
	unsigned int raw;
	unsigned short low12 : 12;
	struct {
		unsigned int en : 1;
		unsigned int mode : 3;
		unsigned int addr : 28;
	};
};

/* Packed: members at odd offsets, size without tail padding. */
struct __attribute__((packed)) wire_hdr {
	char tag;
	int len;
	long long ts;
	unsigned char a : 7;
	unsigned short b : 13;		/* straddles three bytes */
	unsigned int c : 30;
};

/* Over-aligned record and over-aligned member. */
struct __attribute__((aligned(16))) aligned16 {
	int x;
};

struct aligned_member {
	char c;
	int v __attribute__((aligned(8)));
	struct aligned16 a;
	char tail;
};

struct __attribute__((aligned(64))) cacheline {
	long hits;
};

struct packet {
	int kind;
	union {				/* anonymous union */
		struct {		/* anonymous struct in it */
			unsigned short sport;
			unsigned short dport;
		};
		struct {
			unsigned int icmp_type : 8;
			unsigned int icmp_code : 8;
		};
		unsigned long long raw;
	};
	struct {			/* anonymous type, named member */
		int a;
		union {
			int b;
			float f;
		};
	} inner;
	struct {
		struct {		/* nested anonymous */
			int deep;
		};
	};
	unsigned short len;
	char data[];			/* flexible array: ARRAY of 0 */
};

struct bits g_bits;
union reg g_reg;
struct wire_hdr g_hdr;
struct aligned_member g_am;
struct cacheline g_lines[2];
struct packet g_packet;

static __noinline int decode(struct packet *p, union reg *r)
{
	return p->sport + p->inner.b + p->deep + r->mode;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int layout_tp(void *ctx)
{
	g_bits.mid = 300;
	g_bits.wide = 0x12345678ULL;
	g_hdr.b = g_bits.mid;
	return decode(&g_packet, &g_reg) + g_am.v;
}

SEC("raw_tracepoint/sys_exit")
int layout_raw_tp(void *ctx)
{
	g_lines[1].hits++;
	return g_reg.addr;
}

SEC("license") char LICENSE[] = "GPL";
