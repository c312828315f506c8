import { TextSink } from '@btfkit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../../tooling/test-fixtures.ts';

const text = (s: TextSink) => new TextDecoder().decode(s.view());

describe('TextSink', () => {
  it('writes integers as printf does', () => {
    const s = new TextSink(4);
    for (const v of [0, 9, 10, 99, 100, 65535, 2147483647, 2147483648, 4294967295]) {
      s.u32(v);
      s.byte(32);
    }
    s.i32(-2147483648);
    s.byte(32);
    s.i32(-1);
    expect(text(s)).toBe('0 9 10 99 100 65535 2147483647 2147483648 4294967295 -2147483648 -1');
  });

  it('agrees with toString on random values and grows as needed', () => {
    const seed = testSeed('text sink');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -0x80000000, max: 0xffffffff }), { maxLength: 200 }),
        (vals) => {
          const s = new TextSink(1);
          for (const v of vals) {
            if (v < 0) s.i32(v);
            else s.u32(v);
            s.text(',');
          }
          expect(text(s)).toBe(vals.map((v) => `${v},`).join(''));
        },
      ),
      { seed },
    );
  });

  it('copies C strings up to the NUL', () => {
    const s = new TextSink(1);
    const src = new TextEncoder().encode(
      '\0short\0a-much-longer-name-that-takes-the-bulk-copy-path\0',
    );
    s.cstring(src, 1);
    s.byte(124);
    s.cstring(src, 7);
    s.bytes(new Uint8Array([33]));
    expect(text(s)).toBe('short|a-much-longer-name-that-takes-the-bulk-copy-path!');
    s.reset();
    expect(s.length).toBe(0);
  });
});
