/**
 * A small seeded PRNG (mulberry32): the same seed gives the same inputs on every machine, so a
 * run is replayed by its seed alone.
 */
export class Random {
  private state: number;

  /** @param seed - any 32-bit integer */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in `[0, n)`; 0 when `n` is 0. */
  below(n: number): number {
    if (n <= 0) return 0;
    return n <= 0x1_0000_0000 ? this.u32() % n : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /**
   * One element of a non-empty list.
   * @throws RangeError when the list is empty
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('random: pick from an empty list');
    return items[this.below(items.length)]!;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

/**
 * The seed of a randomized test or run: `TEST_SEED` when set, otherwise a fresh one. Callers
 * print it so a failure can be replayed.
 */
export function seedFromEnv(env: Record<string, string | undefined> = process.env): number {
  const s = env.TEST_SEED;
  if (s !== undefined && s !== '') {
    const n = Number(s);
    if (Number.isInteger(n)) return n >>> 0;
  }
  return (Math.random() * 0x1_0000_0000) >>> 0;
}
