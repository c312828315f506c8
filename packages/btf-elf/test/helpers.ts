import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testdata } from '../../../tooling/test-fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));

export { testdata, testSeed } from '../../../tooling/test-fixtures.ts';

/** This package's own fixtures (compressed objects, fuzz crashers). */
export const packageTestdata = resolve(here, '../testdata');

/** Reads a fixture file as bytes. */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** One compiled fixture object: `testdata/objects/<name>-<order>.o`. */
export interface ObjectFixture {
  /** `basic-el` */
  readonly id: string;
  /** `basic` */
  readonly name: string;
  readonly order: 'el' | 'eb';
  readonly path: string;
  /** Path without the `.o`, for the files beside it. */
  readonly stem: string;
}

/** Every compiled fixture object, found by listing the folder. */
export function objectFixtures(): ObjectFixture[] {
  const dir = join(testdata, 'objects');
  return readdirSync(dir)
    .filter((f) => /-e[lb]\.o$/.test(f))
    .sort()
    .map((f) => {
      const id = f.slice(0, -2);
      const order = id.endsWith('-el') ? 'el' : 'eb';
      return { id, name: id.slice(0, -3), order, path: join(dir, f), stem: join(dir, id) };
    });
}
