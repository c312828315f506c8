// SPDX-License-Identifier: GPL-2.0
/*
 * BTF-defined maps, .kconfig and .ksyms externs, and the three kinds of
 * subprogram linkage (static, global, hidden global) called from programs in
 * several ELF sections.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* .kconfig externs: libbpf fills them at load time. */
extern int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;

/* .ksyms externs: a typed variable, a typeless one and a kfunc. */
struct task_struct;
extern const int bpf_prog_active __ksym;
extern const void bpf_link_fops __ksym __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

static __noinline __u64 bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (!v)
		return 0;
	return __sync_fetch_and_add(v, 1);
}

__noinline int account(struct flow_key *key, __u64 len)
{
	struct flow_stats *st = bpf_map_lookup_elem(&flows, key);

	if (!st)
		return 0;
	st->packets++;
	st->bytes += len;
	return 1;
}

__hidden __noinline int version_ok(void)
{
	return LINUX_KERNEL_VERSION >= 0x050f00 && CONFIG_BPF_SYSCALL;
}

SEC("xdp")
int prog_xdp(struct xdp_md *ctx)
{
	struct flow_key key = { .sport = 1, .dport = 2 };

	bump(0);
	return account(&key, ctx->data_end - ctx->data) ? XDP_PASS : XDP_DROP;
}

SEC("tracepoint/sched/sched_process_exec")
int prog_tp(void *ctx)
{
	bump(1);
	return version_ok();
}

SEC("kprobe/vfs_read")
int prog_kprobe(void *ctx)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	bump(2);
	return *active + ((long)&bpf_link_fops != 0);
}

SEC("tp_btf/task_newtask")
int prog_tp_btf(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];
	struct task_struct *ref;

	if (!bpf_task_acquire)
		return 0;
	ref = bpf_task_acquire(task);
	if (ref)
		bpf_task_release(ref);
	return 0;
}

SEC("license") char LICENSE[] = "GPL";
