import { gunzipSync } from 'node:zlib';
import { makeInfo } from '@btfkit/wire';
import { expect } from 'vitest';
import { judge } from '../src/engine.js';
import { readTestdata } from '../src/paths.js';
import { seedFromEnv } from '../src/random.js';
import { TARGETS, type TargetName } from '../src/targets.js';

/** A fixture's bytes, gunzipped when the name ends in `.gz`. */
export function fixture(...parts: string[]): Uint8Array {
  const b = readTestdata(...parts);
  return parts.at(-1)?.endsWith('.gz') ? new Uint8Array(gunzipSync(b)) : b;
}

/** The seed of a randomized test: `TEST_SEED` or a fresh one, printed either way. */
export function testSeed(name: string): number {
  const seed = seedFromEnv();
  console.log(`${name}: seed ${seed} (rerun with TEST_SEED=${seed})`);
  return seed;
}

export { measure } from '../../test-fixtures.ts';

/** A blob's type section start (after a 24-byte header). */
export const TYPES_AT = 24;

/** The info word of a record, for writing records by hand. */
export function info(kind: number, vlen: number, kflag = false): number {
  return makeInfo(kind, vlen, kflag);
}

/**
 * Asserts that an input keeps the fuzzing contract on each target: a result or a `BtfError`,
 * under 1 s, heap growth under 64x its size (plus slack).
 */
export function expectContract(bytes: Uint8Array, targets: readonly TargetName[]): void {
  for (const t of targets) {
    const r = judge(TARGETS[t], bytes);
    expect(r.violation?.message, `${t}: ${r.violation?.stack ?? ''}`).toBeUndefined();
  }
}
