// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE relocations of every kind clang 16 emits: field offset, existence,
 * size, signedness and bitfield shifts; type id, existence, size and match;
 * enum value existence and value. The kernel-like types are local
 * definitions marked preserve_access_index, not vmlinux.h.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct mm_struct {
	unsigned long total_vm;
	unsigned long hiwater_rss;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	unsigned int in_execve : 1;
	unsigned int in_iowait : 1;
	int sched_prio : 6;
	struct task_struct *real_parent;
	struct mm_struct *mm;
	char comm[16];
} __attribute__((preserve_access_index));

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID };

typedef struct mm_struct mm_t;

struct core_out {
	int ppid;
	unsigned long vm;
	unsigned long long in_execve;
	long long prio;
	__u32 sizes;
	__u32 offsets;
	__u32 ids;
	__u32 exists;
	__u64 enums;
};

struct core_out g_out;

static __noinline int read_parent(struct task_struct *task)
{
	/* chained field offset relocations */
	return BPF_CORE_READ(task, real_parent, tgid);
}

SEC("kprobe/do_exit")
int core_fields(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	g_out.ppid = read_parent(task);
	if (bpf_core_field_exists(task->mm))
		g_out.vm = BPF_CORE_READ(task, mm, total_vm);
	g_out.in_execve = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	g_out.prio = BPF_CORE_READ_BITFIELD_PROBED(task, sched_prio);
	g_out.sizes = bpf_core_field_size(task->comm);
	g_out.offsets = bpf_core_field_offset(task->flags);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int core_types(void *ctx)
{
	g_out.ids = bpf_core_type_id_local(struct task_struct) +
		    bpf_core_type_id_kernel(mm_t);
	g_out.exists = bpf_core_type_exists(struct mm_struct) +
		       bpf_core_type_matches(struct task_struct);
	g_out.sizes += bpf_core_type_size(mm_t);
	if (bpf_core_enum_value_exists(enum pid_type, PIDTYPE_SID))
		g_out.enums = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	return 0;
}

SEC("license") char LICENSE[] = "GPL";
