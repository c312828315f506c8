/*
 * The BPF side of the `gen ts` fixtures: puts every struct of layouts.h into
 * the BTF and defines BTF-defined maps for `gen ts --maps`.
 */
#include "layouts.h"

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

struct scalars g_scalars;
struct bitfields g_bitfields;
struct arrays g_arrays;
union value g_value;
struct nested g_nested;
pair_t g_pair;
struct clash g_clash;
struct enums g_enums;
struct packed g_packed;
struct packedbits g_packedbits;
struct aligned g_aligned;
struct flex g_flex;
struct flexbytes g_flexbytes;
struct delete g_delete;

struct {
	__uint(type, 1 /* BPF_MAP_TYPE_HASH */);
	__uint(max_entries, 16);
	__type(key, struct point);
	__type(value, struct nested);
} points SEC(".maps");

struct {
	__uint(type, 4 /* BPF_MAP_TYPE_PERF_EVENT_ARRAY */);
	__uint(key_size, 4);
	__uint(value_size, 4);
} events SEC(".maps");

/* A value type declared in the map definition itself: anonymous. */
struct {
	__uint(type, 2 /* BPF_MAP_TYPE_ARRAY */);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct {
		u64 packets;
		u32 flags : 3;
	});
} stats SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
