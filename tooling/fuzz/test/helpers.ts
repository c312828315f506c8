import { getHeapStatistics } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { BTF_KIND, type BtfRecord, encodeBtf, makeInfo, StringTableBuilder } from '@btfkit/wire';
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

/** A 4-byte signed INT named `int`, the usual first type of a hand-made blob. */
export function intRecord(nameOff: number): BtfRecord {
  return {
    kind: BTF_KIND.INT,
    nameOff,
    kflag: false,
    size: 4,
    encoding: 1,
    bitOffset: 0,
    bits: 32,
  };
}

/** A reference record (pointer, typedef, qualifier, type tag). */
export function refRecord(
  kind:
    | typeof BTF_KIND.PTR
    | typeof BTF_KIND.TYPEDEF
    | typeof BTF_KIND.CONST
    | typeof BTF_KIND.VOLATILE
    | typeof BTF_KIND.RESTRICT
    | typeof BTF_KIND.TYPE_TAG,
  type: number,
  nameOff = 0,
): BtfRecord {
  return { kind, nameOff, kflag: false, type };
}

/**
 * Encodes records into a blob; `names(strings)` gives the records once the strings they
 * need are in the table.
 */
export function blob(
  build: (strings: StringTableBuilder) => Iterable<BtfRecord>,
  littleEndian = true,
): Uint8Array {
  const strings = new StringTableBuilder();
  const records = [...build(strings)];
  return encodeBtf({ records, strings: strings.finish(), littleEndian });
}

/** A blob's type section start (after a 24-byte header). */
export const TYPES_AT = 24;

/** The info word of a record, for writing records by hand. */
export function info(kind: number, vlen: number, kflag = false): number {
  return makeInfo(kind, vlen, kflag);
}

/**
 * Runs `fn` and reports how much the heap (JS heap and array buffers) grew meanwhile (a lower
 * bound on what it allocated) and what it threw.
 */
export function measure(fn: () => unknown): { grew: number; error: unknown } {
  const h = () => {
    const s = getHeapStatistics();
    return s.used_heap_size + s.external_memory;
  };
  const before = h();
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  return { grew: h() - before, error };
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
