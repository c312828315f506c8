// SPDX-License-Identifier: GPL-2.0
/*
 * A socket filter without CO-RE that calls a static and a global function in
 * .text: three FUNCs in func_info and line info across both sections, for the
 * kernel test of the ext infos btfkit marshals. It returns the packet's length
 * times three plus the first byte past the Ethernet header (a socket filter
 * sees the packet from there), so the test can check it ran.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct __sk_buff {
	__u32 len;
};

static __noinline __u32 triple(__u32 v)
{
	return v * 3;
}

__noinline int first_byte(struct __sk_buff *skb)
{
	__u8 b = 0;

	if (!skb)
		return 0;
	if (bpf_skb_load_bytes(skb, 0, &b, 1))
		return 0;
	return b;
}

SEC("socket")
int funcs(struct __sk_buff *skb)
{
	__u32 len = skb->len;

	return triple(len) + first_byte(skb);
}

char LICENSE[] SEC("license") = "GPL";
