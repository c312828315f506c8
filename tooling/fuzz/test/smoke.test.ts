import { describe, expect, it } from 'vitest';
import { fuzz, type Violation } from '../src/engine.js';
import { TARGET_NAMES, TARGETS } from '../src/targets.js';
import { testSeed } from './helpers.js';

/** The CI smoke: a bounded fuzz run of every target that fails on any contract violation. */
const RUNS = 2000;

describe('fuzz smoke', () => {
  const seed = testSeed('fuzz smoke');
  for (const name of TARGET_NAMES) {
    it(`${name}: ${RUNS} inputs keep the contract`, () => {
      const violations: Violation[] = [];
      const stats = fuzz(TARGETS[name], {
        runs: RUNS,
        seed,
        onViolation: (v) => violations.push(v),
      });
      const found = violations.map(
        (v) =>
          `${v.kind}: ${v.message} (${v.input.byteLength}-byte input, replay with TEST_SEED=${seed} or run pnpm fuzz)\n${v.stack ?? ''}`,
      );
      expect(found).toEqual([]);
      expect(stats.runs).toBe(RUNS);
      expect(stats.seeds).toBeGreaterThan(0);
      // Mutants must reach past the first checks, or the run proves little.
      expect(stats.ok).toBeGreaterThan(RUNS / 100);
      expect(stats.rejected).toBeGreaterThan(RUNS / 10);
    });
  }
});
