import { constants, deflateSync, type ZlibOptions } from 'node:zlib';
import { decompressSection, ELFCOMPRESS } from '@btfkit/elf';
import { FormatError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { testSeed } from './helpers.js';

// The oracle is zlib itself (node:zlib): every stream it writes, at every level and strategy,
// must decode to what it compressed.

const inflate = (z: Uint8Array, size: number) => decompressSection(ELFCOMPRESS.ZLIB, z, size, 1000);

/** A small deterministic generator (mulberry32), so a seed reproduces a run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Data of one of several shapes: random bytes, text-like, long runs, repeats far back. */
function sample(rand: () => number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const shape = Math.floor(rand() * 4);
  for (let i = 0; i < size; i++) {
    if (shape === 0) out[i] = Math.floor(rand() * 256);
    else if (shape === 1) out[i] = 97 + Math.floor(rand() * rand() * 26);
    else if (shape === 2) out[i] = rand() < 0.02 ? Math.floor(rand() * 256) : (out[i - 1] ?? 0);
    else out[i] = i >= 20000 && rand() < 0.9 ? out[i - 20000 - (i % 7)]! : Math.floor(rand() * 8);
  }
  return out;
}

/** Byte equality without vitest's element-by-element diffing of large arrays. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

describe('zlib sections against node:zlib', () => {
  const options: [string, ZlibOptions][] = [
    ...[0, 1, 6, 9].map((level): [string, ZlibOptions] => [`level ${level}`, { level }]),
    ['filtered', { strategy: constants.Z_FILTERED }],
    ['huffman only', { strategy: constants.Z_HUFFMAN_ONLY }],
    ['rle', { strategy: constants.Z_RLE }],
    ['fixed codes', { strategy: constants.Z_FIXED }],
    ['window 2^9, memLevel 1', { windowBits: 9, memLevel: 1 }],
  ];
  const seed = testSeed('inflate');
  const rand = rng(seed);
  const sizes = [0, 1, 2, 100, 4096, 70000, 200000];

  for (const [name, opts] of options) {
    it(`${name}: every size and shape decodes to its input`, () => {
      for (const size of sizes) {
        for (let round = 0; round < 2; round++) {
          const data = sample(rand, size);
          const z = bytes(deflateSync(data, opts));
          expect(same(inflate(z, size), data)).toBe(true);
        }
      }
    });
  }

  it('a stream of several flushed blocks decodes whole', () => {
    const data = sample(rand, 50000);
    const z = bytes(deflateSync(data, { chunkSize: 1024, finishFlush: constants.Z_FINISH }));
    expect(same(inflate(z, data.length), data)).toBe(true);
  });
});

describe('malformed zlib streams', () => {
  const data = new TextEncoder().encode('btfkit inflates zlib sections. '.repeat(300));
  const z = bytes(deflateSync(data));

  const formatError = (input: Uint8Array, size = data.length) => {
    try {
      inflate(input, size);
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).message).toMatch(/^elf: offset \d+: zlib: /);
      return (err as FormatError).message;
    }
    throw new Error('expected a FormatError');
  };

  it('names the problem and the file offset', () => {
    expect(formatError(Uint8Array.of(0x78))).toMatch(/too short/);
    expect(formatError(Uint8Array.of(0x79, 0x9c, 0))).toMatch(/method 9 is not deflate/);
    expect(formatError(Uint8Array.of(0x78, 0x9d, 0))).toMatch(/header check/);
    expect(formatError(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 1))).toMatch(/preset dictionary/);
    expect(formatError(Uint8Array.of(0x78, 0x9c, 0x07))).toMatch(/block type 3/);
    expect(formatError(z, data.length - 1)).toMatch(/inflates past ch_size/);
    expect(formatError(z, data.length + 1)).toMatch(/ends early/);
    const badSum = z.slice();
    badSum[badSum.length - 1]! ^= 1;
    expect(formatError(badSum)).toMatch(/Adler-32/);
    // Stored block whose NLEN is not ~LEN.
    expect(formatError(Uint8Array.of(0x78, 0x01, 0x01, 5, 0, 0, 0))).toMatch(/complement/);
  });

  it('a distance reaching before the first byte is refused', () => {
    // Fixed-code block: a match of length 3 at distance 1 with no byte written yet. Length 3
    // is symbol 257 (7-bit code 0000001), distance 1 is symbol 0 (5-bit code 00000), then
    // end of block (0000000); bits go in least significant first after BFINAL=1, BTYPE=01.
    const bitsIn = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const body = new Uint8Array(Math.ceil(bitsIn.length / 8));
    bitsIn.forEach((b, i) => {
      body[i >> 3]! |= b << (i & 7);
    });
    expect(formatError(Uint8Array.of(0x78, 0x01, ...body), 3)).toMatch(/reaches before the start/);
  });

  it('every truncation is a FormatError', () => {
    for (let n = 0; n < z.length; n++) formatError(z.subarray(0, n));
  });

  it('random corruption decodes to the input or fails with a FormatError', () => {
    const seed = testSeed('inflate corruption');
    const rand = rng(seed);
    for (let round = 0; round < 2000; round++) {
      const bad = z.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < flips; i++) bad[Math.floor(rand() * bad.length)]! ^= 1 << (rand() * 8);
      try {
        expect(inflate(bad, data.length)).toEqual(data);
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
      }
    }
  });
});
