import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './output.js';

const dir = mkdtempSync(join(tmpdir(), 'btfkit-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes bytes, strings and chunks, and returns the byte count', () => {
    const out = join(dir, 'a.bin');
    expect(writeFileAtomic(out, Uint8Array.of(1, 2, 3))).toBe(3);
    expect([...readFileSync(out)]).toEqual([1, 2, 3]);
    expect(writeFileAtomic(out, ['é', Uint8Array.of(9)])).toBe(3);
    expect([...readFileSync(out)]).toEqual([0xc3, 0xa9, 9]);
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  it('leaves an existing file as it was when producing the chunks fails half-way', () => {
    const out = join(dir, 'b.bin');
    writeFileSync(out, 'before');
    function* chunks() {
      yield 'half of the new content';
      throw new Error('bad input found while writing');
    }
    expect(() => writeFileAtomic(out, chunks())).toThrow('bad input found while writing');
    expect(readFileSync(out, 'utf8')).toBe('before');
    expect(readdirSync(dir).filter((f) => f.startsWith('.b.bin'))).toEqual([]);
  });

  it('keeps the permission bits of the file it replaces', () => {
    const out = join(dir, 'c.bin');
    writeFileSync(out, 'x');
    chmodSync(out, 0o640);
    writeFileAtomic(out, 'y');
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readFileSync(out, 'utf8')).toBe('y');
  });

  it('fails without creating anything when the directory does not exist', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'd.bin'), 'x')).toThrow(/ENOENT/);
  });
});
