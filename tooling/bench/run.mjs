// `pnpm bench`: every btfkit benchmark side by side with its anchor (libbpf through
// tooling/bench/libbpf-bench.c, bpftool for whole-process dumps), measured in this one
// invocation, printed as one table and written as JSON. Benchmarks, not tests: nothing here
// fails on a slow figure.
//
// usage: node --expose-gc tooling/bench/run.mjs [--group wire|types|elf|co-re|cold|cli|tricks|web]
// env:
//   BENCH_FILTER  regex over case ids and titles (e.g. 'marshal|lookup')
//   BENCH_RUNS    timed runs per case (default 9); medians are reported
//   BENCH_FILE    the BTF blob (default /sys/kernel/btf/vmlinux, else testdata's vmlinux)
//   BENCH_SMOKE=1 every case once, no warm-up, no timing claims (CI): the table says "smoke"
//   BENCH_OUT     the results JSON (default bench-results.json at the repo root)
//
// Every figure is a median of CPU time (user + system of this process, or of the child for
// whole-process cases) with the wall time beside it: on a loaded machine CPU time is the
// steadier of the two. Ratios and pass/miss use CPU time. The build must be current
// (`pnpm bench` builds first).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const repo = fileURLToPath(new URL('../..', import.meta.url));

if (typeof globalThis.gc !== 'function') {
  // Heap figures need explicit GCs: run again with the flag.
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const { values: args, positionals } = parseArgs({
  options: {
    group: { type: 'string' },
    child: { type: 'string' },
    heap: { type: 'boolean' },
    'heap-core': { type: 'boolean' },
  },
  allowPositionals: true,
});
const smoke = process.env.BENCH_SMOKE === '1';
const runs = smoke ? 1 : Math.max(1, Number(process.env.BENCH_RUNS ?? 9));
const warmups = smoke ? 0 : 10;
const filter = process.env.BENCH_FILTER ? new RegExp(process.env.BENCH_FILTER, 'i') : undefined;
const outPath = process.env.BENCH_OUT ?? join(repo, 'bench-results.json');
let tmpDir;
/** A scratch directory, made on first use and removed at the end. */
const tmp = () => {
  tmpDir ??= mkdtempSync(join(tmpdir(), 'btfkit-bench-'));
  return tmpDir;
};

const dist = (pkg) => pathToFileURL(join(repo, 'packages', pkg, 'dist/index.js')).href;
const { RawBtf, rawDumpBytes } = await import(dist('btf-wire'));
const { Builder, Spec, dedupBtf, pushChildren } = await import(dist('btf-types'));
const { loadSpecAndExtInfosFromBytes } = await import(dist('btf-elf'));
const { loadSpec } = await import(dist('btfkit'));
const { coreRelocate, objectRelocations } = await import(dist('btf-co-re'));
const { loadRawBtfFromElf } = await import(dist('btf-elf'));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * CPU and wall medians (ms, or per-`per` op when given) of `fn` run after `setup`; `times`
 * timed runs (at least {@link runs}), more for cases of a few milliseconds, whose medians
 * move with the machine's noise.
 */
function measure(
  fn,
  { setup = () => undefined, per = 1, warm = warmups, settle = false, times = runs } = {},
) {
  // Warm up as a long-running process would be: at least `warm` runs and 300 ms, so the
  // JIT has optimized the hot paths before anything is timed.
  const until = performance.now() + (warm > 0 ? 300 : 0);
  for (let i = 0; i < warm || (performance.now() < until && i < 100); i++) fn(setup());
  const cpu = [];
  const wall = [];
  const n = smoke ? 1 : Math.max(runs, times);
  for (let i = 0; i < n; i++) {
    const input = setup();
    // No forced GC for cases that allocate: a full GC shrinks the young generation, and the
    // run after it scavenges far more often than in a process that has been running for a
    // while. Cases that barely allocate `settle`: a GC after setup keeps the background GC
    // work that setup started out of their CPU time.
    if (settle) globalThis.gc();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    fn(input);
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    wall.push(w / per);
    cpu.push((c.user + c.system) / 1000 / per);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let childCpu;
/** tooling/bench/child-cpu.c, built on first use; undefined when gcc is missing. */
function childCpuExe() {
  if (childCpu === undefined) {
    const exe = join(tmp(), 'child-cpu');
    const cc = spawnSync('gcc', ['-O2', '-o', exe, join(repo, 'tooling/bench/child-cpu.c')], {
      encoding: 'utf8',
    });
    childCpu = cc.error || cc.status !== 0 ? null : exe;
  }
  return childCpu ?? undefined;
}

/**
 * CPU and wall medians of a whole process with stdout to /dev/null: CPU time from wait4
 * (child-cpu.c) to the microsecond, else from /usr/bin/time in 10 ms steps, else none.
 */
function measureProcess(cmd, argv) {
  const cpu = [];
  const wall = [];
  const timer = childCpuExe();
  if (timer) {
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(timer, [cmd, ...argv], { encoding: 'utf8' });
      const m = r.status === 0 ? JSON.parse(r.stdout) : undefined;
      if (m?.status !== 0) {
        throw new Error(`${cmd} ${argv.join(' ')}: exit ${m?.status ?? r.status}: ${r.stderr}`);
      }
      cpu.push(m.cpu);
      wall.push(m.wall);
    }
    return { cpu: median(cpu), wall: median(wall) };
  }
  const stats = join(tmp(), 'time.txt');
  for (let i = 0; i < runs; i++) {
    const [exe, a] = timeBin ? [timeBin, ['-f', '%U %S', '-o', stats, cmd, ...argv]] : [cmd, argv];
    const w0 = performance.now();
    const r = spawnSync(exe, a, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    wall.push(performance.now() - w0);
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
    if (timeBin) {
      const [u, s] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      cpu.push((u + s) * 1000);
    }
  }
  return { cpu: cpu.length ? median(cpu) : undefined, wall: median(wall) };
}

// The input blob, as bytes and as a file for the anchors and whole-process cases.
let file = process.env.BENCH_FILE;
if (!file) file = existsSync('/sys/kernel/btf/vmlinux') ? '/sys/kernel/btf/vmlinux' : undefined;
if (!file) {
  file = join(tmp(), 'vmlinux.btf');
  writeFileSync(file, gunzipSync(readFileSync(join(repo, 'testdata/vmlinux/vmlinux.btf.gz'))));
}
const bytes = new Uint8Array(readFileSync(file));
const elfFixture = join(repo, 'testdata/objects/core-el.o');
// The largest CO-RE fixture (testdata/core/relos.c, 143 relocations).
const coreFixture = join(repo, 'testdata/core/relos-el.o');

// Two different kernels' BTF for the dedup cases, both committed (testdata/dedup/README.md):
// unpacked into the scratch folder on first use, for libbpf-bench too.
let kernels;
const twoKernels = () => {
  if (kernels) return kernels;
  kernels = ['testdata/vmlinux/vmlinux.btf.gz', 'testdata/dedup/vmlinux-b.btf.gz'].map((f, i) => {
    const path = join(tmp(), `kernel-${i}.btf`);
    const b = gunzipSync(readFileSync(join(repo, f)));
    writeFileSync(path, b);
    return { path, bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
  });
  return kernels;
};
const cli = join(repo, 'apps/btfkit-cli/dist/main.js');

/**
 * Arguments for a fresh node process that parses `file` and formats it with `fn` of
 * `@btfkit/<pkg>` (a generator of chunks or a function returning bytes), writing nothing.
 */
function freshScript(pkg, fn) {
  const wire = dist('btf-wire');
  const mod = dist(pkg === 'wire' ? 'btf-wire' : 'btf-types');
  const script = `import { readFileSync } from 'node:fs';
    const { RawBtf } = await import(${JSON.stringify(wire)});
    const { ${fn}: f } = await import(${JSON.stringify(mod)});
    const raw = RawBtf.parse(new Uint8Array(readFileSync(${JSON.stringify(file)})));
    const out = f(raw);
    let n = 0;
    if (out instanceof Uint8Array) n = out.byteLength;
    else for (const c of out) n += c.byteLength;
    if (n === 0) throw new Error('empty output');`;
  return ['--input-type=module', '-e', script];
}

/** The command and arguments that run the CLI with its `setFlagsFromString` call disabled. */
function withoutV8Flags(...argv) {
  const script = `import v8 from 'node:v8';
    import { syncBuiltinESMExports } from 'node:module';
    v8.setFlagsFromString = () => undefined;
    syncBuiltinESMExports();
    process.argv.splice(1, 0, ${JSON.stringify(cli)});
    await import(${JSON.stringify(pathToFileURL(cli).href)});`;
  return [process.execPath, ['--input-type=module', '-e', script, ...argv]];
}

/** Builds and runs the libbpf anchor once for all its cases; `{ missing }` when it cannot. */
function libbpfAnchor() {
  if (!existsSync('/usr/include/bpf/btf.h')) {
    return { missing: 'libbpf headers missing (apt-get install libbpf-dev)' };
  }
  const exe = join(tmp(), 'libbpf-bench');
  const cc = spawnSync(
    'gcc',
    ['-O2', '-o', exe, join(repo, 'tooling/bench/libbpf-bench.c'), '-lbpf'],
    {
      encoding: 'utf8',
    },
  );
  if (cc.error || cc.status !== 0) {
    return { missing: `gcc failed: ${cc.error?.message ?? cc.stderr.trim().split('\n')[0]}` };
  }
  const [a, b] = twoKernels();
  const run = spawnSync(exe, [file, String(runs), a.path, b.path, regularFile()], {
    encoding: 'utf8',
  });
  if (run.status !== 0) return { missing: `libbpf-bench failed: ${run.stderr.trim()}` };
  return { exe, ...JSON.parse(run.stdout) };
}

/**
 * The libbpf anchor of the CO-RE cases: tooling/core-oracle built against Debian's libbpf.a
 * with the internal relo_core.h from the libbpf source (`LIBBPF_SRC`, else `apt-get source`
 * of the installed libbpf-dev), timing bpf_core_add_cands + bpf_core_calc_relo_insn +
 * bpf_core_patch_insn of every relocation, a fresh candidate cache per run.
 */
let coreOracle;
function coreOracleAnchor() {
  if (coreOracle) return coreOracle;
  let src = process.env.LIBBPF_SRC;
  if (!src) {
    const v = spawnSync('dpkg-query', ['-W', `-f=\${Version}`, 'libbpf-dev'], { encoding: 'utf8' });
    const dir = join(tmp(), 'libbpf-src');
    spawnSync('mkdir', ['-p', dir]);
    const r = spawnSync('apt-get', ['source', '-qq', `libbpf=${v.stdout.replace(/^\d+:/, '')}`], {
      cwd: dir,
      encoding: 'utf8',
    });
    const found = spawnSync('sh', ['-c', `echo ${dir}/libbpf-*/src`], { encoding: 'utf8' });
    src = found.stdout.trim();
    if (r.status !== 0 || !existsSync(join(src, 'relo_core.h'))) {
      coreOracle = { missing: 'libbpf source missing (set LIBBPF_SRC or add a deb-src line)' };
      return coreOracle;
    }
  }
  const exe = join(tmp(), 'core-oracle');
  const cc = spawnSync(
    'gcc',
    [
      '-O2',
      `-I${src}`,
      `-I${src}/../include/uapi`,
      '-o',
      exe,
      join(repo, 'tooling/core-oracle/core-oracle.c'),
      '-l:libbpf.a',
      '-lelf',
      '-lz',
    ],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) {
    coreOracle = { missing: `gcc failed: ${cc.stderr.trim().split('\n')[0]}` };
    return coreOracle;
  }
  const run = spawnSync(exe, ['--bench', String(Math.max(runs, 21)), coreFixture, file], {
    encoding: 'utf8',
  });
  coreOracle =
    run.status === 0
      ? { label: 'libbpf 1.1 add_cands + calc_relo_insn + patch_insn', ...JSON.parse(run.stdout) }
      : { missing: `core-oracle failed: ${run.stderr.trim()}` };
  return coreOracle;
}

/** The fixture's Spec and relocations. */
function coreInput() {
  const { btf, btfExt } = loadRawBtfFromElf(new Uint8Array(readFileSync(coreFixture)));
  const spec = new Spec(btf);
  return { spec, relos: objectRelocations(spec, btfExt) };
}

const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'].find(existsSync);

/**
 * The input as a regular file: itself, or a copy of a sysfs file (which `loadSpec` maps
 * instead of reading).
 */
let regular;
function regularFile() {
  if (!file.startsWith('/sys/')) return file;
  regular ??= join(tmp(), 'regular.btf');
  if (!existsSync(regular)) writeFileSync(regular, bytes);
  return regular;
}

// The cold start of a loader: a fresh process loads BTF (the running kernel's through
// `loadKernelSpec` when the input is sysfs vmlinux, else the file), finds task_struct, then
// every type of three names.
const COLD_NAMES = ['sk_buff', 'file', 'list_head'];
const kernelInput = file === '/sys/kernel/btf/vmlinux';
const facadeEsm = join(repo, 'packages/btfkit/dist/index.js');
const facadeCjs = join(repo, 'packages/btfkit/dist/index.cjs');
/**
 * The facade program of a cold start; `timed` prints its in-process CPU and wall time. It
 * takes the facade by `import` (ESM), or by `require` when `cjs` is set.
 */
function coldScript(timed, cjs = false) {
  const load = kernelInput ? 'loadKernelSpec()' : `loadSpec(${JSON.stringify(file)})`;
  const names = '{ loadKernelSpec, loadSpec }';
  const entry = cjs
    ? `const ${names} = require(${JSON.stringify(facadeCjs)});`
    : `import ${names} from ${JSON.stringify(facadeEsm)};`;
  return `${entry}
const c0 = process.cpuUsage(); const w0 = performance.now();
const s = ${load};
s.typeByName('task_struct', 'struct');
let hits = 0;
for (const n of ${JSON.stringify(COLD_NAMES)}) hits += s.anyTypesByName(n).length;
const w = performance.now() - w0; const c = process.cpuUsage(c0);
if (hits < ${COLD_NAMES.length}) throw new Error('bench: cold start found too little');
${timed ? 'console.log(JSON.stringify({ cpu: (c.user + c.system) / 1000, wall: w }));' : ''}`;
}
const coldArgv = (timed) => ['--input-type=module', '-e', coldScript(timed)];
/** The same program through the facade's CommonJS entry (`node -e` without a module type). */
const coldCjsArgv = () => ['-e', coldScript(false, true)];
/**
 * The same program bundled into one file by esbuild, as a loader that bundles itself ships:
 * what the facade's eleven modules cost Node's loader shows as the difference to the row
 * above. koffi stays a module of its own (a native addon), found through a link beside the
 * bundle.
 */
async function coldBundle() {
  const dir = join(tmp(), 'cold-bundle');
  const out = join(dir, 'cold.mjs');
  if (existsSync(out)) return out;
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  // koffi exports no package.json: its directory is where its main file's package is.
  const kernelRequire = createRequire(join(repo, 'packages/btf-kernel/package.json'));
  let koffi = dirname(kernelRequire.resolve('koffi'));
  while (!existsSync(join(koffi, 'package.json'))) koffi = dirname(koffi);
  symlinkSync(koffi, join(dir, 'node_modules', 'koffi'));
  const { build } = await import('esbuild');
  await build({
    stdin: {
      contents: coldScript(false),
      resolveDir: repo,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    external: ['koffi'],
    outfile: out,
    logLevel: 'error',
  });
  return out;
}
let floor;
/** `node -e 0`, the runtime's floor, measured once for every row that compares with it. */
const nodeFloor = () => {
  floor ??= {
    label: 'node -e 0 (the runtime floor)',
    ...measureProcess(process.execPath, ['-e', '0']),
  };
  return floor;
};
let coldProcess;
/** Our cold start as a whole process, measured once for the rows that show it. */
const ourColdProcess = () => {
  coldProcess ??= measureProcess(process.execPath, coldArgv(false));
  return coldProcess;
};
/** Medians of what each of `runs` fresh processes of `cmd argv` prints ({cpu, wall}). */
function firstCalls(cmd, argv) {
  const cpu = [];
  const wall = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').at(-1));
    cpu.push(m.cpu);
    wall.push(m.wall);
  }
  return { cpu: median(cpu), wall: median(wall) };
}
const anchorLibbpfCold = (whole) => {
  libbpf ??= libbpfAnchor();
  if (libbpf.missing) return { missing: libbpf.missing };
  const argv = ['--cold', file, ...COLD_NAMES];
  return whole
    ? { label: `libbpf ${libbpf.libbpf} whole process`, ...measureProcess(libbpf.exe, argv) }
    : {
        label: `libbpf ${libbpf.libbpf} btf__parse + find + 3 full name scans`,
        ...firstCalls(libbpf.exe, argv),
      };
};

let libbpf;
const anchorLibbpf = (key, label) => {
  libbpf ??= libbpfAnchor();
  if (libbpf.missing) return { missing: libbpf.missing };
  return { label: `libbpf ${libbpf.libbpf} ${label}`, ...libbpf[key] };
};
const bpftoolMissing = 'bpftool not installed (apt-get install bpftool)';
const anchorBpftool = (format) => {
  if (!bpftool) return { missing: bpftoolMissing };
  return {
    label: `bpftool btf dump file X format ${format}`,
    ...measureProcess(bpftool, ['btf', 'dump', 'file', file, 'format', format]),
  };
};

const MiB = 2 ** 20;

/**
 * The cases. `ours()` measures btfkit: cpu/wall medians, or a `value`, or `{ missing }`;
 * cases marked `isolate` run it in a fresh process of their own (this script with
 * `--child ID`), so no case inherits another's JIT state or heap. `anchor()` measures the
 * anchor the same way (`{ missing }` when absent). `judge(ours, anchor)` gets the compared
 * figures (a `value`, else CPU time when both have it, else wall time; the anchor's undefined
 * when missing) and says whether the target holds. No judge: report only.
 */
const noAnchor = () => ({ missing: 'no anchor: report only' });

// The explorer in headless chromium: one browser session serves both timed web cases.
let explorer;
const webBench = () => import(pathToFileURL(join(repo, 'apps/btfkit-web/scripts/bench.mjs')).href);
const explorerFigures = () => {
  explorer ??= (async () => {
    const { benchExplorer } = await webBench();
    // setInputFiles reads the file itself: a regular copy, not a sysfs file.
    const copy = join(tmp(), 'vmlinux-web.btf');
    writeFileSync(copy, bytes);
    return benchExplorer(copy, smoke ? 1 : Math.min(runs, 5));
  })();
  return explorer;
};
/** This script again, in a fresh process with --expose-gc, on the same input. */
function spawnSelf(argv) {
  return spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...argv], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_FILE: file },
  });
}

/**
 * The median of the growth in bytes, as MiB, that this script prints when run with `flags`
 * (`--heap…`), one fresh process per run.
 */
function heapGrowth(id, ...flags) {
  const growth = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSelf(flags);
    if (r.status !== 0) throw new Error(`bench: ${id}: ${r.stderr.trim()}`);
    growth.push(Number(r.stdout.trim()));
  }
  return { value: median(growth) / MiB };
}

/** A case of heap growth (this script with `flags`, see {@link heapGrowth}) against the blob. */
const blobHeapCase = (id, group, title, ...flags) => ({
  id,
  group,
  title,
  unit: 'MiB',
  target: '≤ 2× blob',
  isolate: true,
  ours: () => heapGrowth(id, ...flags),
  anchor: () => ({ value: bytes.byteLength / MiB, label: 'the blob' }),
  judge: (o) => o <= (2 * bytes.byteLength) / MiB,
});

/** CPU and wall medians of a whole `btfkit ARGV` process. */
const cliProcess = (...argv) => measureProcess(process.execPath, [cli, ...argv]);

/** bpftool gen min_core_btf of the ELF fixture against the input, into `out` in tmp(). */
const anchorMinCoreBtf = (out) =>
  bpftool
    ? {
        label: 'bpftool gen min_core_btf FILE OUT core-el.o',
        ...measureProcess(bpftool, ['gen', 'min_core_btf', file, join(tmp(), out), elfFixture]),
      }
    : { missing: bpftoolMissing };

/** One timing of the explorer session, as wall time, or why there is none. */
const explorerWall = async (key) => {
  const f = await explorerFigures();
  return f.missing ? f : { wall: f[key] };
};

/**
 * A performance trick's case: `withTrick()` against `withoutTrick()` (labelled `label`); it
 * passes while the trick pays.
 */
const trickCase = (id, title, target, label, withTrick, withoutTrick) => ({
  id,
  group: 'tricks',
  title,
  target,
  ours: withTrick,
  anchor: () => ({ label, ...withoutTrick() }),
  judge: (o, a) => o <= a,
});

/** Priming a dump: a fresh process formatting with `primed` of `@btfkit/<pkg>` vs `unprimed`. */
const primeTrick = (id, title, pkg, primed, unprimed) =>
  trickCase(
    id,
    title,
    '≤ 1.0× unprimed',
    'unprimed',
    () => measureProcess(process.execPath, freshScript(pkg, primed)),
    () => measureProcess(process.execPath, freshScript(pkg, unprimed)),
  );

/** The CLI's V8 flag: a whole `btfkit ARGV` process with it vs without it. */
const v8FlagTrick = (id, title, ...argv) =>
  trickCase(
    id,
    title,
    '≤ 1.0× without',
    'without the flag',
    () => cliProcess(...argv),
    () => measureProcess(...withoutV8Flags(...argv)),
  );

const cases = [
  {
    id: 'load-bytes',
    group: 'types',
    title: 'load vmlinux + find task_struct (bytes in memory)',
    target: '≤ 1.0× libbpf',
    isolate: true,
    ours: () => measure(() => Spec.parse(bytes).typeByName('task_struct', 'struct'), { times: 41 }),
    anchor: () => anchorLibbpf('load_bytes', 'btf__new + btf__find_by_name_kind'),
    judge: (o, a) => o <= a,
  },
  {
    id: 'load-path',
    group: 'types',
    title: 'load vmlinux + find task_struct (from the path)',
    target: '≤ 1.0× libbpf',
    isolate: true,
    // The facade's `loadSpec(path)`: sysfs BTF is mapped (once per process) where the kernel
    // allows it (Linux 6.16+), as libbpf 1.6 does; other files are read.
    ours: () => measure(() => loadSpec(file).typeByName('task_struct', 'struct'), { times: 41 }),
    anchor: () => anchorLibbpf('load_path', 'btf__parse + btf__find_by_name_kind'),
    judge: (o, a) => o <= a,
  },
  {
    id: 'lookup-hit',
    group: 'types',
    title: 'name lookup hit after load (µs per lookup)',
    unit: 'µs',
    target: '≤ 1 µs',
    isolate: true,
    ours: () => lookups('task_struct', true),
    anchor: () => anchorLibbpf('find_hit_us', 'btf__find_by_name_kind'),
    judge: (o) => o <= 1,
  },
  {
    id: 'lookup-miss',
    group: 'types',
    title: 'name lookup miss after load (µs per lookup, typeByNameOrUndefined)',
    unit: 'µs',
    target: '≤ libbpf / 100',
    isolate: true,
    ours: () => lookups('btfkit_no_such_type', true, 'typeByNameOrUndefined'),
    anchor: () => anchorLibbpf('find_miss_us', 'btf__find_by_name_kind (linear scan)'),
    judge: (o, a) => o <= a / 100,
  },
  {
    id: 'lookup-miss-throw',
    group: 'types',
    title: 'name lookup miss after load (µs per lookup, typeByName throws NotFoundError)',
    unit: 'µs',
    target: '≤ libbpf / 100',
    isolate: true,
    // A miss allocates its NotFoundError: no settling GC that would shrink the young generation.
    ours: () => lookups('btfkit_no_such_type', false),
    anchor: () => anchorLibbpf('find_miss_us', 'btf__find_by_name_kind (linear scan)'),
    judge: (o, a) => o <= a / 100,
  },
  {
    id: 'inflate',
    group: 'types',
    title: 'inflate all vmlinux types + walk every member',
    target: '≤ 60 ms, ≤ 10× libbpf',
    isolate: true,
    // Without libbpf the 60 ms half still holds or not.
    anchorOptional: true,
    ours: () =>
      measure(
        (s) => {
          let sum = 0;
          for (let id = 1; id < s.nextTypeID; id++) {
            const t = s.typeByID(id);
            sum += t.name.length;
            if (t.kind === 'struct' || t.kind === 'union') {
              for (const m of t.members) sum += m.name.length + (m.type.kind === 'void' ? 0 : 1);
            }
          }
          return sum;
        },
        { setup: () => Spec.parse(bytes) },
      ),
    anchor: () => anchorLibbpf('iterate', 'iterate types, names, members'),
    judge: (o, a) => o <= 60 && (a === undefined || o <= a * 10),
  },
  {
    id: 'marshal-lazy',
    group: 'types',
    title: 'marshal all vmlinux types (Spec.marshal after a lazy load)',
    target: '≤ 60 ms',
    isolate: true,
    ours: () => measure((s) => s.marshal(), { setup: () => Spec.parse(bytes) }),
    anchor: () => anchorLibbpf('copy', 'btf__add_type all + btf__raw_data'),
    judge: (o) => o <= 60,
  },
  {
    id: 'marshal-inflated',
    group: 'types',
    title: 'marshal all vmlinux types (Spec.marshal, every type inflated)',
    target: '≤ 60 ms',
    isolate: true,
    ours: () => {
      const s = Spec.parse(bytes);
      // Every type and every child decoded (children are otherwise decoded on first read).
      const scratch = [];
      for (let id = 1; id < s.nextTypeID; id++) pushChildren(s.typeByID(id), scratch);
      return measure(() => s.marshal());
    },
    anchor: () => anchorLibbpf('copy', 'btf__add_type all + btf__raw_data'),
    judge: (o) => o <= 60,
  },
  {
    id: 'marshal-builder',
    group: 'types',
    title: 'marshal all vmlinux types (Builder.addAll + marshal)',
    target: '≤ 60 ms',
    isolate: true,
    ours: () => {
      const all = [...Spec.parse(bytes)];
      return measure(() => {
        const b = new Builder();
        b.addAll(all);
        b.marshal();
      });
    },
    anchor: () => anchorLibbpf('copy', 'btf__add_type all + btf__raw_data'),
    judge: (o) => o <= 60,
  },
  {
    id: 'dedup',
    group: 'types',
    // Report only: libbpf's figure leaves out parsing and building the BTF it dedups, and
    // with nothing to merge its string and type passes are all there is.
    title: 'dedup of vmlinux alone (dedupBtf of the bytes; libbpf: btf__dedup of a built copy)',
    target: 'report',
    isolate: true,
    ours: () => measure(() => dedupBtf([bytes]), { warm: 3 }),
    anchor: () => anchorLibbpf('dedup', 'btf__dedup'),
  },
  {
    id: 'dedup-self',
    group: 'types',
    title: 'dedup of vmlinux appended to itself, bytes to bytes',
    target: '≤ 1.0× libbpf',
    isolate: true,
    ours: () => measure(() => dedupBtf([bytes, bytes]), { warm: 3 }),
    anchor: () => anchorLibbpf('dedup_self', 'btf__new ×2 + btf__add_btf ×2 + btf__dedup + raw'),
    judge: (o, a) => o <= a,
  },
  {
    id: 'dedup-two',
    group: 'types',
    title: 'dedup of two different kernels appended (testdata), bytes to bytes',
    target: '≤ 1.0× libbpf',
    isolate: true,
    ours: () => {
      const [a, b] = twoKernels();
      return measure(() => dedupBtf([a.bytes, b.bytes]), { warm: 3 });
    },
    anchor: () => anchorLibbpf('dedup_two', 'btf__new ×2 + btf__add_btf ×2 + btf__dedup + raw'),
    judge: (o, a) => o <= a,
  },
  {
    id: 'dedup-heap',
    group: 'types',
    title: 'peak memory of dedup of two kernels appended (MiB, max RSS growth)',
    unit: 'MiB',
    target: '≤ 3× input',
    isolate: true,
    // One process per run: the peak RSS over the dedup, less the RSS with the input read.
    ours: () => heapGrowth('dedup-heap', '--heap', 'dedup'),
    anchor: () => {
      const [a, b] = twoKernels();
      return { value: (a.bytes.byteLength + b.bytes.byteLength) / MiB, label: 'the input' };
    },
    judge: (o, a) => o <= 3 * a,
  },
  // One process per run: nothing loaded before counts, only this one parse.
  blobHeapCase('heap-lazy', 'types', 'heap growth of a lazy vmlinux load (MiB)', '--heap'),
  {
    id: 'gen-ts-decode',
    group: 'types',
    title: 'gen ts: decode task_struct (µs per decode) vs a hand-style DataView reader',
    unit: 'µs',
    target: '≥ 0.8× hand-style (≤ 1.25× its time)',
    isolate: true,
    // Each side in a fresh process of its own (see tooling/bench/gen-ts-bench.mjs).
    ours: () => taskStructDecode('generated'),
    anchorChild: () => taskStructDecode('inline'),
    anchor: () => ({ ...anchorIsolated('gen-ts-decode'), label: 'hand-style reader' }),
    judge: (o, a) => o <= a / 0.8,
  },
  {
    id: 'core-relocate',
    group: 'co-re',
    title: 'CO-RE: every relocation of testdata/core/relos-el.o vs vmlinux (Spec in use)',
    target: '≤ 1.0× libbpf',
    isolate: true,
    // The target Spec as a loader holds it: parsed, its candidate index built by earlier
    // relocations. Each run has a fresh candidate cache, as libbpf's has.
    ours: () => {
      const { spec, relos } = coreInput();
      const target = Spec.parse(bytes);
      return measure(() => coreRelocate(spec, relos, target), { times: 21 });
    },
    anchor: () => coreOracleAnchor(),
    judge: (o, a) => o <= a,
  },
  {
    id: 'core-relocate-fresh',
    group: 'co-re',
    title:
      'CO-RE: every relocation of relos-el.o vs a freshly parsed vmlinux Spec (parse not timed)',
    target: '≤ 1.0× libbpf',
    isolate: true,
    // The first relocation of a process: the candidate index is built, candidates decoded.
    ours: () => {
      const { spec, relos } = coreInput();
      return measure((t) => coreRelocate(spec, relos, t), {
        setup: () => Spec.parse(bytes),
        times: 21,
      });
    },
    anchor: () => coreOracleAnchor(),
    judge: (o, a) => o <= a,
  },
  blobHeapCase(
    'heap-core',
    'co-re',
    'heap growth of relocating relos-el.o against a fresh vmlinux Spec (MiB)',
    '--heap-core',
  ),
  {
    id: 'cli-core-check',
    group: 'cli',
    // testdata/objects/core-el.o: relos-el.o has a relocation that fails on purpose, which
    // makes both commands exit 1.
    title: 'btfkit core check objects/core-el.o --target FILE (whole process)',
    target: 'report',
    ours: () => cliProcess('core', 'check', elfFixture, '--target', file),
    // The nearest bpftool: gen min_core_btf computes the same relocations (then writes BTF).
    anchor: () => anchorMinCoreBtf('min.btf'),
  },
  {
    id: 'cli-core-min-btf',
    group: 'cli',
    title: 'btfkit core min-btf objects/core-el.o --target FILE -o OUT (whole process)',
    target: 'report',
    ours: () =>
      cliProcess(
        'core',
        'min-btf',
        elfFixture,
        '--target',
        file,
        '-o',
        join(tmp(), 'btfkit-min.btf'),
      ),
    anchor: () => anchorMinCoreBtf('bpftool-min.btf'),
  },
  {
    id: 'elf-ext',
    group: 'elf',
    title: 'load an ELF object + ext infos (testdata/objects/core-el.o)',
    target: 'report',
    isolate: true,
    ours: () => {
      const obj = new Uint8Array(readFileSync(elfFixture));
      return measure(() => {
        const { spec, extInfos } = loadSpecAndExtInfosFromBytes(obj);
        for (let id = 1; id < spec.nextTypeID; id++) spec.typeByID(id);
        return extInfos;
      });
    },
    anchor: noAnchor,
  },
  {
    id: 'web-open',
    group: 'web',
    title: 'explorer: file picked to searchable list (headless chromium, wall)',
    target: '≤ 1.0 s',
    ours: () => explorerWall('open'),
    anchor: noAnchor,
    judge: (o) => o <= 1000,
  },
  {
    id: 'web-keystroke',
    group: 'web',
    title: 'explorer: one search keystroke to updated list (headless chromium, wall)',
    target: '≤ 30 ms',
    ours: () => explorerWall('keystroke'),
    anchor: noAnchor,
    judge: (o) => o <= 30,
  },
  {
    id: 'web-js',
    group: 'web',
    title: 'explorer: JavaScript shipped for the first load (gzip, KiB)',
    unit: 'KiB',
    target: 'report',
    ours: async () => {
      const { firstLoadJsGzip } = await webBench();
      return { value: firstLoadJsGzip().bytes / 1024 };
    },
    anchor: noAnchor,
  },
  {
    id: 'raw-parse',
    group: 'wire',
    title: 'RawBtf.parse of vmlinux (header, strings, ID→offset index)',
    target: 'report',
    isolate: true,
    ours: () => measure(() => RawBtf.parse(bytes)),
    anchor: noAnchor,
  },
  {
    id: 'raw-dump-inproc',
    group: 'wire',
    title: 'raw dump of vmlinux in process (rawDumpBytes)',
    target: 'report',
    isolate: true,
    ours: () => {
      const raw = RawBtf.parse(bytes);
      return measure(() => rawDumpBytes(raw), { warm: Math.min(warmups, 3) });
    },
    anchor: noAnchor,
  },
  {
    id: 'cold-process',
    group: 'cold',
    title: `cold start, whole process: node -e of the facade (${kernelInput ? 'loadKernelSpec' : 'loadSpec'} + typeByName + anyTypesByName ×3)`,
    target: '≤ node -e 0 + 15 ms',
    ours: ourColdProcess,
    anchor: nodeFloor,
    judge: (o, a) => o <= a + 15,
  },
  {
    id: 'cold-process-cjs',
    group: 'cold',
    title: "cold start, whole process: the same through the facade's CommonJS entry (require)",
    target: '≤ node -e 0 + 15 ms',
    ours: () => measureProcess(process.execPath, coldCjsArgv()),
    anchor: nodeFloor,
    judge: (o, a) => o <= a + 15,
  },
  {
    id: 'cold-process-bundled',
    group: 'cold',
    title: 'cold start, whole process: the same program bundled into one file by esbuild',
    target: 'report',
    ours: async () => measureProcess(process.execPath, [await coldBundle()]),
    anchor: nodeFloor,
  },
  {
    id: 'cold-process-libbpf',
    group: 'cold',
    title: 'cold start, whole process: the same as a C program with libbpf',
    target: 'report',
    ours: ourColdProcess,
    anchor: () => anchorLibbpfCold(true),
  },
  {
    id: 'cold-first-call',
    group: 'cold',
    title:
      'cold start, in process: load + typeByName + anyTypesByName ×3, first calls of a fresh process',
    target: '≤ 2× libbpf',
    ours: () => firstCalls(process.execPath, coldArgv(true)),
    anchor: () => anchorLibbpfCold(false),
    judge: (o, a) => o <= 2 * a,
  },
  {
    id: 'warm-parse-scan',
    group: 'cold',
    title: 'warm, in process: loadSpec(regular file) + anyTypesByName (every sk_buff)',
    target: '≤ 1.0× libbpf',
    isolate: true,
    ours: () => {
      const path = regularFile();
      return measure(() => loadSpec(path).anyTypesByName('sk_buff'), { times: 41 });
    },
    anchor: () => anchorLibbpf('parse_scan', 'btf__parse + full name scan'),
    judge: (o, a) => o <= a,
  },
  {
    id: 'dump-raw',
    group: 'cli',
    title: '`btfkit dump` raw of vmlinux, whole process',
    target: '≤ 1.0× bpftool',
    ours: () => cliProcess('dump', file),
    anchor: () => anchorBpftool('raw'),
    judge: (o, a) => o <= a,
  },
  // The performance tricks, each against the same work without it: a trick whose row stops
  // passing no longer pays and goes.
  primeTrick(
    'trick-prime-raw',
    'raw dump of vmlinux, fresh process: primed (rawDumpChunks) vs unprimed (rawDumpBytes)',
    'wire',
    'rawDumpChunks',
    'rawDumpBytes',
  ),
  primeTrick(
    'trick-prime-c',
    'C dump of vmlinux, fresh process: primed (formatCChunks) vs unprimed (formatCBytes)',
    'types',
    'formatCChunks',
    'formatCBytes',
  ),
  v8FlagTrick(
    'trick-v8-flag-raw',
    "`btfkit dump` raw of vmlinux, whole process: with the CLI's V8 inlining flag vs without",
    'dump',
    file,
  ),
  v8FlagTrick(
    'trick-v8-flag-c',
    "`btfkit dump --format c` of vmlinux, whole process: with the CLI's V8 flag vs without",
    'dump',
    file,
    '--format',
    'c',
  ),
  {
    id: 'dump-c',
    group: 'cli',
    title: '`btfkit dump --format c` of vmlinux, whole process',
    target: '≤ 1.5× bpftool',
    ours: () => cliProcess('dump', file, '--format', 'c'),
    anchor: () => anchorBpftool('c'),
    judge: (o, a) => o <= 1.5 * a,
  },
];

/**
 * Per-lookup µs of `method(name, 'struct')` (`typeByName` by default, catching its
 * NotFoundError) on a loaded Spec whose index is built; `settle` as in {@link measure}.
 */
function lookups(name, settle, method = 'typeByName') {
  const n = smoke ? 1 : 20000;
  const find = (s) => {
    try {
      return s[method](name, 'struct');
    } catch (e) {
      if (e.name !== 'NotFoundError') throw e;
      return undefined;
    }
  };
  return measure(
    (s) => {
      for (let i = 0; i < n; i++) find(s);
    },
    {
      setup: () => {
        // The first lookups go without the hash index until they have cost what building it
        // does (SCANS_BEFORE_INDEX and PREFIX_LOOKUP_COST in
        // packages/btf-types/src/name-index.ts: about a hundred lookups), then one builds it:
        // all before timing.
        const s = Spec.parse(bytes);
        for (let i = 0; i < 200; i++) find(s);
        return s;
      },
      per: n / 1000,
      settle,
    },
  );
}

/** µs per decode of task_struct by the generated codec or the hand-style reader. */
async function taskStructDecode(which) {
  const types = await import(dist('btf-types'));
  const { taskStructDecoders } = await import('./gen-ts-bench.mjs');
  const d = await taskStructDecoders(types, Spec.parse(bytes));
  const fn = d[which];
  const n = smoke ? 1 : 2000;
  return measure(
    () => {
      for (let i = 0; i < n; i++) fn(d.view);
    },
    { per: n / 1000 },
  );
}

/** The anchor of an isolated case, run in a fresh process (`--child ID:anchor`). */
function anchorIsolated(id) {
  const r = spawnSelf(['--child', `${id}:anchor`]);
  if (r.status !== 0) throw new Error(`bench: ${id} anchor: exit ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

if (args.heap && positionals[0] === 'dedup') {
  const [a, b] = twoKernels();
  globalThis.gc();
  const before = process.memoryUsage().rss;
  const out = dedupBtf([a.bytes, b.bytes]);
  // maxRSS is in KiB: the process's peak, so whatever dedup held at its busiest.
  const peak = process.resourceUsage().maxRSS * 1024;
  if (out.typesOut < 2) throw new Error('bench: empty dedup');
  console.log(Math.max(0, peak - before));
  rmSync(tmp(), { recursive: true, force: true });
  process.exit(0);
}

if (args.heap) {
  globalThis.gc();
  const before = process.memoryUsage();
  const spec = Spec.parse(bytes);
  globalThis.gc();
  const after = process.memoryUsage();
  if (spec.nextTypeID < 2) throw new Error('bench: empty BTF');
  console.log(after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers));
  process.exit(0);
}

if (args['heap-core']) {
  // Relocating against a freshly loaded vmlinux Spec: only the candidate types are decoded.
  const { spec, relos } = coreInput();
  globalThis.gc();
  globalThis.gc();
  const before = process.memoryUsage();
  const target = Spec.parse(bytes);
  const results = coreRelocate(spec, relos, target);
  globalThis.gc();
  globalThis.gc();
  const after = process.memoryUsage();
  if (results.length === 0 || target.nextTypeID < 2) throw new Error('bench: no relocations');
  console.log(after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers));
  process.exit(0);
}

if (args.child) {
  const [id, part] = args.child.split(':');
  const c = cases.find((x) => x.id === id);
  if (!c) throw new Error(`bench: no case ${id}`);
  try {
    console.log(JSON.stringify(await (part === 'anchor' ? c.anchorChild() : c.ours())));
  } finally {
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
  process.exit(0);
}

/** `ours()` of an isolated case, run in a fresh process. */
function oursIsolated(c) {
  const r = spawnSelf(['--child', c.id]);
  if (r.status !== 0) throw new Error(`bench: ${c.id}: exit ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const selected = cases.filter(
  (c) =>
    (!args.group || c.group === args.group) &&
    (!filter || filter.test(c.id) || filter.test(c.title)),
);
if (selected.length === 0) {
  console.error(`bench: no case matches${filter ? ` BENCH_FILTER=${filter.source}` : ''}`);
  process.exit(2);
}

const results = [];
try {
  for (const c of selected) {
    process.stderr.write(`bench: ${c.id}...\n`);
    const ours = c.isolate ? oursIsolated(c) : await c.ours();
    const anchor = c.anchor();
    const judge = c.judge;
    const key =
      ours.value !== undefined
        ? 'value'
        : ours.cpu !== undefined && (anchor.missing !== undefined || anchor.cpu !== undefined)
          ? 'cpu'
          : 'wall';
    const a = anchor.missing === undefined ? anchor[key] : undefined;
    const ratio = ours.missing === undefined && a > 0 ? ours[key] / a : undefined;
    let verdict = 'report';
    if (smoke) verdict = 'smoke';
    else if (judge && ours.missing === undefined) {
      if (/libbpf|bpftool/.test(c.target) && a === undefined && !c.anchorOptional) {
        verdict = 'no anchor';
      } else verdict = judge(ours[key], a) ? 'pass' : 'miss';
    }
    results.push({
      id: c.id,
      group: c.group,
      title: c.title,
      unit: c.unit ?? 'ms',
      target: c.target,
      compared: key,
      ours,
      anchor,
      ratio,
      verdict,
    });
  }
} finally {
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
}

const num = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const show = (m, unit) => {
  if (m.missing !== undefined) return `— (${m.missing})`;
  if (m.value !== undefined) return `${num(m.value)} ${unit}`;
  return m.cpu === undefined
    ? `wall ${num(m.wall)} ${unit}`
    : `${num(m.cpu)} ${unit} (wall ${num(m.wall)})`;
};
const rows = [
  ['case', 'btfkit cpu (wall)', 'anchor cpu (wall)', 'ratio', 'target', 'result'],
  ...results.map((r) => [
    r.title,
    show(r.ours, r.unit),
    r.anchor.missing === undefined
      ? `${show(r.anchor, r.unit)} ${r.anchor.label}`
      : show(r.anchor, r.unit),
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.verdict,
  ]),
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(
  `btfkit bench: ${file} (${bytes.byteLength} bytes), ${smoke ? 'smoke (1 run, no timing claims)' : `median of ${runs} runs`}, node ${process.version}, load average ${load}`,
);
for (const r of rows)
  console.log(
    r
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
writeFileSync(
  outPath,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, file, bytes: bytes.byteLength, runs, smoke, loadavg: loadavg(), libbpf, results }, null, 2)}\n`,
);
console.log(`results: ${outPath}`);
