/**
 * Counts how often each name has been declared, as libbpf's `btf_dump_name_dups` does with
 * a hashmap of strings; the count decides the `___N` suffix. Names are compared by their
 * bytes in the string section, so no string is created per name.
 */
export class NameCounter {
  private readonly strings: Uint8Array;
  /** A name offset per slot, plus one; 0 is an empty slot. */
  private keys: Int32Array;
  private counts: Int32Array;
  private size = 0;

  /** @param strings - the string sections, end to end, as {@link TypeTable.strings} */
  constructor(strings: Uint8Array, capacity = 1024) {
    this.strings = strings;
    let cap = 64;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Int32Array(cap);
    this.counts = new Int32Array(cap);
  }

  /** Counts one more declaration of the name at `off` and returns the new count. */
  add(off: number): number {
    const s = this.strings;
    let h = 0x811c9dc5;
    let end = off;
    for (; s[end] !== 0; end++) h = Math.imul(h ^ s[end]!, 0x01000193);
    const len = end - off;
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === 0) {
        keys[i] = off + 1;
        this.counts[i] = 1;
        if (++this.size * 2 > keys.length) this.grow();
        return 1;
      }
      if (sameName(s, k - 1, off, len)) return ++this.counts[i]!;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const keys = new Int32Array(oldKeys.length * 2);
    const counts = new Int32Array(oldKeys.length * 2);
    const mask = keys.length - 1;
    const s = this.strings;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k === 0) continue;
      let h = 0x811c9dc5;
      for (let p = k - 1; s[p] !== 0; p++) h = Math.imul(h ^ s[p]!, 0x01000193);
      let i = h & mask;
      while (keys[i] !== 0) i = (i + 1) & mask;
      keys[i] = k;
      counts[i] = oldCounts[j]!;
    }
    this.keys = keys;
    this.counts = counts;
  }
}

/** Whether the name at `a` equals the `len`-byte name at `b`. */
function sameName(s: Uint8Array, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let i = 0; i < len; i++) if (s[a + i] !== s[b + i]) return false;
  return s[a + len] === 0;
}
