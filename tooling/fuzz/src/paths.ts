import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The monorepo's root: the nearest directory above the working directory with a
 * `pnpm-workspace.yaml`. Both vitest and the fuzz runner start inside the repository.
 * @throws Error when run outside the repository
 */
export function repoRoot(): string {
  if (root) return root;
  let dir = process.cwd();
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`fuzz: no pnpm-workspace.yaml above ${process.cwd()}`);
    dir = up;
  }
  root = dir;
  return dir;
}

/** A path under the repository's `testdata/`. */
export function testdataPath(...parts: string[]): string {
  return join(repoRoot(), 'testdata', ...parts);
}

/** The bytes of a file under `testdata/`. */
export function readTestdata(...parts: string[]): Uint8Array {
  const b = readFileSync(testdataPath(...parts));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The files of a `testdata/` folder whose names match, sorted; none when it does not exist. */
export function listTestdata(folder: string, match: (name: string) => boolean): string[] {
  const dir = testdataPath(folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(match).sort();
}
