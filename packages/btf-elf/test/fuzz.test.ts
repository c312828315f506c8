import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeExtInfos,
  ElfFile,
  loadRawBtfFromElf,
  loadSpecAndExtInfosFromBytes,
} from '@btfkit/elf';
import { BtfError, rawDump } from '@btfkit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneElf } from './elf-writer.js';
import { objectFixtures, packageTestdata, readBytes, testSeed } from './helpers.js';

const seeds = [
  ...objectFixtures().map((f) => readBytes(f.path)),
  ...readdirSync(packageTestdata)
    .filter((f) => f.endsWith('.zstd.o'))
    .map((f) => readBytes(join(packageTestdata, f))),
];
const basic = ElfFile.open(readBytes(objectFixtures().find((f) => f.id === 'basic-eb')!.path));
seeds.push(
  cloneElf(basic, {
    is64: false,
    compress: { '.BTF': { type: 'zlib' }, '.BTF.ext': { type: 'zlib' } },
  }),
);

/** Everything a caller might do with an ELF file; only BtfErrors may come out. */
function exercise(bytes: Uint8Array): void {
  const elf = ElfFile.open(bytes, { maxSectionSize: 1 << 22 });
  for (const s of elf.sections) elf.contentSize(s);
  try {
    elf.symbolTable();
  } catch (err) {
    if (!(err instanceof BtfError)) throw err;
  }
  const raw = loadRawBtfFromElf(elf);
  rawDump(raw.btf);
  if (raw.btfExt) decodeExtInfos(raw.btfExt, raw.btf);
  const { spec } = loadSpecAndExtInfosFromBytes(elf);
  for (const _ of spec) {
    // Decoding every type is the point.
  }
}

/** A mutation: overwrite bytes, or cut the file. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    // Bias towards the ELF header and the section table at the end, where structure is.
    at: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.double({ min: 0, max: 1, noNaN: true })),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

type Mutation = { kind: 'write' | 'cut'; at: number; bytes?: Uint8Array };

function mutate(input: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = input.slice();
  for (const m of ms) {
    const pos = Number.isInteger(m.at) && m.at >= 1 ? m.at : Math.floor(m.at * out.byteLength);
    if (m.kind === 'cut') out = out.slice(0, pos);
    else
      out.set(
        m.bytes!.subarray(0, Math.max(0, out.byteLength - pos)),
        Math.min(pos, out.byteLength),
      );
  }
  return out;
}

describe('fuzz: mutated fixture objects', () => {
  it('throw nothing but BtfError subclasses', () => {
    const seed = testSeed('elf fuzz');
    let thrown = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (i, ms) => {
          const bytes = mutate(seeds[i]!, ms);
          try {
            exercise(bytes);
          } catch (err) {
            thrown++;
            if (!(err instanceof BtfError)) throw err;
          }
        },
      ),
      { seed, numRuns: 1500 },
    );
    // Mutations must actually break things, or this test proves nothing.
    expect(thrown).toBeGreaterThan(100);
  });

  it('the unmutated seeds load', () => {
    for (const s of seeds) expect(() => exercise(s)).not.toThrow();
  });
});
