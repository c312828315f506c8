// The oracle of btfkit's dedup: appends BTF blobs as libbpf's btf__add_btf does, runs
// btf__dedup and writes btf__raw_data. Built against Debian's libbpf by
// tooling/testdata/regen.sh; the goldens under testdata/dedup/ are its output.
//
// usage: dedup-oracle [--no-dedup] [--base BASE] OUT IN...
//   Appends every IN (raw BTF or an ELF object's .BTF) with btf__add_btf to an empty BTF
//   (split over BASE with --base), dedups, writes the raw BTF. An IN written split:FILE is
//   split BTF over BASE, parsed with btf__parse_split; libbpf appends no split BTF, so it
//   must be the only IN. --no-dedup writes the appended BTF as it is (to make split BTF
//   that repeats its base's types, as a module built without dedup would).
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
	int i = 1, err, dedup = 1;

	libbpf_set_print(quiet);
	if (argc > 1 && strcmp(argv[1], "--no-dedup") == 0) {
		dedup = 0;
		i++;
	}
	if (argc > i + 1 && strcmp(argv[i], "--base") == 0) {
		base = btf__parse(argv[i + 1], NULL);
		if (!base) {
			fprintf(stderr, "dedup-oracle: %s: %s\n", argv[i + 1], strerror(errno));
			return 1;
		}
		i += 2;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: dedup-oracle [--no-dedup] [--base BASE] OUT IN...\n");
		return 2;
	}
	out = argv[i++];
	if (base && strncmp(argv[i], "split:", 6) == 0) {
		if (argc - i != 1) {
			fprintf(stderr, "dedup-oracle: libbpf appends no split BTF: split:IN must be alone\n");
			return 2;
		}
		btf = btf__parse_split(argv[i] + 6, base);
		if (!btf) {
			fprintf(stderr, "dedup-oracle: %s: %s\n", argv[i] + 6, strerror(errno));
			return 1;
		}
	} else {
		btf = base ? btf__new_empty_split(base) : btf__new_empty();
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
	err = dedup ? btf__dedup(btf, NULL) : 0;
	if (err) {
		fprintf(stderr, "dedup-oracle: btf__dedup: %s\n", strerror(-err));
		return 1;
	}
	raw = btf__raw_data(btf, &size);
	if (!raw)
		return 1;
	return write_file(out, raw, size);
}
