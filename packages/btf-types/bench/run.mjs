// Benchmarks for @btfkit/types (not tests): vmlinux load + lookup, full inflation, marshal and
// the heap cost of a lazy load, printed side by side with libbpf measured in the same run by
// tooling/bench/libbpf-bench.c. Needs a build (`pnpm --filter @btfkit/types build`) and
// `node --expose-gc` (the package's `bench` script passes it).
//
// usage: node --expose-gc bench/run.mjs [BTF_FILE]   (default: testdata/vmlinux/vmlinux.btf.gz)
// env:   BENCH_RUNS (default 9)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Builder, Spec } from '@btfkit/types';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '../../..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const file = process.argv[2] ?? join(repo, 'testdata/vmlinux/vmlinux.btf.gz');
const raw = readFileSync(file);
const bytes = new Uint8Array(file.endsWith('.gz') ? gunzipSync(raw) : raw);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

function libbpf() {
  const src = join(repo, 'tooling/bench/libbpf-bench.c');
  if (!existsSync('/usr/include/bpf/btf.h'))
    return { note: 'libbpf headers missing (apt install libbpf-dev)' };
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-bench-'));
  try {
    const exe = join(dir, 'libbpf-bench');
    const cc = spawnSync('gcc', ['-O2', '-o', exe, src, '-lbpf'], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0)
      return { note: `gcc failed: ${cc.error?.message ?? cc.stderr.trim()}` };
    const btf = join(dir, 'input.btf');
    writeFileSync(btf, bytes);
    const run = spawnSync(exe, [btf, String(runs)], { encoding: 'utf8' });
    if (run.status !== 0) return { note: `libbpf-bench failed: ${run.stderr.trim()}` };
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const anchor = libbpf();

// Warm up the JIT the way a long-running process would be.
for (let i = 0; i < 3; i++) {
  const s = Spec.parse(bytes);
  for (let id = 1; id < s.nextTypeId; id++) s.typeByID(id);
  s.marshal();
}

const loadFind = time(() => Spec.parse(bytes).typeByName('task_struct', 'struct'));
const inflate = time(() => {
  const s = Spec.parse(bytes);
  for (let id = 1; id < s.nextTypeId; id++) s.typeByID(id);
});
const iterate = (() => {
  const s = Spec.parse(bytes);
  for (let id = 1; id < s.nextTypeId; id++) s.typeByID(id);
  return time(() => {
    let sum = 0;
    for (let id = 1; id < s.nextTypeId; id++) {
      const t = s.typeByID(id);
      sum += t.name.length;
      if (t.kind === 'struct' || t.kind === 'union')
        for (const m of t.members) sum += m.name.length;
    }
    return sum;
  });
})();
const full = Spec.parse(bytes);
const all = [...full];
const marshalSpec = time(() => full.marshal());
const marshalBuilder = time(() => {
  const b = new Builder();
  b.addAll(all);
  b.marshal();
});

globalThis.gc?.();
const before = process.memoryUsage();
const lazy = Spec.parse(bytes);
globalThis.gc?.();
const after = process.memoryUsage();
const growth = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
if (lazy.nextTypeId < 2) throw new Error('empty BTF');

const fmt = (x) => (typeof x === 'number' ? `${x.toFixed(1)} ms` : 'n/a');
const ratio = (x, y) => (typeof y === 'number' && y > 0 ? `${(x / y).toFixed(2)}×` : 'n/a');
const rows = [
  ['case', '@btfkit/types', 'libbpf', 'ratio', 'target'],
  [
    'load + find task_struct',
    fmt(loadFind),
    fmt(anchor.load_find_ms),
    ratio(loadFind, anchor.load_find_ms),
    '≤ 1.0× libbpf',
  ],
  [
    'iterate names + members (decoded)',
    fmt(iterate),
    fmt(anchor.iterate_ms),
    ratio(iterate, anchor.iterate_ms),
    '-',
  ],
  ['inflate every type', fmt(inflate), '-', '-', '≤ 60 ms'],
  ['marshal all (Spec.marshal)', fmt(marshalSpec), '-', '-', '≤ 60 ms'],
  ['marshal all (Builder)', fmt(marshalBuilder), '-', '-', '≤ 60 ms'],
  [
    'heap growth of a lazy load',
    `${(growth / 2 ** 20).toFixed(2)} MiB`,
    '-',
    `${(growth / bytes.byteLength).toFixed(2)}× blob`,
    '≤ 2× blob',
  ],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(
  `@btfkit/types benchmarks: ${file} (${bytes.byteLength} bytes, ${full.nextTypeId - 1} types), median of ${runs} runs, node ${process.version}`,
);
for (const r of rows) console.log(r.map((x, c) => x.padEnd(widths[c])).join('  '));
if (anchor.note) console.log(`note: no libbpf anchor: ${anchor.note}`);
else console.log(`libbpf: ${anchor.types} types, task_struct id ${anchor.task_struct}`);
