// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE relocations the kernel test checks in the running kernel: the socket
 * filter returns one relocated value per selector (the first byte past the
 * Ethernet header, where a socket filter's packet starts), so
 * BPF_PROG_TEST_RUN's retval is the value. The local types are deliberately
 * unlike the kernel's (other member order, other enum values, missing and
 * extra members) so that only a correct relocation gives the kernel's answer.
 * The bitfield read probes the sk_buff the test run builds, whose pkt_type the
 * test sets through the packet's destination MAC.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct sched_entity {
	__u64 vruntime;
} __attribute__((preserve_access_index));

/* Does not match the kernel's: vruntime is 64 bits there. */
struct sched_entity___narrow {
	__u32 vruntime;
};

/* Matches: pointers to a struct of the same name. */
struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct task_struct {
	int tgid;
	int pid;
	struct sched_entity se;
	int btfkit_missing;
} __attribute__((preserve_access_index));

struct sk_buff {
	char cb[48];
	__u8 pkt_type : 3;
	__u16 protocol;
	unsigned int len;
} __attribute__((preserve_access_index));

/* A flavor: relocated against the kernel's struct sk_buff. */
struct sk_buff___btfkit {
	unsigned int len;
	__u32 btfkit_missing;
} __attribute__((preserve_access_index));

struct btfkit_no_such_type {
	int x;
};

enum pid_type {
	PIDTYPE_MAX = 1,
	PIDTYPE_SID = 2,
	PIDTYPE_BTFKIT = 3,
};

enum perf_callchain_context {
	PERF_CONTEXT_USER = 0x100000000ULL,
	PERF_CONTEXT_GUEST_KERNEL = 0x200000000ULL,
};

/* Function pointers: a type relocation keeps the prototype and its parameters. */
struct callback_head;
typedef void (*rcu_callback_t)(struct callback_head *head);

struct callback_head {
	struct callback_head *next;
	rcu_callback_t func;
} __attribute__((preserve_access_index));

#define FIELD_INFO(field, kind) __builtin_preserve_field_info(field, kind)

SEC("socket")
int probe(struct sk_buff *skb)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct sk_buff___btfkit *flavored = (void *)skb;
	__u8 sel = 0;

	if (bpf_skb_load_bytes(skb, 0, &sel, 1))
		return -1;

	switch (sel) {
	case 0: return bpf_core_field_offset(skb->len);
	case 1: return bpf_core_field_size(skb->len);
	case 2: return bpf_core_field_exists(skb->len);
	case 3: return FIELD_INFO(skb->len, BPF_FIELD_SIGNED);
	case 4: return bpf_core_field_offset(skb->protocol);
	case 5: return bpf_core_field_offset(skb->cb[5]);
	case 6: return bpf_core_field_size(skb->cb);
	case 7: return BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	case 8: return bpf_core_field_offset(skb->pkt_type);
	case 9: return bpf_core_field_size(skb->pkt_type);
	case 10: return FIELD_INFO(skb->pkt_type, BPF_FIELD_LSHIFT_U64);
	case 11: return FIELD_INFO(skb->pkt_type, BPF_FIELD_RSHIFT_U64);
	case 12: return FIELD_INFO(skb->pkt_type, BPF_FIELD_SIGNED);
	case 13: return bpf_core_field_offset(flavored->len);
	case 14: return bpf_core_field_exists(flavored->btfkit_missing);
	case 15: return bpf_core_field_offset(task->pid);
	case 16: return bpf_core_field_offset(task->tgid);
	case 17: return FIELD_INFO(task->pid, BPF_FIELD_SIGNED);
	case 18: return bpf_core_field_offset(task->se.vruntime);
	case 19: return bpf_core_field_size(task->se.vruntime);
	case 20: return bpf_core_field_exists(task->btfkit_missing);
	case 21: return BPF_CORE_READ(task, tgid);
	case 22: return bpf_core_type_id_kernel(struct sk_buff);
	case 23: return bpf_core_type_id_local(struct sk_buff);
	case 24: return bpf_core_type_exists(struct sk_buff);
	case 25: return bpf_core_type_exists(struct btfkit_no_such_type);
	case 26: return bpf_core_type_size(struct sk_buff);
	case 27: return bpf_core_type_size(struct task_struct);
	case 28: return bpf_core_type_matches(struct list_head);
	case 29: return bpf_core_enum_value(enum pid_type, PIDTYPE_MAX);
	case 30: return bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
	case 31: return bpf_core_enum_value_exists(enum pid_type, PIDTYPE_SID);
	case 32: return bpf_core_enum_value_exists(enum pid_type, PIDTYPE_BTFKIT);
	case 33: return bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_USER);
	case 34: return bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_USER) >> 32;
	case 35: return bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_GUEST_KERNEL) >> 32;
	case 36: return bpf_core_type_id_kernel(struct task_struct);
	case 37: return bpf_core_type_matches(struct sched_entity___narrow);
	case 38: return bpf_core_type_matches(struct sched_entity);
	case 39: return bpf_core_type_size(rcu_callback_t);
	case 40: return bpf_core_field_offset(((struct callback_head *)0)->func);
	case 41:
		/* Poisoned, and dead once the existence check is relocated to 0. */
		if (bpf_core_field_exists(task->btfkit_missing))
			return bpf_core_field_offset(task->btfkit_missing);
		return 7;
	}
	return -2;
}

char LICENSE[] SEC("license") = "GPL";
