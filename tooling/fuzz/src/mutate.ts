import type { Random } from './random.js';

/** Inputs are cut to this size after mutation, so insertions cannot grow them without end. */
export const MAX_INPUT_SIZE = 256 * 1024;

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40];
const INTERESTING_16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0x100, 0x40, 0x38];
const INTERESTING_32 = [
  0, 1, 2, 4, 8, 12, 16, 24, 32, 0x7f, 0xff, 0x100, 0xffff, 0x1_0000, 0xff_ffff, 0x100_0000,
  0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_fffc, 0xffff_ffff,
];

/** The names of the mutations, for statistics. */
export const MUTATIONS = [
  'bit-flip',
  'byte-set',
  'u16-set',
  'u32-set',
  'u32-add',
  'insert',
  'delete',
  'duplicate',
  'splice',
  'truncate',
  'btf-header',
  'btf-info',
  'elf-field',
] as const;

/** One of {@link MUTATIONS}. */
export type MutationName = (typeof MUTATIONS)[number];

/**
 * Byte-level mutations with a little knowledge of the formats: interesting 32-bit values
 * include sizes near the input's length, and BTF headers, BTF type info words and ELF header
 * and section header fields are targeted directly, since random flips rarely land there.
 */
export class Mutator {
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /**
   * A mutated copy of `input`: one to eight stacked mutations ("havoc"). `other` is a second
   * corpus entry for splicing. The input is never changed.
   */
  mutate(input: Uint8Array, other: () => Uint8Array, used?: MutationName[]): Uint8Array {
    const r = this.random;
    let out: Uint8Array = input.slice();
    const n = 1 + (r.chance(0.5) ? 0 : r.below(8));
    for (let i = 0; i < n; i++) {
      const m = r.pick(MUTATIONS);
      used?.push(m);
      out = this.apply(m, out, other);
    }
    return out.byteLength > MAX_INPUT_SIZE ? out.slice(0, MAX_INPUT_SIZE) : out;
  }

  /** Applies one named mutation; may return `b` itself, changed in place. */
  apply(m: MutationName, b: Uint8Array, other: () => Uint8Array): Uint8Array {
    const r = this.random;
    const len = b.byteLength;
    switch (m) {
      case 'bit-flip': {
        if (len === 0) return b;
        const at = r.below(len);
        b[at]! ^= 1 << r.below(8);
        return b;
      }
      case 'byte-set': {
        if (len === 0) return b;
        b[r.below(len)] = r.chance(0.5) ? r.pick(INTERESTING_8) : r.below(256);
        return b;
      }
      case 'u16-set': {
        if (len < 2) return b;
        const at = this.offset(len - 1, 2);
        setU16(b, at, r.pick(INTERESTING_16), r.chance(0.5));
        return b;
      }
      case 'u32-set': {
        if (len < 4) return b;
        setU32(b, this.offset(len - 3, 4), this.interesting32(len), r.chance(0.5));
        return b;
      }
      case 'u32-add': {
        if (len < 4) return b;
        const at = this.offset(len - 3, 4);
        const le = r.chance(0.5);
        const delta = r.pick([1, -1, 4, -4, 8, -8, 12, -12, 16, -16]);
        setU32(b, at, (getU32(b, at, le) + delta) >>> 0, le);
        return b;
      }
      case 'insert': {
        const at = this.offset(len + 1, 4);
        const size = 1 + r.below(r.chance(0.8) ? 16 : 256);
        const chunk = new Uint8Array(size);
        if (len > 0 && r.chance(0.5)) {
          const from = r.below(len);
          chunk.set(b.subarray(from, from + size));
        } else if (r.chance(0.5)) {
          for (let i = 0; i < size; i++) chunk[i] = r.below(256);
        }
        return concat(b.subarray(0, at), chunk, b.subarray(at));
      }
      case 'delete': {
        if (len === 0) return b;
        const at = this.offset(len, 4);
        const size = 1 + r.below(r.chance(0.8) ? 16 : Math.max(1, len - at));
        return concat(b.subarray(0, at), b.subarray(at + size));
      }
      case 'duplicate': {
        if (len === 0) return b;
        const from = this.offset(len, 4);
        const size = 1 + r.below(Math.min(256, len - from));
        const at = this.offset(len + 1, 4);
        return concat(b.subarray(0, at), b.subarray(from, from + size), b.subarray(at));
      }
      case 'splice': {
        const o = other();
        const cutA = this.offset(len + 1, 4);
        const cutB = this.offset(o.byteLength + 1, 4);
        return concat(b.subarray(0, cutA), o.subarray(cutB));
      }
      case 'truncate':
        return len === 0 ? b : b.slice(0, r.below(len));
      case 'btf-header':
        return this.btfHeader(b);
      case 'btf-info':
        return this.btfInfo(b);
      case 'elf-field':
        return this.elfField(b);
    }
  }

  /** An offset in `[0, end)`, 4-aligned most of the time as BTF and ELF fields are. */
  private offset(end: number, align: number): number {
    const r = this.random;
    const at = r.below(end);
    return r.chance(0.75) ? at - (at % align) : at;
  }

  private interesting32(len: number): number {
    const r = this.random;
    if (r.chance(0.6)) return r.pick(INTERESTING_32);
    const near = [len, len - 1, len + 1, len - 4, len + 4, len >>> 1, len * 2, len - 24, len - 12];
    return r.pick(near) >>> 0;
  }

  /** Sets a field of a BTF header (hdr_len, type_off/len, str_off/len, layout_off/len). */
  private btfHeader(b: Uint8Array): Uint8Array {
    const le = btfByteOrder(b);
    if (le === undefined || b.byteLength < 8) return this.apply('u32-set', b, () => b);
    const r = this.random;
    if (r.chance(0.1)) {
      // Flags and version are bytes 2 and 3.
      b[2 + r.below(2)] = r.pick(INTERESTING_8);
      return b;
    }
    const field = 4 + 4 * r.below(8);
    if (field + 4 > b.byteLength) return b;
    const old = getU32(b, field, le);
    const v = r.chance(0.3)
      ? (old + r.pick([4, -4, 12, -12, 1, -1])) >>> 0
      : this.interesting32(b.byteLength);
    setU32(b, field, v, le);
    return b;
  }

  /**
   * Rewrites a 4-aligned word of a BTF type section as an info word (new kind, vlen or
   * kind_flag) or a type reference.
   */
  private btfInfo(b: Uint8Array): Uint8Array {
    const le = btfByteOrder(b);
    if (le === undefined || b.byteLength < 24) return this.apply('u32-set', b, () => b);
    const r = this.random;
    const hdrLen = getU32(b, 4, le);
    const typeOff = getU32(b, 8, le);
    const typeLen = getU32(b, 12, le);
    const start = hdrLen + typeOff;
    const end = Math.min(b.byteLength, start + typeLen);
    if (start >= end - 4) return this.apply('u32-set', b, () => b);
    const at = start + 4 * r.below(Math.floor((end - start) / 4));
    const old = getU32(b, at, le);
    let v: number;
    switch (r.below(5)) {
      case 0: // kind
        v = ((old & 0x80ff_ffff) | ((r.chance(0.8) ? r.below(21) : r.below(128)) << 24)) >>> 0;
        break;
      case 1: // vlen
        v = ((old & 0xff00_0000) | r.pick([0, 1, 2, 3, 0xffff, 0xff_ffff, r.below(64)])) >>> 0;
        break;
      case 2: // kind_flag
        v = (old ^ 0x8000_0000) >>> 0;
        break;
      case 3: // a type ID: small, self-ish, or past the end
        v = r.pick([0, 1, 2, 3, r.below(64), 0xffff_ffff, 0x7fff_ffff, typeLen >>> 2]) >>> 0;
        break;
      default:
        v = (old + r.pick([1, -1, 2, -2])) >>> 0;
    }
    setU32(b, at, v, le);
    return b;
  }

  /** Sets a field of an ELF header or of one section header. */
  private elfField(b: Uint8Array): Uint8Array {
    if (b.byteLength < 64 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
      return this.apply('u32-set', b, () => b);
    }
    const r = this.random;
    const is64 = b[4] === 2;
    const le = b[5] !== 2;
    const shoffAt = is64 ? 0x28 : 0x20;
    const shentAt = is64 ? 0x3a : 0x2e;
    if (r.chance(0.3)) {
      // e_shoff, e_shentsize, e_shnum, e_shstrndx
      const which = r.below(4);
      const low = is64 && !le && r.chance(0.8) ? shoffAt + 4 : shoffAt;
      if (which === 0) setU32(b, low, this.interesting32(b.byteLength), le);
      else
        setU16(b, shentAt + 2 * (which - 1), r.pick(INTERESTING_16.concat([0, 1, 2, 63, 64])), le);
      return b;
    }
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // The low word of a 64-bit e_shoff is the second word in big-endian files.
    const shoff = view.getUint32(is64 && !le ? shoffAt + 4 : shoffAt, le);
    const entsize = view.getUint16(shentAt, le);
    const shnum = view.getUint16(shentAt + 2, le);
    if (entsize === 0 || shnum === 0) return this.apply('u32-set', b, () => b);
    const sh = shoff + entsize * r.below(shnum);
    const at = sh + 4 * r.below(entsize >>> 2);
    if (at + 4 > b.byteLength) return b;
    setU32(b, at, this.interesting32(b.byteLength), le);
    return b;
  }
}

/** True for a little-endian BTF or `.BTF.ext` magic, false for big-endian, else undefined. */
export function btfByteOrder(b: Uint8Array): boolean | undefined {
  if (b[0] === 0x9f && b[1] === 0xeb) return true;
  if (b[0] === 0xeb && b[1] === 0x9f) return false;
  return undefined;
}

function getU32(b: Uint8Array, at: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, le);
}

function setU32(b: Uint8Array, at: number, v: number, le: boolean): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, le);
}

function setU16(b: Uint8Array, at: number, v: number, le: boolean): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(at, v & 0xffff, le);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
