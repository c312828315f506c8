import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ViolationKind } from './contract.js';
import type { FuzzStats, Violation } from './engine.js';
import { MAX_INPUT_SIZE } from './mutate.js';
import { repoRoot, testdataPath } from './paths.js';
import { isTargetName, TARGET_NAMES, TARGETS, type TargetName } from './targets.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

/** A worker whose counter has not moved for this long is hung. */
const HANG_MS = 10_000;

const USAGE = `usage: fuzz [--target NAME|all] [--runs N] [--seconds S] [--seed N] [--out DIR]

  --target   ${TARGET_NAMES.join(', ')} or all (default all)
  --runs     inputs per target, seeds included (default 10000 when --seconds is not given)
  --seconds  time per target; with --runs, whichever ends first
  --seed     PRNG seed (default: random, printed)
  --out      where crashers go (default testdata/fuzz); one file <target>/<hash>.bin each

Exits 1 when any input broke the contract: something other than a BtfError thrown, over
1 s, heap growth over 64x the input, a round trip that changed a type, a hang or a crash.`;

interface Args {
  targets: TargetName[];
  runs: number | undefined;
  seconds: number | undefined;
  seed: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    targets: [...TARGET_NAMES],
    runs: undefined,
    seconds: undefined,
    seed: (Math.random() * 0x1_0000_0000) >>> 0,
    out: testdataPath('fuzz'),
  };
  const list = argv[0] === '--' ? argv.slice(1) : argv;
  for (let i = 0; i < list.length; i++) {
    const flag = list[i]!;
    const value = list[i + 1];
    const num = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 0) {
        throw new Error(`fuzz: ${flag} needs a non-negative number\n${USAGE}`);
      }
      i++;
      return n;
    };
    switch (flag) {
      case '--target': {
        if (value === 'all') args.targets = [...TARGET_NAMES];
        else if (value?.split(',').every(isTargetName)) {
          args.targets = value.split(',') as TargetName[];
        } else throw new Error(`fuzz: unknown target '${value}'\n${USAGE}`);
        i++;
        break;
      }
      case '--runs':
        args.runs = Math.floor(num());
        break;
      case '--seconds':
        args.seconds = num();
        break;
      case '--seed':
        args.seed = num() >>> 0;
        break;
      case '--out':
        if (value === undefined) throw new Error(`fuzz: --out needs a folder\n${USAGE}`);
        args.out = value;
        i++;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`fuzz: unknown argument '${flag}'\n${USAGE}`);
    }
  }
  return args;
}

/** Writes a crasher as `<out>/<target>/<hash>.bin` and returns its path. */
function saveCrasher(out: string, target: TargetName, input: Uint8Array): string {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const path = join(dir, `${hash}.bin`);
  writeFileSync(path, input);
  return path;
}

interface TargetSummary {
  target: TargetName;
  runs: number;
  seeds: number;
  ok: number;
  rejected: number;
  violations: number;
  corpus: number;
  features: number;
  slowestMs: number;
  elapsedMs: number;
  restarts: number;
  crashers: string[];
}

function report(v: Violation, path: string): void {
  console.log(`\n!! ${v.target}: ${v.kind}: ${v.message}`);
  console.log(`   input: ${relative(repoRoot(), path)} (${v.input.byteLength} bytes)`);
  if (v.stack) console.log(v.stack.split('\n').slice(0, 12).join('\n'));
}

/**
 * Runs one target in worker threads until its runs or time are used up. A worker that stops
 * counting for {@link HANG_MS} is terminated, one that dies is noticed; either way the input it
 * was on is saved as a crasher and a new worker carries on with a new seed.
 */
async function runTarget(args: Args, target: TargetName): Promise<TargetSummary> {
  const sum: TargetSummary = {
    target,
    runs: 0,
    seeds: 0,
    ok: 0,
    rejected: 0,
    violations: 0,
    corpus: 0,
    features: 0,
    slowestMs: 0,
    elapsedMs: 0,
    restarts: 0,
    crashers: [],
  };
  const start = Date.now();
  const add = (s: FuzzStats) => {
    sum.runs += s.runs;
    sum.seeds += s.seeds;
    sum.ok += s.ok;
    sum.rejected += s.rejected;
    sum.violations += s.violations;
    sum.corpus = Math.max(sum.corpus, s.corpus);
    sum.features = Math.max(sum.features, s.features);
    sum.slowestMs = Math.max(sum.slowestMs, s.slowestMs);
  };
  const onViolation = (v: Violation) => {
    const path = saveCrasher(args.out, target, v.input);
    sum.crashers.push(path);
    report(v, path);
  };
  let lastPrint = Date.now();
  const printProgress = (s: FuzzStats) => {
    if (Date.now() - lastPrint < 30_000) return;
    lastPrint = Date.now();
    const runs = sum.runs + s.runs;
    const secs = (Date.now() - start) / 1000;
    console.log(
      `   ${target}: ${runs} runs, ${(runs / secs).toFixed(0)} exec/s, corpus ${s.corpus}, features ${s.features}, violations ${sum.violations + s.violations}`,
    );
  };

  for (let attempt = 0; ; attempt++) {
    const remainingRuns = args.runs === undefined ? undefined : args.runs - sum.runs;
    const remainingSeconds =
      args.seconds === undefined ? undefined : args.seconds - (Date.now() - start) / 1000;
    if (
      (remainingRuns !== undefined && remainingRuns <= 0) ||
      (remainingSeconds !== undefined && remainingSeconds <= 0)
    ) {
      break;
    }
    const shared = new SharedArrayBuffer(16 + MAX_INPUT_SIZE);
    const control = new Int32Array(shared, 0, 4);
    const data: WorkerInput = {
      target,
      runs: remainingRuns ?? (args.seconds === undefined ? 10_000 : undefined),
      seconds: remainingSeconds,
      seed: (args.seed + attempt * 0x9e37_79b9) >>> 0,
      shared,
    };
    const ended = await new Promise<{ stats: FuzzStats | undefined; died?: ViolationKind }>(
      (resolve) => {
        const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
          workerData: data,
          // The main thread's default stack (984 KiB), so stack depth findings match it.
          resourceLimits: { stackSizeMb: 0.96, maxOldGenerationSizeMb: 2048 },
        });
        let last: FuzzStats | undefined;
        let done = false;
        let seen = -1;
        let seenAt = Date.now();
        const finish = (r: { stats: FuzzStats | undefined; died?: ViolationKind }) => {
          if (done) return;
          done = true;
          clearInterval(watchdog);
          resolve(r);
        };
        const watchdog = setInterval(() => {
          const c = Atomics.load(control, 0);
          if (c !== seen) {
            seen = c;
            seenAt = Date.now();
          } else if (Date.now() - seenAt > HANG_MS) {
            void worker.terminate();
            finish({ stats: last, died: 'hang' });
          }
        }, 500);
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'violation') onViolation(m.violation);
          else if (m.type === 'progress') {
            last = m.stats;
            printProgress(m.stats);
          } else finish({ stats: m.stats });
        });
        worker.on('error', (err) => {
          console.log(`\n!! ${target}: worker died: ${err.stack ?? err}`);
          finish({ stats: last, died: 'crash' });
        });
        worker.on('exit', (code) => {
          if (!done) {
            console.log(`\n!! ${target}: worker exited with code ${code}`);
            finish({ stats: last, died: 'crash' });
          }
        });
      },
    );
    if (ended.stats) add(ended.stats);
    if (ended.died === undefined) break;
    // The input the worker was on when it hung or died.
    const n = Atomics.load(control, 1);
    const input = new Uint8Array(shared, 16, n).slice();
    sum.violations++;
    const path = saveCrasher(args.out, target, input);
    sum.crashers.push(path);
    console.log(`   ${ended.died}: input saved as ${relative(repoRoot(), path)} (${n} bytes)`);
    sum.restarts++;
  }
  sum.elapsedMs = Date.now() - start;
  return sum;
}

/**
 * The fuzz runner's entry point.
 * @returns the exit code: 0 when no input broke the contract, 1 otherwise, 2 for bad arguments
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  console.log(
    `fuzz: seed ${args.seed}, targets ${args.targets.join(', ')}, ${args.runs ?? '-'} runs, ${args.seconds ?? '-'} s per target`,
  );
  const summaries: TargetSummary[] = [];
  for (const t of args.targets) {
    console.log(`${t}: ${TARGETS[t].description}`);
    const s = await runTarget(args, t);
    summaries.push(s);
    const rate = s.elapsedMs > 0 ? (s.runs * 1000) / s.elapsedMs : 0;
    console.log(
      `${t}: ${s.runs} runs (${s.seeds} seeds) in ${(s.elapsedMs / 1000).toFixed(1)} s, ${rate.toFixed(0)} exec/s; ok ${s.ok}, BtfError ${s.rejected}; corpus ${s.corpus}, features ${s.features}; slowest ${s.slowestMs.toFixed(1)} ms; violations ${s.violations}`,
    );
  }
  console.log('\ntarget    runs        exec/s  violations');
  for (const s of summaries) {
    const rate = s.elapsedMs > 0 ? (s.runs * 1000) / s.elapsedMs : 0;
    console.log(
      `${s.target.padEnd(9)} ${String(s.runs).padStart(10)}  ${rate.toFixed(0).padStart(6)}  ${s.violations}`,
    );
  }
  const crashers = summaries.flatMap((s) => s.crashers);
  if (crashers.length > 0) {
    console.log(`\n${crashers.length} crasher(s):`);
    for (const c of crashers) console.log(`  ${relative(repoRoot(), c)}`);
    return 1;
  }
  return 0;
}
