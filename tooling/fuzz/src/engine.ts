import { getHeapStatistics } from 'node:v8';
import { BtfError } from '@btfkit/wire';
import {
  ContractViolation,
  errorFeature,
  messageClass,
  throwSite,
  type ViolationKind,
} from './contract.js';
import { Mutator } from './mutate.js';
import { Random } from './random.js';
import type { FuzzTarget, TargetName } from './targets.js';

/** A broken contract, with the input that broke it. */
export interface Violation {
  readonly target: TargetName;
  readonly kind: ViolationKind;
  readonly message: string;
  /** The stack of what was thrown, when something was. */
  readonly stack: string | undefined;
  readonly input: Uint8Array;
  /** Groups violations with the same cause: kind, error name, message class, throw site. */
  readonly signature: string;
}

/** Limits of the contract every input must keep. */
export interface FuzzLimits {
  /** Longest time one input may take, in milliseconds (1000). */
  readonly timeMs: number;
  /** How many times its own size an input may make the heap grow (64). */
  readonly allocFactor: number;
  /**
   * Bytes an input may allocate whatever its size (output buffers of fixed size, caches
   * built on first use); 4 MiB.
   */
  readonly allocSlackBytes: number;
}

/** The contract of issue 9: 1 s per input, 64x its size in memory. */
export const DEFAULT_LIMITS: FuzzLimits = {
  timeMs: 1000,
  allocFactor: 64,
  allocSlackBytes: 4 * 1024 * 1024,
};

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Stop after this many inputs, seeds included. */
  readonly runs?: number;
  /** Stop after this many seconds. */
  readonly seconds?: number;
  readonly seed: number;
  readonly limits?: FuzzLimits;
  /** Largest number of inputs kept for mutation. */
  readonly maxCorpus?: number;
  /** Called with the first input of each new violation signature. */
  readonly onViolation?: (v: Violation) => void;
  /** Called about every `progressMs` with the statistics so far. */
  readonly onProgress?: (s: FuzzStats) => void;
  readonly progressMs?: number;
  /** Called before each input runs, e.g. to publish it to a watchdog. */
  readonly beforeRun?: (input: Uint8Array) => void;
}

/** What a run did. */
export interface FuzzStats {
  readonly target: TargetName;
  readonly seed: number;
  /** Inputs run, seeds included. */
  runs: number;
  seeds: number;
  /** Inputs that gave a result. */
  ok: number;
  /** Inputs that threw a `BtfError`. */
  rejected: number;
  /** Inputs that broke the contract (every one, not only new signatures). */
  violations: number;
  /** Distinct violation signatures. */
  readonly signatures: Set<string>;
  corpus: number;
  /** Distinct features (kinds decoded, error sites and classes) seen. */
  features: number;
  /** Slowest input, in milliseconds. */
  slowestMs: number;
  elapsedMs: number;
}

const MAX_FEATURES = 200_000;

function heapBytes(): number {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

interface Outcome {
  readonly ms: number;
  readonly grew: number;
  readonly error: unknown;
  readonly features: Set<string>;
}

function runOnce(target: FuzzTarget, input: Uint8Array): Outcome {
  const features = new Set<string>();
  const h0 = heapBytes();
  const t0 = performance.now();
  let error: unknown;
  try {
    target.run(input, features);
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - t0;
  const grew = heapBytes() - h0;
  return { ms, grew, error, features };
}

/**
 * Runs one input through a target and judges it against the contract: the result or a
 * `BtfError`, within the time limit and the allocation bound. A time or allocation overrun is
 * confirmed by running the input again, so a GC pause or a busy machine is not a finding.
 * @returns the violation, or the features of the run when there is none
 */
export function judge(
  target: FuzzTarget,
  input: Uint8Array,
  limits: FuzzLimits = DEFAULT_LIMITS,
): { violation: Violation | undefined; features: Set<string>; ms: number; rejected: boolean } {
  let o = runOnce(target, input);
  const allowed = limits.allocFactor * input.byteLength + limits.allocSlackBytes;
  if (o.ms > limits.timeMs || o.grew > allowed) {
    const again = runOnce(target, input);
    o = { ...o, ms: Math.min(o.ms, again.ms), grew: Math.min(o.grew, again.grew) };
  }
  const err = o.error;
  const make = (kind: ViolationKind, message: string, e?: Error): Violation => ({
    target: target.name,
    kind,
    message,
    stack: e?.stack,
    input,
    signature: e ? `${kind}|${e.name}|${messageClass(e.message)}|${throwSite(e)}` : kind,
  });
  let violation: Violation | undefined;
  if (err instanceof ContractViolation) {
    violation = make(err.kind, err.message, err);
  } else if (err !== undefined && !(err instanceof BtfError)) {
    const e = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
    violation = make('throw', `${e.name}: ${e.message}`, e);
  } else if (o.ms > limits.timeMs) {
    violation = make('slow', `fuzz: ${input.byteLength}-byte input took ${o.ms.toFixed(0)} ms`);
  } else if (o.grew > allowed) {
    violation = make(
      'alloc',
      `fuzz: ${input.byteLength}-byte input grew the heap by ${o.grew} bytes (limit ${allowed})`,
    );
  }
  if (err instanceof BtfError) o.features.add(errorFeature('top', err));
  return { violation, features: o.features, ms: o.ms, rejected: err instanceof BtfError };
}

/**
 * The mutation fuzzer: runs every seed, then mutates inputs from the corpus and keeps those
 * that show a feature not seen before (a new kind decoded, a new error class or throw site)
 * as a cheap stand-in for coverage. Stops after `runs` inputs or `seconds`, whichever is
 * first; with neither, after 10,000 inputs.
 */
export function fuzz(target: FuzzTarget, options: FuzzOptions): FuzzStats {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const maxCorpus = options.maxCorpus ?? 4096;
  const maxRuns =
    options.runs ?? (options.seconds === undefined ? 10_000 : Number.POSITIVE_INFINITY);
  const deadline =
    options.seconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.seconds * 1000;
  const progressMs = options.progressMs ?? 5000;
  const random = new Random(options.seed);
  const mutator = new Mutator(random);
  const seen = new Set<string>();
  const corpus: Uint8Array[] = [];
  const stats: FuzzStats = {
    target: target.name,
    seed: options.seed,
    runs: 0,
    seeds: 0,
    ok: 0,
    rejected: 0,
    violations: 0,
    signatures: new Set(),
    corpus: 0,
    features: 0,
    slowestMs: 0,
    elapsedMs: 0,
  };
  const start = Date.now();
  let nextProgress = start + progressMs;

  const execute = (input: Uint8Array, isSeed: boolean): void => {
    options.beforeRun?.(input);
    const r = judge(target, input, limits);
    stats.runs++;
    if (r.ms > stats.slowestMs) stats.slowestMs = r.ms;
    if (r.violation) {
      stats.violations++;
      if (!stats.signatures.has(r.violation.signature)) {
        stats.signatures.add(r.violation.signature);
        options.onViolation?.(r.violation);
      }
      return;
    }
    if (r.rejected) stats.rejected++;
    else stats.ok++;
    let fresh = isSeed;
    for (const f of r.features) {
      if (seen.has(f) || seen.size >= MAX_FEATURES) continue;
      seen.add(f);
      fresh = true;
    }
    if (!fresh) return;
    if (corpus.length < maxCorpus) corpus.push(input);
    else corpus[stats.seeds + random.below(maxCorpus - stats.seeds)] = input;
  };

  for (const s of target.seeds()) {
    if (stats.runs >= maxRuns) break;
    stats.seeds++;
    execute(s, true);
  }
  if (corpus.length === 0) corpus.push(new Uint8Array(0));
  const pick = (): Uint8Array =>
    // Half the time one of the newest finds, which are the least explored.
    random.chance(0.5)
      ? corpus[corpus.length - 1 - random.below(Math.min(64, corpus.length))]!
      : random.pick(corpus);

  while (stats.runs < maxRuns) {
    if ((stats.runs & 63) === 0) {
      const now = Date.now();
      if (now >= deadline) break;
      if (now >= nextProgress) {
        nextProgress = now + progressMs;
        stats.elapsedMs = now - start;
        stats.corpus = corpus.length;
        stats.features = seen.size;
        options.onProgress?.(stats);
      }
    }
    execute(mutator.mutate(pick(), pick), false);
  }
  stats.elapsedMs = Date.now() - start;
  stats.corpus = corpus.length;
  stats.features = seen.size;
  return stats;
}

/** Inputs per second of a finished run. */
export function execPerSecond(s: FuzzStats): number {
  return s.elapsedMs > 0 ? (s.runs * 1000) / s.elapsedMs : 0;
}
