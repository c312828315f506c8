// libbpf's dedup table is a hashmap from a 64-bit type signature to candidate type IDs, walked
// newest entry first. Which candidate wins when several match depends on that walk order, so
// this table keeps it: entries are pushed on the front of their bucket's chain, and the table
// grows exactly when libbpf's `hashmap__append` grows (at 3/4 load, from 4 buckets), which
// rehashes by walking every chain and pushing onto new chains, reversing the order of the
// entries that share a key. The key here is a 32-bit signature over the same fields: two
// types libbpf would compare land under one key, and others that collide fail the comparison
// that follows, so the candidates that match come out in libbpf's order.

/** A multimap from a 32-bit signature to type IDs with libbpf's walk order. */
export class DedupTable {
  private keys: Int32Array;
  private values: Uint32Array;
  private next: Int32Array;
  private buckets = new Int32Array(0);
  private capBits = 0;
  private size = 0;

  /** @param expected - how many entries to make room for up front */
  constructor(expected: number) {
    const n = Math.max(16, expected);
    this.keys = new Int32Array(n);
    this.values = new Uint32Array(n);
    this.next = new Int32Array(n);
  }

  /** Appends an entry (libbpf's `hashmap__append`). */
  add(key: number, value: number): void {
    const cap = this.buckets.length;
    if (cap === 0 || Math.floor(((this.size + 1) * 4) / 3) > cap) this.grow();
    const i = this.size++;
    if (i === this.keys.length) this.room();
    this.keys[i] = key;
    this.values[i] = value;
    const b = bucketOf(key, this.capBits);
    this.next[i] = this.buckets[b]!;
    this.buckets[b] = i;
  }

  /** The first entry index of the chain `key` lives on, or -1; walk with {@link nextOf}. */
  first(key: number): number {
    if (this.capBits === 0) return -1;
    return this.buckets[bucketOf(key, this.capBits)]!;
  }

  /** The entry after `entry` on its chain, or -1. */
  nextOf(entry: number): number {
    return this.next[entry]!;
  }

  /** The key of an entry. */
  keyOf(entry: number): number {
    return this.keys[entry]!;
  }

  /** The type ID of an entry. */
  valueOf(entry: number): number {
    return this.values[entry]!;
  }

  private grow(): void {
    const bits = Math.max(2, this.capBits + 1);
    const old = this.buckets;
    const buckets = new Int32Array(1 << bits).fill(-1);
    const next = this.next;
    for (let b = 0; b < old.length; b++) {
      for (let e = old[b]!; e !== -1; ) {
        const after = next[e]!;
        const nb = bucketOf(this.keys[e]!, bits);
        next[e] = buckets[nb]!;
        buckets[nb] = e;
        e = after;
      }
    }
    this.buckets = buckets;
    this.capBits = bits;
  }

  private room(): void {
    const n = this.keys.length * 2;
    const keys = new Int32Array(n);
    keys.set(this.keys);
    this.keys = keys;
    const values = new Uint32Array(n);
    values.set(this.values);
    this.values = values;
    const next = new Int32Array(n);
    next.set(this.next);
    this.next = next;
  }
}

function bucketOf(key: number, bits: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - bits);
}
