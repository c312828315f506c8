// The libbpf oracle for @btfkit/co-re: relocates every CO-RE relocation of a BPF object
// against a target BTF with libbpf's own relo_core.c (bpf_core_add_cands,
// bpf_core_calc_relo_insn, bpf_core_patch_insn, called as bpftool's gen.c and libbpf.c's
// bpf_object__relocate_core call them: one candidate list per local type for the whole
// object, relocations in .BTF.ext order) and prints one JSON line per relocation: the outcome,
// the target access path and the patched instruction bytes.
//
//   gcc -O2 -I<libbpf-1.1.2>/src -I<libbpf-1.1.2>/include/uapi -o core-oracle core-oracle.c -l:libbpf.a -lelf -lz
//   ./core-oracle OBJ.o TARGET.btf
//   ./core-oracle --bench RUNS OBJ.o TARGET.btf   (for `pnpm bench`: the median CPU and wall
//       ms of computing and patching every relocation, a fresh candidate cache per run, the
//       target parsed once; prints {"cpu":..,"wall":..,"relocations":..})
//   ./core-oracle --essential <NAMES   (one name per line in; `NAME<TAB>LEN` out, LEN from
//       bpf_core_essential_name_len: the golden of @btfkit/types' essentialName)
//
// Unlike libbpf it goes on after a failing relocation (leaving the candidate list as the
// failure left it), so every relocation gets a golden. The object's ELF and .BTF.ext are read
// here (both byte orders), its .BTF by btf__new, which swaps a foreign-order blob; the
// instructions are decoded into host order for bpf_core_patch_insn and encoded back.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include "relo_core.h"

// Internal to libbpf (libbpf_internal.h), global in libbpf.a; bpftool's gen.c calls it too.
int bpf_core_add_cands(struct bpf_core_cand *local_cand, size_t local_essent_len,
                       const struct btf *targ_btf, const char *targ_btf_name, int targ_start_id,
                       struct bpf_core_cand_list *cands);
void bpf_core_free_cands(struct bpf_core_cand_list *cands);

static unsigned char *file;
static size_t file_sz;
static bool swap;

static uint16_t r16(const void *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return swap ? __builtin_bswap16(v) : v;
}
static uint32_t r32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}
static uint64_t r64(const void *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return swap ? __builtin_bswap64(v) : v;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "core-oracle: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static unsigned char *read_file(const char *path, size_t *sz) {
  FILE *f = fopen(path, "rb");
  if (!f) die("%s: %s", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  *sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*sz ? *sz : 1);
  if (fread(b, 1, *sz, f) != *sz) die("%s: short read", path);
  fclose(f);
  return b;
}

struct section {
  const char *name;
  unsigned char *data; // a private copy, patched as relocations are applied
  size_t size;
};
static struct section *sections;
static int nsections;

static void read_elf(void) {
  if (file_sz < sizeof(Elf64_Ehdr) || memcmp(file, ELFMAG, SELFMAG) || file[EI_CLASS] != ELFCLASS64)
    die("not an ELF64 file");
  bool host_le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  swap = (file[EI_DATA] == ELFDATA2LSB) != host_le;
  uint64_t shoff = r64(file + offsetof(Elf64_Ehdr, e_shoff));
  uint16_t shnum = r16(file + offsetof(Elf64_Ehdr, e_shnum));
  uint16_t shstrndx = r16(file + offsetof(Elf64_Ehdr, e_shstrndx));
  const unsigned char *sh = file + shoff;
  const unsigned char *strsh = sh + shstrndx * sizeof(Elf64_Shdr);
  const char *shstr = (const char *)file + r64(strsh + offsetof(Elf64_Shdr, sh_offset));
  sections = calloc(shnum, sizeof(*sections));
  nsections = shnum;
  for (int i = 0; i < shnum; i++) {
    const unsigned char *s = sh + i * sizeof(Elf64_Shdr);
    sections[i].name = shstr + r32(s + offsetof(Elf64_Shdr, sh_name));
    sections[i].size = r64(s + offsetof(Elf64_Shdr, sh_size));
    uint32_t type = r32(s + offsetof(Elf64_Shdr, sh_type));
    sections[i].data = malloc(sections[i].size ? sections[i].size : 1);
    if (type != SHT_NOBITS)
      memcpy(sections[i].data, file + r64(s + offsetof(Elf64_Shdr, sh_offset)), sections[i].size);
  }
}

static struct section *find_section(const char *name) {
  for (int i = 0; i < nsections; i++)
    if (!strcmp(sections[i].name, name)) return &sections[i];
  return NULL;
}

// struct bpf_insn in the object's byte order <-> host order.
static void decode_insn(const unsigned char *p, struct bpf_insn *insn) {
  insn->code = p[0];
  bool obj_le = (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) != swap;
  insn->dst_reg = obj_le ? p[1] & 0xf : p[1] >> 4;
  insn->src_reg = obj_le ? p[1] >> 4 : p[1] & 0xf;
  insn->off = (int16_t)r16(p + 2);
  insn->imm = (int32_t)r32(p + 4);
}
static void encode_insn(unsigned char *p, const struct bpf_insn *insn) {
  bool obj_le = (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) != swap;
  uint16_t off = (uint16_t)insn->off;
  uint32_t imm = (uint32_t)insn->imm;
  if (swap) {
    off = __builtin_bswap16(off);
    imm = __builtin_bswap32(imm);
  }
  p[0] = insn->code;
  p[1] = obj_le ? (insn->dst_reg | insn->src_reg << 4) : (insn->dst_reg << 4 | insn->src_reg);
  memcpy(p + 2, &off, 2);
  memcpy(p + 4, &imm, 4);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap) {
  (void)level, (void)fmt, (void)ap;
  return 0;
}

static void print_spec(const struct bpf_core_spec *s) {
  printf("{\"root\":%u,\"raw\":[", s->root_type_id);
  for (int i = 0; i < s->raw_len; i++) printf("%s%d", i ? "," : "", s->raw_spec[i]);
  printf("],\"accessors\":[");
  for (int i = 0; i < s->len; i++)
    printf("%s[%u,%u]", i ? "," : "", s->spec[i].type_id, s->spec[i].idx);
  printf("],\"bitOffset\":%u}", s->bit_offset);
}

static struct btf *local, *targ;
static const unsigned char *core_start, *core_end;
static uint32_t rec_size;

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Computes (and with `print`, reports) every relocation in .BTF.ext order; returns how many.
static int relocate_all(bool print) {
  uint32_t ntypes = btf__type_cnt(local);
  struct bpf_core_cand_list **cache = calloc(ntypes, sizeof(*cache));
  int count = 0;
  const unsigned char *p = core_start;
  while (p < core_end) {
    const char *sec_name = btf__name_by_offset(local, r32(p));
    uint32_t num = r32(p + 4);
    p += 8;
    struct section *sec = find_section(sec_name);
    if (!sec) die("no section %s", sec_name);
    for (uint32_t i = 0; i < num; i++, p += rec_size, count++) {
      struct bpf_core_relo relo = {
          .insn_off = r32(p), .type_id = r32(p + 4), .access_str_off = r32(p + 8), .kind = r32(p + 12)};
      if (print)
        printf("{\"section\":\"%s\",\"index\":%u,\"insnOff\":%u,\"kind\":%d,\"typeId\":%u,\"access\":\"%s\",",
               sec_name, i, relo.insn_off, relo.kind, relo.type_id,
               btf__name_by_offset(local, relo.access_str_off));
      struct bpf_core_spec specs[3] = {};
      struct bpf_core_relo_res res = {};
      struct bpf_core_cand_list *cands = NULL;
      int err = 0;
      // libbpf.c's bpf_core_resolve_relo: the local type must exist.
      if (!btf__type_by_id(local, relo.type_id)) err = -EINVAL;
      if (!err && relo.kind != BPF_CORE_TYPE_ID_LOCAL) {
        cands = cache[relo.type_id];
        if (!cands) {
          const struct btf_type *t = btf__type_by_id(local, relo.type_id);
          const char *name = btf__name_by_offset(local, t->name_off);
          if (!name || !*name) {
            err = -EINVAL;
          } else {
            struct bpf_core_cand local_cand = {.btf = local, .id = relo.type_id};
            cands = calloc(1, sizeof(*cands));
            err = bpf_core_add_cands(&local_cand, bpf_core_essential_name_len(name), targ, "vmlinux", 1, cands);
            cache[relo.type_id] = cands;
          }
        }
      }
      if (!err) err = bpf_core_calc_relo_insn(sec_name, &relo, i, local, cands, specs, &res);
      if (err) {
        if (print) printf("\"error\":%d}\n", err);
        continue;
      }
      if (print) {
        printf("\"poison\":%s,\"validate\":%s,\"orig\":\"%llu\",\"new\":\"%llu\",\"origSz\":%u,\"newSz\":%u,\"failMemsz\":%s,",
               res.poison ? "true" : "false", res.validate ? "true" : "false",
               (unsigned long long)res.orig_val, (unsigned long long)res.new_val, res.orig_sz, res.new_sz,
               res.fail_memsz_adjust ? "true" : "false");
        printf("\"local\":");
        print_spec(&specs[0]);
        printf(",\"target\":");
        if (res.poison || specs[2].btf == NULL)
          printf("null");
        else
          print_spec(&specs[2]);
      }
      // Patch in the section copy, as libbpf patches the program's instructions.
      uint32_t idx = relo.insn_off / 8;
      struct bpf_insn insn[2] = {};
      size_t n = relo.insn_off % 8 == 0 && relo.insn_off + 16 <= sec->size ? 2 : 1;
      if (relo.insn_off % 8 || relo.insn_off + 8 > sec->size) {
        if (print) printf(",\"patchError\":%d}\n", -EINVAL);
        continue;
      }
      for (size_t k = 0; k < n; k++) decode_insn(sec->data + relo.insn_off + 8 * k, &insn[k]);
      err = bpf_core_patch_insn(sec_name, insn, idx, &relo, i, &res);
      if (err) {
        if (print) printf(",\"patchError\":%d}\n", err);
        continue;
      }
      if (!print) continue;
      for (size_t k = 0; k < n; k++) encode_insn(sec->data + relo.insn_off + 8 * k, &insn[k]);
      size_t len = insn[0].code == (BPF_LD | BPF_IMM | BPF_DW) ? 16 : 8;
      printf(",\"patched\":\"");
      for (size_t k = 0; k < len && relo.insn_off + k < sec->size; k++) printf("%02x", sec->data[relo.insn_off + k]);
      printf("\"}\n");
    }
  }
  for (uint32_t t = 0; t < ntypes; t++) bpf_core_free_cands(cache[t]);
  free(cache);
  return count;
}

// Prints each stdin line with libbpf's essential-name length of it.
static int essential_names(void) {
  char line[4096];
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\n")] = 0;
    printf("%s\t%zu\n", line, bpf_core_essential_name_len(line));
  }
  return 0;
}

int main(int argc, char **argv) {
  int runs = 0;
  if (argc == 2 && !strcmp(argv[1], "--essential")) return essential_names();
  if (argc == 5 && !strcmp(argv[1], "--bench")) {
    runs = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc != 3) die("usage: core-oracle [--bench RUNS] OBJ.o TARGET.btf");
  libbpf_set_print(silent);
  file = read_file(argv[1], &file_sz);
  read_elf();
  struct section *btf_sec = find_section(".BTF"), *ext_sec = find_section(".BTF.ext");
  if (!btf_sec || !ext_sec) die("%s: no .BTF or .BTF.ext", argv[1]);
  local = btf__new(btf_sec->data, btf_sec->size);
  if (!local) die("%s: .BTF: %s", argv[1], strerror(errno));
  targ = btf__parse(argv[2], NULL);
  if (!targ) die("%s: %s", argv[2], strerror(errno));

  const unsigned char *ext = ext_sec->data;
  uint32_t hdr_len = r32(ext + 4);
  if (hdr_len < 32) die(".BTF.ext has no CO-RE relocations");
  uint32_t core_off = r32(ext + 24), core_len = r32(ext + 28);
  core_start = ext + hdr_len + core_off;
  core_end = core_start + core_len;
  rec_size = r32(core_start);
  core_start += 4;
  if (runs == 0) {
    relocate_all(true);
    return 0;
  }
  double *cpu = calloc(runs, sizeof(double)), *wall = calloc(runs, sizeof(double));
  int count = 0;
  for (int r = 0; r < 3; r++) relocate_all(false);
  for (int r = 0; r < runs; r++) {
    double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    count = relocate_all(false);
    cpu[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    wall[r] = clock_ms(CLOCK_MONOTONIC) - w0;
  }
  qsort(cpu, runs, sizeof(double), cmp_double);
  qsort(wall, runs, sizeof(double), cmp_double);
  printf("{\"cpu\":%.4f,\"wall\":%.4f,\"relocations\":%d}\n", cpu[runs / 2], wall[runs / 2], count);
  return 0;
}
