// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE relocations of every kind for the @btfkit/co-re goldens: field byte offset, byte
 * size, exists, signed, lshift/rshift (bitfields), type id local/target, type exists, size
 * and matches, enum value exists and value (enum and enum64), arrays indexed in the access
 * string, nested anonymous members, flavors, relocations that poison on some targets and one
 * that is ambiguous on the synthetic targets. Kernel types are local definitions marked
 * preserve_access_index, laid out to differ from the kernel's (the point of CO-RE).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

/* libbpf 1.1's bpf_core_read.h has no macro for FIELD_SIGNED; clang has the builtin. */
#define bpf_core_field_signed(field) __builtin_preserve_field_info(field, BPF_FIELD_SIGNED)

struct list_head { struct list_head *next, *prev; } PAI;

struct mm_struct {
	unsigned long total_vm;
	unsigned long hiwater_rss;
	unsigned long no_such_counter;
} PAI;

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	unsigned int in_execve : 1;
	unsigned int in_iowait : 1;
	unsigned int sched_reset_on_fork : 1;
	int prio;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct mm_struct *mm;
	char comm[16];
	struct list_head children;
	__u64 start_time;
	int no_such_field;
} PAI;

/* A flavor: an older layout of the same kernel type. */
struct task_struct___old {
	long state;
	int pid;
} PAI;

struct task_struct___new {
	unsigned int __state;
	int pid;
} PAI;

struct sk_buff {
	unsigned int len;
	unsigned int data_len;
	__u16 mac_len;
	__u16 hdr_len;
	__u32 priority;
	__u32 mark;
	__u16 protocol;
	unsigned char *head;
	unsigned char *data;
} PAI;

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
} PAI;

struct dentry {
	unsigned int d_flags;
	struct qstr d_name;
	struct dentry *d_parent;
	unsigned char d_iname[40];
} PAI;

/* Synthetic types for the synthetic targets. */
struct corner {
	char a;
	int b;
	struct {
		short c;
		union {
			int d;
			long long e;
		};
	};
	unsigned int bf1 : 3;
	int bf2 : 7;
	unsigned long long bf3 : 40;
	long long bf4 : 20;
	unsigned short arr[4][3];
	struct { int x, y; } pts[5];
	int flex_len;
	int flex[];
} PAI;

struct corner___v2 {
	char a;
	long long b;
} PAI;

struct amb {
	int a;
	int x;
} PAI;

enum corner_state { CS_IDLE, CS_BUSY = 7, CS_GONE = -1 };
enum corner_big { CB_SMALL = 1, CB_HUGE = 0x1234567890ULL };
enum corner_state___flav { CS_BUSY___flav = 100, CS_NEW___flav = 5 };

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_NOPE };
enum bpf_func_id___x { BPF_FUNC_map_lookup_elem___x = 1, BPF_FUNC_no_such_helper___x = 9999 };

typedef struct mm_struct mm_t;
typedef unsigned int u32_t;

struct missing_type { int nothing; } PAI;

/* Far fields: an offset over 32767 does not fit a load's 16-bit offset. */
struct far_away {
	int near;
	int far;
} PAI;

__u64 out[256];

#define PUT(i, v) (out[(i)] = (__u64)(v))

SEC("kprobe/fields")
int fields(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct sk_buff *skb = (void *)ctx;
	struct dentry *d = (void *)ctx;

	PUT(0, BPF_CORE_READ(t, real_parent, tgid));
	PUT(1, BPF_CORE_READ(t, group_leader, mm, total_vm));
	PUT(2, bpf_core_field_exists(t->mm));
	PUT(3, bpf_core_field_exists(t->no_such_field));
	PUT(4, bpf_core_field_size(t->comm));
	PUT(5, bpf_core_field_offset(t->comm));
	PUT(6, bpf_core_field_offset(t->children.prev));
	PUT(7, bpf_core_field_signed(t->prio));
	PUT(8, bpf_core_field_signed(t->flags));
	PUT(9, BPF_CORE_READ_BITFIELD_PROBED(t, in_execve));
	PUT(10, BPF_CORE_READ_BITFIELD_PROBED(t, in_iowait));
	PUT(11, BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork));
	PUT(12, BPF_CORE_READ(t, start_time));
	PUT(13, t->comm[3]);
	PUT(14, BPF_CORE_READ(skb, len));
	PUT(15, BPF_CORE_READ(skb, mark));
	PUT(16, BPF_CORE_READ(skb, protocol));
	PUT(17, bpf_core_field_size(skb->mac_len));
	PUT(18, bpf_core_field_offset(skb->head));
	PUT(19, BPF_CORE_READ(d, d_name.hash));
	PUT(20, BPF_CORE_READ(d, d_name.len));
	PUT(21, BPF_CORE_READ(d, d_name.hash_len));
	PUT(22, bpf_core_field_offset(d->d_iname[7]));
	PUT(23, bpf_core_field_size(d->d_iname));
	PUT(24, BPF_CORE_READ(d, d_parent, d_flags));
	PUT(25, bpf_core_field_exists(t->mm->no_such_counter));
	PUT(26, BPF_CORE_READ(t, mm, hiwater_rss));
	return 0;
}

SEC("kprobe/flavors")
int flavors(void *ctx)
{
	void *t = (void *)bpf_get_current_task();
	struct task_struct___old *old = t;
	struct task_struct___new *new = t;

	if (bpf_core_field_exists(old->state))
		PUT(30, BPF_CORE_READ(old, state));
	if (bpf_core_field_exists(new->__state))
		PUT(31, BPF_CORE_READ(new, __state));
	PUT(32, BPF_CORE_READ(old, pid));
	PUT(33, BPF_CORE_READ(new, pid));
	PUT(34, bpf_core_type_exists(struct task_struct___old));
	PUT(35, bpf_core_type_size(struct task_struct___new));
	return 0;
}

SEC("kprobe/types")
int types(void *ctx)
{
	PUT(40, bpf_core_type_id_local(struct task_struct));
	PUT(41, bpf_core_type_id_kernel(struct task_struct));
	PUT(42, bpf_core_type_exists(struct task_struct));
	PUT(43, bpf_core_type_exists(struct missing_type));
	PUT(44, bpf_core_type_size(struct task_struct));
	PUT(45, bpf_core_type_size(struct sk_buff));
	PUT(46, bpf_core_type_matches(struct list_head));
	PUT(47, bpf_core_type_matches(struct task_struct));
	PUT(48, bpf_core_type_size(mm_t));
	PUT(49, bpf_core_type_exists(u32_t));
	PUT(50, bpf_core_type_id_kernel(struct mm_struct));
	PUT(51, bpf_core_type_matches(enum pid_type));
	PUT(52, bpf_core_type_size(enum pid_type));
	PUT(53, bpf_core_type_id_kernel(struct missing_type));
	PUT(54, bpf_core_type_matches(struct qstr));
	return 0;
}

SEC("kprobe/enums")
int enums(void *ctx)
{
	PUT(60, bpf_core_enum_value_exists(enum pid_type, PIDTYPE_SID));
	PUT(61, bpf_core_enum_value_exists(enum pid_type, PIDTYPE_NOPE));
	PUT(62, bpf_core_enum_value(enum pid_type, PIDTYPE_PGID));
	PUT(63, bpf_core_enum_value(enum pid_type, PIDTYPE_NOPE));
	PUT(64, bpf_core_enum_value(enum bpf_func_id___x, BPF_FUNC_map_lookup_elem___x));
	PUT(65, bpf_core_enum_value_exists(enum bpf_func_id___x, BPF_FUNC_no_such_helper___x));
	PUT(66, bpf_core_enum_value(enum corner_state, CS_BUSY));
	PUT(67, bpf_core_enum_value(enum corner_state, CS_GONE));
	PUT(68, bpf_core_enum_value(enum corner_big, CB_HUGE));
	PUT(69, bpf_core_enum_value_exists(enum corner_big, CB_SMALL));
	PUT(70, bpf_core_enum_value(enum corner_state___flav, CS_BUSY___flav));
	PUT(71, bpf_core_enum_value_exists(enum corner_state___flav, CS_NEW___flav));
	return 0;
}

SEC("kprobe/corner")
int corner(void *ctx)
{
	struct corner *c = (void *)ctx;
	struct corner___v2 *c2 = (void *)ctx;
	struct amb *a = (void *)ctx;

	PUT(80, BPF_CORE_READ(c, b));
	PUT(81, BPF_CORE_READ(c, c));
	PUT(82, BPF_CORE_READ(c, d));
	PUT(83, BPF_CORE_READ(c, e));
	PUT(84, BPF_CORE_READ_BITFIELD_PROBED(c, bf1));
	PUT(85, BPF_CORE_READ_BITFIELD_PROBED(c, bf2));
	PUT(86, BPF_CORE_READ_BITFIELD_PROBED(c, bf3));
	PUT(87, BPF_CORE_READ_BITFIELD_PROBED(c, bf4));
	PUT(88, BPF_CORE_READ(c, arr[2][1]));
	PUT(89, bpf_core_field_offset(c->arr[3][2]));
	PUT(90, bpf_core_field_size(c->arr[1]));
	PUT(91, BPF_CORE_READ(c, pts[4].y));
	PUT(92, bpf_core_field_offset(c->pts[2].x));
	PUT(93, bpf_core_field_offset(c->flex[3]));
	PUT(94, bpf_core_field_exists(c->flex));
	PUT(95, BPF_CORE_READ(c2, b));
	PUT(96, bpf_core_field_size(c2->b));
	PUT(97, BPF_CORE_READ(a, x));
	PUT(98, bpf_core_field_exists(a->a));
	PUT(99, bpf_core_type_size(struct corner));
	PUT(100, bpf_core_type_matches(struct corner___v2));
	PUT(101, bpf_core_field_signed(c->bf4));
	PUT(102, bpf_core_field_signed(c->e));
	PUT(103, bpf_core_field_size(c->bf3));
	PUT(104, bpf_core_field_offset(c->bf2));
	PUT(105, BPF_CORE_READ(c, a));
	return 0;
}

/* Direct loads and stores: the relocation patches the instruction's offset (and size). */
SEC("kprobe/direct")
int direct(struct task_struct *t)
{
	struct sk_buff *skb = (void *)t;
	struct corner___v2 *c2 = (void *)t;
	struct corner *c = (void *)t;
	struct far_away *f = (void *)t;

	PUT(110, t->flags);
	PUT(111, t->pid);
	PUT(112, (__u64)t->mm);
	PUT(113, skb->mac_len);
	PUT(114, skb->protocol);
	PUT(115, c2->b);
	PUT(116, c->b);
	PUT(117, f->far);
	PUT(118, f->near);
	c->flex_len = 3;
	c->a = (char)out[0];
	skb->mark = 7;
	t->start_time = out[1];
	return 0;
}

/* A relocation on an anonymous type: libbpf has no candidates for it and fails. */
SEC("kprobe/anon")
int anon(void *ctx)
{
	struct { int x; int y; } __attribute__((preserve_access_index)) *a = ctx;

	PUT(120, bpf_core_field_exists(a->y));
	PUT(121, bpf_core_type_id_local(struct corner));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
