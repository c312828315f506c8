import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Handle } from '@btfkit/kernel';
import { dedupBtf } from '@btfkit/types';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { testSeed } from '../../../tooling/test-fixtures.ts';
import { kernelIt, TESTDATA } from './kernel.ts';

// The running kernel is the oracle: dedup output loads (BPF_BTF_LOAD) wherever its inputs did.

function loads(blob: Uint8Array): boolean {
  try {
    Handle.load(blob).close();
    return true;
  } catch {
    return false;
  }
}

const objects = readdirSync(join(TESTDATA, 'objects'))
  .filter((f) => f.endsWith('-el.libbpf.btf'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(TESTDATA, 'objects', f))));
const cases = readdirSync(join(TESTDATA, 'dedup/cases'))
  .filter((f) => f.endsWith('.btf') && !f.includes('.dedup.') && !f.includes('base'))
  .filter((f) => !f.startsWith('ptr-loop'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(TESTDATA, 'dedup/cases', f))));

describe('dedup output in the kernel', () => {
  kernelIt('loads wherever every input loaded, for random appends of objects and cases', () => {
    const blobs = [...objects, ...cases];
    const loadable = blobs.map(loads);
    // The fixed-up objects load; a test whose inputs never load would prove nothing.
    expect(loadable.filter(Boolean).length).toBeGreaterThanOrEqual(objects.length);
    const seed = testSeed('dedup loads');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: blobs.length - 1 }), { minLength: 1, maxLength: 5 }),
        (picks) => {
          fc.pre(picks.every((i) => loadable[i]));
          const out = dedupBtf(picks.map((i) => blobs[i]!));
          expect(loads(out.btf)).toBe(true);
        },
      ),
      { seed, numRuns: 40 },
    );
  });

  kernelIt(
    'loads the dedup of vmlinux appended to itself',
    () => {
      const v = new Uint8Array(gunzipSync(readFileSync(join(TESTDATA, 'vmlinux/vmlinux.btf.gz'))));
      expect(loads(v)).toBe(true);
      const out = dedupBtf([v, v]);
      expect(loads(out.btf)).toBe(true);
    },
    60_000,
  );
});
