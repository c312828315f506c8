// SPDX-License-Identifier: GPL-2.0
/*
 * btf_decl_tag on a struct, a member, a typedef, a variable, a function and
 * its parameters; btf_type_tag on pointers, single and chained.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))

struct __tag("struct:config") __tag("second") config {
	int id __tag("member:id");
	int __user *uptr;
	int __user __rcu *both;		/* two type tags in a chain */
	const int __user *cuptr;
	struct config __rcu *next;
};

typedef int handle_t __tag("typedef:handle");

handle_t g_handle __tag("var:handle") = 3;
struct config g_config;
int __user *__rcu *g_tagged_pp;

__tag("func:mix") __noinline int
tagged_mix(struct config *cfg __tag("param:cfg"), int bias __tag("param:bias"))
{
	return cfg->id + bias;
}

static __tag("func:static") __noinline int tagged_static(int __user *p)
{
	return p != 0;
}

SEC("socket")
int tags_socket(void *ctx)
{
	return tagged_mix(&g_config, g_handle) + tagged_static(g_config.uptr);
}

SEC("cgroup_skb/ingress")
int tags_cgroup(void *ctx)
{
	return *g_tagged_pp != 0;
}

SEC("license") char LICENSE[] = "GPL";
