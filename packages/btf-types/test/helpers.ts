import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Type } from '@btfkit/types';

/** The repository's committed fixtures. */
export const testdata = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata');

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

/** One type of a bpftool raw dump: its ID, kind, name, the rest of its first line, and its indented lines. */
export interface GoldenType {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly line: string;
  readonly members: string[];
}

/** Parses bpftool's `format raw` output. */
export function parseRawGolden(text: string): GoldenType[] {
  const out: GoldenType[] = [];
  let cur: GoldenType | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      cur?.members.push(line.slice(1));
      continue;
    }
    const m = /^\[(\d+)\] (\w+) '(.*?)'(.*)$/.exec(line);
    if (!m) continue;
    cur = { id: Number(m[1]), kind: m[2]!, name: m[3]!, line, members: [] };
    out.push(cur);
  }
  return out;
}

/** The wire kind name (as bpftool prints it) a model type encodes to. */
export function wireKind(t: Type): string {
  switch (t.kind) {
    case 'pointer':
      return 'PTR';
    case 'enum':
      return t.enum64 ? 'ENUM64' : 'ENUM';
    default:
      return t.kind.toUpperCase();
  }
}
