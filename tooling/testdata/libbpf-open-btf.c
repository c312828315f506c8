// SPDX-License-Identifier: MIT
/*
 * libbpf-open-btf OBJECT OUT
 *
 * Opens a BPF object with libbpf (open only, no load) and writes the BTF
 * libbpf holds afterwards: the .BTF section after libbpf's fixups (DATASEC
 * sizes and variable offsets, extern handling). regen.sh builds this into a
 * temporary directory; it is never committed as a binary.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int print_warn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	const void *data;
	__u32 size;
	FILE *out;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJECT OUT\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_warn);

	obj = bpf_object__open_file(argv[1], NULL);
	err = libbpf_get_error(obj);
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		fprintf(stderr, "%s: bpf_object__open_file: %s\n", argv[1], msg);
		return 1;
	}
	if (!bpf_object__btf(obj)) {
		fprintf(stderr, "%s: object has no BTF\n", argv[1]);
		bpf_object__close(obj);
		return 1;
	}
	data = btf__raw_data(bpf_object__btf(obj), &size);
	if (!data) {
		fprintf(stderr, "%s: btf__raw_data failed\n", argv[1]);
		bpf_object__close(obj);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out || fwrite(data, 1, size, out) != size || fclose(out)) {
		fprintf(stderr, "%s: write failed: %s\n", argv[2], strerror(errno));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__close(obj);
	return 0;
}
