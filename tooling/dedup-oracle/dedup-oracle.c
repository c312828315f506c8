// The oracle of btfkit's dedup: appends BTF blobs as libbpf's btf__add_btf does, runs
// btf__dedup and writes btf__raw_data. Built against Debian's libbpf by
// tooling/testdata/regen.sh; the goldens under testdata/dedup/ are its output.
//
// usage: dedup-oracle OUT IN...            append every IN (raw BTF or ELF .BTF), dedup
//        dedup-oracle --base BASE OUT IN   dedup split BTF IN against BASE
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int write_file(const char *path, const void *data, __u32 size)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "dedup-oracle: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct btf *base = NULL, *btf, *src;
	const char *out;
	const void *raw;
	__u32 size;
	int i = 1, err;

	libbpf_set_print(quiet);
	if (argc > 2 && strcmp(argv[1], "--base") == 0) {
		base = btf__parse(argv[2], NULL);
		if (!base) {
			fprintf(stderr, "dedup-oracle: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		i = 3;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: dedup-oracle [--base BASE] OUT IN...\n");
		return 2;
	}
	out = argv[i++];
	if (base) {
		if (argc - i != 1) {
			fprintf(stderr, "dedup-oracle: libbpf appends no split BTF: one IN with --base\n");
			return 2;
		}
		btf = btf__parse_split(argv[i], base);
		if (!btf) {
			fprintf(stderr, "dedup-oracle: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
	} else {
		btf = btf__new_empty();
		if (!btf)
			return 1;
		for (; i < argc; i++) {
			src = btf__parse(argv[i], NULL);
			if (!src) {
				fprintf(stderr, "dedup-oracle: %s: %s\n", argv[i], strerror(errno));
				return 1;
			}
			err = btf__add_btf(btf, src);
			if (err < 0) {
				fprintf(stderr, "dedup-oracle: %s: btf__add_btf: %s\n", argv[i], strerror(-err));
				return 1;
			}
			btf__free(src);
		}
	}
	err = btf__dedup(btf, NULL);
	if (err) {
		fprintf(stderr, "dedup-oracle: btf__dedup: %s\n", strerror(-err));
		return 1;
	}
	raw = btf__raw_data(btf, &size);
	if (!raw)
		return 1;
	return write_file(out, raw, size);
}
