// SPDX-License-Identifier: GPL-2.0
/*
 * A synthetic CO-RE target for testdata/core/relos.c: the corner types laid out anew
 * (fields moved, widened, nested differently), two flavors of `amb` that disagree (an
 * ambiguous relocation), enums with other values and an ENUM64, an older task_struct.
 * Compiled with clang -g; only its .BTF matters.
 */
typedef unsigned int __u32;
typedef unsigned long long __u64;

struct list_head { struct list_head *next, *prev; };
struct mm_struct { unsigned long hiwater_rss; unsigned long total_vm; };

struct task_struct {
	long state;
	int tgid;
	int pid;
	unsigned long long flags;
	int prio;
	unsigned short in_iowait : 2;
	unsigned short in_execve : 1;
	struct mm_struct *mm;
	struct task_struct *group_leader;
	struct task_struct *real_parent;
	char comm[32];
	struct list_head children;
	__u64 start_time;
};

struct corner {
	long long b;
	char a;
	union {
		struct {
			int pad;
			long long e;
		};
		short c;
	};
	int d;
	unsigned char bf1 : 5;
	unsigned long long bf3 : 50;
	long long bf2 : 9;
	int bf4 : 20;
	unsigned short arr[5][4];
	struct { int y, x; } pts[6];
	int flex_len;
	int flex[];
};

struct far_away { char pad[40000]; int far; int near; };

struct amb___one { int a; int x; };
struct amb___two { long long a; int x; };

enum corner_state { CS_GONE = -5, CS_IDLE = 1, CS_BUSY = 9 };
enum corner_big { CB_HUGE = 0xfedcba9876543210ULL, CB_SMALL = 2 };
enum pid_type { PIDTYPE_SID = 1, PIDTYPE_PGID = 2, PIDTYPE_PID = 3 };

struct qstr {
	__u64 hash_len;
	const unsigned char *name;
};

struct task_struct g_task;
struct corner g_corner;
struct amb___one g_amb1;
struct amb___two g_amb2;
enum corner_state g_state;
enum corner_big g_big;
enum pid_type g_pid;
struct qstr g_qstr;
struct list_head g_list;
struct mm_struct g_mm;
struct far_away g_far;
