// The libbpf anchor for the @btfkit/types benchmarks: times the same work with Debian's
// libbpf and prints one JSON object of median milliseconds.
//
//   gcc -O2 -o libbpf-bench libbpf-bench.c -lbpf
//   ./libbpf-bench FILE.btf [RUNS]
//
// Cases: btf__parse + btf__find_by_name_kind("task_struct", STRUCT); iterating every type
// reading its name and, for structs and unions, every member's name.
#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, n, sizeof(*v), cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.btf [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? atoi(argv[2]) : 9;
  if (runs < 1 || runs > 1000) runs = 9;
  double *load = calloc(runs, sizeof(double));
  double *iter = calloc(runs, sizeof(double));
  long types = 0, checksum = 0;
  int found = -1;
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    struct btf *btf = btf__parse(argv[1], NULL);
    if (!btf) {
      fprintf(stderr, "btf__parse %s failed\n", argv[1]);
      return 1;
    }
    found = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
    double t1 = now_ms();
    __u32 n = btf__type_cnt(btf);
    checksum = 0;
    for (__u32 id = 1; id < n; id++) {
      const struct btf_type *t = btf__type_by_id(btf, id);
      checksum += strlen(btf__name_by_offset(btf, t->name_off));
      __u16 kind = BTF_INFO_KIND(t->info);
      if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
        const struct btf_member *m = (const struct btf_member *)(t + 1);
        for (__u16 i = 0; i < BTF_INFO_VLEN(t->info); i++, m++) {
          checksum += strlen(btf__name_by_offset(btf, m->name_off)) + m->type;
        }
      }
    }
    double t2 = now_ms();
    types = n - 1;
    load[r] = t1 - t0;
    iter[r] = t2 - t1;
    btf__free(btf);
  }
  printf("{\"runs\":%d,\"types\":%ld,\"task_struct\":%d,\"checksum\":%ld,"
         "\"load_find_ms\":%.3f,\"iterate_ms\":%.3f}\n",
         runs, types, found, checksum, median(load, runs), median(iter, runs));
  free(load);
  free(iter);
  return 0;
}
