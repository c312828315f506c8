// SPDX-License-Identifier: GPL-2.0
/*
 * A second synthetic CO-RE target for testdata/core/relos.c: fields narrowed or made
 * signed (loads that cannot be resized poison), anonymous members flattened, arrays
 * shorter, a flexible array gone, enum values as ENUM64, `amb` unique, and kinds that
 * do not match (a union where the object has a struct).
 */
typedef unsigned int __u32;
typedef unsigned long long __u64;

struct list_head { struct list_head *prev, *next; };

struct task_struct {
	unsigned int __state;
	short pid;
	unsigned short flags;
	int tgid;
	struct task_struct *real_parent;
	unsigned long long in_execve : 1;
	unsigned long long sched_reset_on_fork : 1;
	unsigned long long prio : 30;
	char comm[8];
	struct list_head children;
	__u32 start_time;
};

struct corner {
	short b;
	char a;
	short c;
	long long d;
	int e;
	unsigned int bf1 : 30;
	int bf2 : 7;
	unsigned long long bf3 : 40;
	long long bf4 : 20;
	unsigned int arr[2][3];
	struct { long long x, y; } pts[3];
};

struct far_away { int near; char pad[20000]; long far; };

union amb___u { int a; int x; };
struct amb { int x; long long a; };

enum corner_state { CS_IDLE, CS_BUSY = 0x100000000ULL };
enum corner_big { CB_SMALL = 3 };
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_NOPE = 70 };

struct sk_buff {
	__u32 mark;
	unsigned int len;
	unsigned char *data;
	unsigned char *head;
	unsigned short protocol;
	unsigned char mac_len;
};

struct task_struct g_task;
struct corner g_corner;
union amb___u g_uamb;
struct amb g_amb;
enum corner_state g_state;
enum corner_big g_big;
enum pid_type g_pid;
struct sk_buff g_skb;
struct list_head g_list;
struct far_away g_far;
