// The libbpf anchor for `pnpm bench` (tooling/bench/run.mjs): times the same work as the
// btfkit cases with Debian's libbpf and prints one JSON object. Every case reports the
// median wall time and the median CPU time of this process (CLOCK_PROCESS_CPUTIME_ID).
//
//   gcc -O2 -o libbpf-bench libbpf-bench.c -lbpf
//   ./libbpf-bench FILE.btf [RUNS [A.btf B.btf [REGULAR]]]
//
// Cases (milliseconds unless the name says µs):
//   load_path     btf__parse(FILE) + btf__find_by_name_kind("task_struct", STRUCT)
//   load_bytes    btf__new(bytes already in memory) + the same find
//   find_hit_us   one btf__find_by_name_kind("task_struct", STRUCT) after load (µs)
//   find_miss_us  one btf__find_by_name_kind of a missing name after load (µs): a linear scan
//   iterate       every type's name and, for structs and unions, every member's name and type
//   copy          btf__add_type of every type into a new BTF, then btf__raw_data
//   dedup         btf__dedup of that copy
//   dedup_self    bytes to bytes: btf__new(FILE) twice, btf__add_btf both to an empty BTF,
//                 btf__dedup, btf__raw_data (what btfkit's dedupBtf([FILE, FILE]) does)
//   dedup_two     the same for A and B, two different kernels (skipped without them)
//   parse_scan    btf__parse(REGULAR) + the full name scan that finding every type named
//                 "sk_buff" needs (REGULAR: the fifth argument, a regular file; else FILE)
//
//   ./libbpf-bench --cold FILE NAME...
//
// One cold start, as a loader's short-lived process does it: btf__parse(FILE), then
// btf__find_by_name_kind("task_struct", STRUCT), then the full name scan for each NAME. Prints
// that in-process time ({"wall","cpu"}) and exits; run it as a whole process for the rest.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
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

#define NCASES 10
static const char *names[NCASES] = {"load_path",  "load_bytes", "find_hit_us", "find_miss_us",
                                    "iterate",    "copy",       "dedup",       "dedup_self",
                                    "dedup_two",  "parse_scan"};
static double *wall[NCASES], *cpu[NCASES];
static double w0, c0;

static void start(void) {
  w0 = clock_ms(CLOCK_MONOTONIC);
  c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static void stop(int c, int r, double scale) {
  wall[c][r] = (clock_ms(CLOCK_MONOTONIC) - w0) * scale;
  cpu[c][r] = (clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) * scale;
}

static void *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc(n);
  if (!buf || fread(buf, 1, n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  *size = n;
  return buf;
}

/* btf__new of each blob, btf__add_btf of each to an empty BTF, btf__dedup, btf__raw_data. */
static int dedup_append(void *a, size_t a_size, void *b, size_t b_size, __u32 *out_size) {
  struct btf *x = btf__new(a, a_size), *y = btf__new(b, b_size), *d = btf__new_empty();
  int err = !x || !y || !d || btf__add_btf(d, x) < 0 || btf__add_btf(d, y) < 0 ||
            btf__dedup(d, NULL) || !btf__raw_data(d, out_size);
  btf__free(x);
  btf__free(y);
  btf__free(d);
  return err;
}

/**
 * Every type named `name`, as finding all of them needs: libbpf has no name index, so
 * btf__find_by_name stops at the first and anything more is this scan over every type.
 */
static int scan_all(const struct btf *btf, const char *name) {
  int hits = 0;
  __u32 n = btf__type_cnt(btf);
  for (__u32 id = 1; id < n; id++) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (strcmp(btf__name_by_offset(btf, t->name_off), name) == 0) hits++;
  }
  return hits;
}

/** `--cold FILE NAME...`: one cold start, timed in process. */
static int cold(int argc, char **argv) {
  start();
  struct btf *btf = btf__parse(argv[2], NULL);
  if (!btf) {
    fprintf(stderr, "libbpf-bench: btf__parse %s failed\n", argv[2]);
    return 1;
  }
  int found = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
  int hits = 0;
  for (int i = 3; i < argc; i++) hits += scan_all(btf, argv[i]);
  double w = clock_ms(CLOCK_MONOTONIC) - w0, c = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
  printf("{\"task_struct\":%d,\"hits\":%d,\"wall\":%.4f,\"cpu\":%.4f}\n", found, hits, w, c);
  btf__free(btf);
  return found > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--cold") == 0) return cold(argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.btf [RUNS [A.btf B.btf [REGULAR]]] | --cold FILE NAME...\n", argv[0]);
    return 2;
  }
  const char *regular = argc > 5 ? argv[5] : argv[1];
  int scanned = 0;
  int runs = argc > 2 ? atoi(argv[2]) : 9;
  if (runs < 1 || runs > 1000) runs = 9;
  for (int c = 0; c < NCASES; c++) {
    wall[c] = calloc(runs, sizeof(double));
    cpu[c] = calloc(runs, sizeof(double));
  }
  size_t size = 0;
  void *bytes = read_file(argv[1], &size);
  if (!bytes) {
    fprintf(stderr, "libbpf-bench: cannot read %s\n", argv[1]);
    return 1;
  }
  size_t a_size = 0, b_size = 0;
  void *a = argc > 4 ? read_file(argv[3], &a_size) : NULL;
  void *b = argc > 4 ? read_file(argv[4], &b_size) : NULL;
  __u32 self_size = 0, two_size = 0;
  const int lookups = 200;
  long types = 0, checksum = 0;
  int found = -1, missing = 0, dedup_err = 0;
  __u32 copy_size = 0;
  for (int r = 0; r < runs; r++) {
    start();
    struct btf *btf = btf__parse(argv[1], NULL);
    if (!btf) {
      fprintf(stderr, "libbpf-bench: btf__parse %s failed\n", argv[1]);
      return 1;
    }
    found = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
    stop(0, r, 1);
    btf__free(btf);

    start();
    btf = btf__new(bytes, size);
    if (!btf) {
      fprintf(stderr, "libbpf-bench: btf__new failed\n");
      return 1;
    }
    found = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
    stop(1, r, 1);

    start();
    for (int i = 0; i < lookups; i++) found = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
    stop(2, r, 1e3 / lookups);
    start();
    for (int i = 0; i < lookups / 10; i++)
      missing = btf__find_by_name_kind(btf, "btfkit_no_such_type", BTF_KIND_STRUCT);
    stop(3, r, 1e3 / (lookups / 10));

    start();
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
    stop(4, r, 1);
    types = n - 1;

    start();
    struct btf *copy = btf__new_empty();
    for (__u32 id = 1; id < n; id++) {
      if (btf__add_type(copy, btf, btf__type_by_id(btf, id)) < 0) {
        fprintf(stderr, "libbpf-bench: btf__add_type of type %u failed\n", id);
        return 1;
      }
    }
    btf__raw_data(copy, &copy_size);
    stop(5, r, 1);

    start();
    dedup_err = btf__dedup(copy, NULL);
    stop(6, r, 1);
    btf__free(copy);
    btf__free(btf);

    start();
    dedup_err |= dedup_append(bytes, size, bytes, size, &self_size);
    stop(7, r, 1);
    if (a && b) {
      start();
      dedup_err |= dedup_append(a, a_size, b, b_size, &two_size);
      stop(8, r, 1);
    }

    start();
    btf = btf__parse(regular, NULL);
    if (!btf) {
      fprintf(stderr, "libbpf-bench: btf__parse %s failed\n", regular);
      return 1;
    }
    scanned = scan_all(btf, "sk_buff");
    stop(9, r, 1);
    btf__free(btf);
  }
  printf("{\"libbpf\":\"%d.%d\",\"runs\":%d,\"types\":%ld,\"task_struct\":%d,\"miss_id\":%d,"
         "\"checksum\":%ld,\"copy_bytes\":%u,\"dedup_err\":%d,\"dedup_self_bytes\":%u,"
         "\"dedup_two_bytes\":%u,\"scanned\":%d",
         libbpf_major_version(), libbpf_minor_version(), runs, types, found, missing, checksum,
         copy_size, dedup_err, self_size, two_size, scanned);
  for (int c = 0; c < NCASES; c++) {
    if (c == 8 && !(a && b)) continue;
    printf(",\"%s\":{\"wall\":%.4f,\"cpu\":%.4f}", names[c], median(wall[c], runs),
           median(cpu[c], runs));
  }
  printf("}\n");
  free(bytes);
  free(a);
  free(b);
  return 0;
}
