import { FormatError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { ContractViolation, messageClass } from '../src/contract.js';
import { DEFAULT_LIMITS, fuzz, judge, type Violation } from '../src/engine.js';
import { MAX_INPUT_SIZE, MUTATIONS, Mutator } from '../src/mutate.js';
import { Random } from '../src/random.js';
import type { FuzzTarget } from '../src/targets.js';

/** A target over one seed whose behaviour the test chooses. */
function planted(run: FuzzTarget['run']): FuzzTarget {
  return {
    name: 'wire',
    description: 'planted',
    seeds: () => [new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])],
    run,
  };
}

describe('the fuzz engine', () => {
  it('flags anything thrown that is not a BtfError, and lets BtfErrors through', () => {
    const found: Violation[] = [];
    const stats = fuzz(
      planted((input) => {
        if (input.byteLength > 20) throw new TypeError('boom');
        if (input[0] !== 0x9f) throw new FormatError('btf: offset 0: bad magic');
      }),
      { runs: 500, seed: 1, onViolation: (v) => found.push(v) },
    );
    expect(found.length).toBe(1);
    expect(found[0]!.kind).toBe('throw');
    expect(found[0]!.message).toBe('TypeError: boom');
    expect(found[0]!.input.byteLength).toBeGreaterThan(20);
    expect(stats.violations).toBeGreaterThan(1);
    expect(stats.rejected).toBeGreaterThan(0);
  });

  it('flags a slow input, an allocation past 64x, and a contract the target checks', () => {
    const slow = judge(
      planted(() => {
        const end = performance.now() + 30;
        while (performance.now() < end);
      }),
      new Uint8Array(8),
      { ...DEFAULT_LIMITS, timeMs: 10 },
    );
    expect(slow.violation?.kind).toBe('slow');

    let keep: Uint8Array | undefined;
    const alloc = judge(
      planted((input) => {
        keep = new Uint8Array(input.byteLength * 64 + 8 * 1024 * 1024);
      }),
      new Uint8Array(100),
    );
    expect(keep).toBeDefined();
    expect(alloc.violation?.kind).toBe('alloc');

    const mismatch = judge(
      planted(() => {
        throw new ContractViolation('mismatch', 'fuzz: changed');
      }),
      new Uint8Array(1),
    );
    expect(mismatch.violation?.kind).toBe('mismatch');
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const seen: number[] = [];
      fuzz(
        planted((input) => {
          seen.push(input.byteLength, input[input.byteLength >> 1] ?? -1);
        }),
        { runs: 300, seed },
      );
      return seen;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('every mutation runs on empty, tiny and large inputs and keeps the size bound', () => {
    const r = new Random(3);
    const m = new Mutator(r);
    const big = new Uint8Array(MAX_INPUT_SIZE);
    for (const name of MUTATIONS) {
      for (const input of [new Uint8Array(0), new Uint8Array(3), big]) {
        const out = m.apply(name, input.slice(), () => big);
        expect(out).toBeInstanceOf(Uint8Array);
      }
    }
    for (let i = 0; i < 200; i++) {
      expect(m.mutate(big, () => big).byteLength).toBeLessThanOrEqual(MAX_INPUT_SIZE);
    }
  });

  it('groups error messages by their shape', () => {
    expect(messageClass("btf: type id 12: name offset 99 'a'b' is past 0x1f")).toBe(
      "btf: type id #: name offset # '' is past #",
    );
  });
});
