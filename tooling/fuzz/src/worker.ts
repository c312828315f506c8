import { parentPort, workerData } from 'node:worker_threads';
import { type FuzzStats, fuzz, type Violation } from './engine.js';
import { TARGETS, type TargetName } from './targets.js';

/** What the runner hands a worker. */
export interface WorkerInput {
  readonly target: TargetName;
  readonly runs: number | undefined;
  readonly seconds: number | undefined;
  readonly seed: number;
  /**
   * Four int32s (a counter bumped before every input, the input's length) and then the
   * input's bytes: what the runner reads when the worker hangs or dies.
   */
  readonly shared: SharedArrayBuffer;
}

/** What a worker tells the runner. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly stats: FuzzStats }
  | { readonly type: 'violation'; readonly violation: Violation }
  | { readonly type: 'done'; readonly stats: FuzzStats };

process.setSourceMapsEnabled(true);
const input = workerData as WorkerInput;
const port = parentPort!;
const control = new Int32Array(input.shared, 0, 4);
const current = new Uint8Array(input.shared, 16);
const post = (m: WorkerMessage) => port.postMessage(m);

const stats = fuzz(TARGETS[input.target], {
  ...(input.runs === undefined ? {} : { runs: input.runs }),
  ...(input.seconds === undefined ? {} : { seconds: input.seconds }),
  seed: input.seed,
  progressMs: 2000,
  beforeRun(bytes) {
    const n = Math.min(bytes.byteLength, current.byteLength);
    current.set(bytes.subarray(0, n));
    Atomics.store(control, 1, n);
    Atomics.add(control, 0, 1);
  },
  onViolation: (violation) => post({ type: 'violation', violation }),
  onProgress: (s) => post({ type: 'progress', stats: s }),
});
post({ type: 'done', stats });
