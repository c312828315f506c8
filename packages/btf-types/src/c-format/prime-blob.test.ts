import { readFileSync } from 'node:fs';
import { BTF_KIND_MAX } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { byteDiff } from '../../../../tooling/test-fixtures.ts';
import { formatCBytes } from './index.js';
import { primeBlob } from './prime-blob.js';

describe('primeBlob', () => {
  it('prints as bpftool 7.1 prints it', () => {
    // The golden is `bpftool btf dump file X format c` of the blob's bytes.
    const golden = readFileSync(new URL('./prime-blob.c.golden', import.meta.url));
    expect(byteDiff(formatCBytes(primeBlob()), golden)).toBeUndefined();
  });

  it('holds every kind', () => {
    const blob = primeBlob();
    const kinds = new Set<number>();
    for (let id = 1; id < blob.nextTypeID; id++) kinds.add(blob.kindOf(id));
    for (let k = 1; k <= BTF_KIND_MAX; k++) expect(kinds.has(k), `kind ${k}`).toBe(true);
  });
});
