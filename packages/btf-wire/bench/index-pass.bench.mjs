// Benchmark (not a test): the ID→offset index pass over vmlinux, plus a full raw parse
// (header, string table, index) and a raw dump for scale. Prints medians in ms.
// Input: /sys/kernel/btf/vmlinux when present, else the committed sample.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { indexTypes, jsonDumpChunks, RawBtf, rawDump, rawDumpBytes } from '@btfkit/wire';

const kernel = '/sys/kernel/btf/vmlinux';
const bytes = existsSync(kernel)
  ? new Uint8Array(readFileSync(kernel))
  : new Uint8Array(
      gunzipSync(
        readFileSync(new URL('../../../testdata/vmlinux/vmlinux.btf.gz', import.meta.url)),
      ),
    );
const runs = Number(process.env.BENCH_RUNS ?? 15);

function median(fn, n = runs) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const raw = RawBtf.parse(bytes);
const cases = [
  ['index pass (ID→offset) over vmlinux', () => indexTypes(raw.types, raw.littleEndian)],
  ['RawBtf.parse of vmlinux', () => RawBtf.parse(bytes)],
  ['rawDumpBytes of vmlinux (in process)', () => rawDumpBytes(raw), 5],
  ['rawDump (string) of vmlinux', () => rawDump(raw), 3],
  [
    'jsonDumpChunks of vmlinux',
    () => {
      for (const _ of jsonDumpChunks(raw));
    },
    3,
  ],
];
console.log(`vmlinux: ${bytes.byteLength} bytes, ${raw.typeCount} types, median of ${runs} runs`);
for (const [name, fn, n] of cases) {
  console.log(`${name.padEnd(40)} ${median(fn, n).toFixed(2).padStart(9)} ms`);
}
