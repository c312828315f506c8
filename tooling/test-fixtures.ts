// Test helpers shared by every package: where the committed fixtures are, how to read them,
// and the seed of randomized tests. Imported by tests only (never by package sources).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { gunzipSync } from 'node:zlib';

/** The repository's committed fixtures. */
export const testdata = resolve(dirname(fileURLToPath(import.meta.url)), '../testdata');

/** Reads a fixture, gunzipping `.gz` files. */
export function readFixture(...parts: string[]): Uint8Array {
  const path = join(testdata, ...parts);
  const raw = readFileSync(path);
  return new Uint8Array(path.endsWith('.gz') ? gunzipSync(raw) : raw);
}

/** Reads a text fixture. */
export function readText(...parts: string[]): string {
  return new TextDecoder().decode(readFixture(...parts));
}

/** Lists a fixture folder, filtered by suffix, sorted. */
export function listFixtures(folder: string, suffix: string): string[] {
  return readdirSync(join(testdata, folder))
    .filter((f) => f.endsWith(suffix))
    .sort();
}

/** The seed for randomized tests: `TEST_SEED` when set, else a fresh one, printed. */
export function testSeed(name: string): number {
  const env = process.env.TEST_SEED;
  const seed = env ? Number(env) : (Math.random() * 2 ** 31) | 0;
  console.log(`${name}: seed ${seed} (rerun with TEST_SEED=${seed})`);
  return seed;
}

/**
 * Where two byte strings first differ, for `expect(byteDiff(a, b)).toBeUndefined()`: a
 * failure then names the offset, the bytes there and both lengths, where a boolean from
 * `.equals` says only `false`. Undefined when they are equal.
 */
export function byteDiff(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const n = Math.min(actual.byteLength, expected.byteLength);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.byteLength === expected.byteLength) return undefined;
  const at = (b: Uint8Array) =>
    i < b.byteLength ? `0x${b[i]!.toString(16).padStart(2, '0')}` : 'end';
  return `first difference at byte ${i}: ${at(actual)} vs ${at(expected)} (lengths ${actual.byteLength} and ${expected.byteLength})`;
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
