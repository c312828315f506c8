// Benchmark (not a test): `vmlinux.h` generation as whole processes, side by side with
// `bpftool btf dump file X format c > /dev/null`. Each run is a fresh `node` that reads the
// BTF, formats it as C and writes it to /dev/null, so startup and JIT warm-up count, as they
// do for a CLI. Prints the median wall time of BENCH_RUNS runs (default 9) and the ratio.
//
// usage: node bench/c-format.bench.mjs [BTF_FILE]
//   BTF_FILE defaults to /sys/kernel/btf/vmlinux, else the committed testdata sample.
//
// The formatter is bundled from source with esbuild into a temp dir, so the benchmark does
// not depend on the package's build or exports.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 9);
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-c-bench-'));

try {
  let input = process.argv[2];
  if (!input) {
    input = '/sys/kernel/btf/vmlinux';
    if (!existsSync(input)) {
      input = join(tmp, 'vmlinux.btf');
      const gz = join(here, '../../../testdata/vmlinux/vmlinux.btf.gz');
      writeFileSync(input, gunzipSync(readFileSync(gz)));
    }
  }

  const bundle = join(tmp, 'format-c.mjs');
  // The entry lives in the package (resolveDir) so that '@btfkit/wire' resolves.
  await build({
    stdin: {
      contents: [
        "import { openSync, readFileSync, writeSync } from 'node:fs';",
        "import { RawBtf } from '@btfkit/wire';",
        "import { formatCChunks } from './src/c-format/index.ts';",
        'const btf = RawBtf.parse(readFileSync(process.argv[2]));',
        "const fd = openSync('/dev/null', 'w');",
        'for (const chunk of formatCChunks(btf, {}, 1 << 20)) writeSync(fd, chunk);',
      ].join('\n'),
      resolveDir: join(here, '..'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
  });

  const time = (cmd, args) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      times.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}`);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };

  const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'].find(existsSync);
  console.log(`input: ${input}; median wall time of ${runs} whole-process runs`);
  const ours = time(process.execPath, [bundle, input]);
  console.log(`${'btfkit formatCChunks (node)'.padEnd(44)} ${ours.toFixed(1).padStart(8)} ms`);
  if (bpftool) {
    const theirs = time(bpftool, ['btf', 'dump', 'file', input, 'format', 'c']);
    console.log(
      `${'bpftool btf dump file X format c'.padEnd(44)} ${theirs.toFixed(1).padStart(8)} ms`,
    );
    console.log(
      `${'ratio (btfkit / bpftool; target <= 1.5)'.padEnd(44)} ${(ours / theirs).toFixed(2).padStart(8)}`,
    );
  } else {
    console.log('bpftool: not installed, no comparison (apt-get install bpftool)');
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
