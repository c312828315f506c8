import {
  BTF_KIND,
  BTF_KIND_MAX,
  FormatError,
  infoKflag,
  infoKind,
  infoVlen,
  kindName,
  NotSupportedError,
  type RawBtf,
  refersByTypeWord,
} from '@btfkit/wire';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Every type of a blob (and its bases, for split BTF) flattened into typed arrays indexed by
 * type ID, so the C formatter's walks over vmlinux-sized BTF read numbers, not objects.
 *
 * `words` is the type sections of the whole chain as 32-bit words in host order;
 * `extraStart[id]` indexes the words after a record's 12-byte common part: an ARRAY's
 * `type, index_type, nelems`; a member's `name_off, type, offset`; an ENUM value's
 * `name_off, val`; an ENUM64 value's `name_off, lo32, hi32`; a parameter's `name_off, type`;
 * a DATASEC entry's `type, offset, size`.
 *
 * `strings` is the string sections of the chain end to end, so a name offset indexes it
 * directly. Every name offset and type ID is checked once, here.
 */
export class TypeTable {
  /** One past the highest type ID; ID 0 is void. */
  readonly count: number;
  /** The kind of each type; 0 for void. */
  readonly kind: Uint8Array;
  /** The kind_flag of each type. */
  readonly kflag: Uint8Array;
  /** The vlen of each type. */
  readonly vlen: Uint32Array;
  /** The name offset of each type. */
  readonly nameOff: Uint32Array;
  /** The third word of each record: a size or a type ID. */
  readonly sizeType: Uint32Array;
  /** Where the words after each record's common part start in {@link words}. */
  readonly extraStart: Uint32Array;
  /** The type sections as words in host order. */
  readonly words: Uint32Array;
  /** The string sections, end to end; each name is NUL-terminated. */
  readonly strings: Uint8Array;

  /**
   * Flattens `btf` and checks every type ID and name offset its records hold.
   * @throws NotSupportedError for a kind libbpf 1.1 does not know
   * @throws FormatError naming the type ID of a record that refers to a missing type or
   *   string
   */
  constructor(btf: RawBtf) {
    const blobs: RawBtf[] = [];
    for (let b: RawBtf | undefined = btf; b; b = b.base) blobs.unshift(b);
    const count = btf.nextTypeID;
    this.count = count;
    this.strings = joinStrings(blobs);
    this.kind = new Uint8Array(count);
    this.kflag = new Uint8Array(count);
    this.vlen = new Uint32Array(count);
    this.nameOff = new Uint32Array(count);
    this.sizeType = new Uint32Array(count);
    this.extraStart = new Uint32Array(count);
    let total = 0;
    for (const b of blobs) total += b.types.byteLength >>> 2;
    const words = new Uint32Array(total);
    this.words = words;
    let base = 0;
    for (const b of blobs) {
      copyWords(b, words, base);
      const offsets = b.offsets;
      const first = b.firstTypeID;
      for (let i = 0, n = offsets.length; i < n; i++) {
        const id = first + i;
        const w = base + (offsets[i]! >>> 2);
        const info = words[w + 1]!;
        const kind = infoKind(info);
        if (kind === 0 || kind > BTF_KIND_MAX) {
          throw new NotSupportedError(
            `btf: type id ${id}: ${kindName(kind)} is not a kind bpftool 7.1 can print as C`,
          );
        }
        this.kind[id] = kind;
        this.kflag[id] = infoKflag(info) ? 1 : 0;
        this.vlen[id] = infoVlen(info);
        this.nameOff[id] = words[w]!;
        this.sizeType[id] = words[w + 2]!;
        this.extraStart[id] = w + 3;
      }
      base += b.types.byteLength >>> 2;
    }
    this.check();
  }

  private check(): void {
    const { count, kind, vlen, sizeType, extraStart, words, nameOff } = this;
    const strEnd = this.strings.byteLength;
    const badType = (id: number, what: string, ref: number): never => {
      throw new FormatError(
        `btf: type id ${id}: ${kindName(kind[id]!)} ${what} type id ${ref} out of range (${count} types)`,
        { typeID: id },
      );
    };
    const badName = (id: number, off: number): never => {
      throw new FormatError(
        `btf: type id ${id}: name offset ${off} is past the end of the string table (${strEnd} bytes)`,
        { typeID: id },
      );
    };
    for (let id = 1; id < count; id++) {
      if (nameOff[id]! >= strEnd) badName(id, nameOff[id]!);
      const x = extraStart[id]!;
      const n = vlen[id]!;
      const k = kind[id]!;
      if (refersByTypeWord(k) && sizeType[id]! >= count) badType(id, 'refers to', sizeType[id]!);
      switch (k) {
        case BTF_KIND.ARRAY:
          if (words[x]! >= count) badType(id, 'element', words[x]!);
          if (words[x + 1]! >= count) badType(id, 'index', words[x + 1]!);
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          for (let i = 0, m = x; i < n; i++, m += 3) {
            if (words[m]! >= strEnd) badName(id, words[m]!);
            if (words[m + 1]! >= count) badType(id, `member ${i}`, words[m + 1]!);
          }
          break;
        case BTF_KIND.ENUM:
          for (let i = 0, m = x; i < n; i++, m += 2) {
            if (words[m]! >= strEnd) badName(id, words[m]!);
          }
          break;
        case BTF_KIND.ENUM64:
          for (let i = 0, m = x; i < n; i++, m += 3) {
            if (words[m]! >= strEnd) badName(id, words[m]!);
          }
          break;
        case BTF_KIND.FUNC_PROTO:
          if (sizeType[id]! >= count) badType(id, 'return', sizeType[id]!);
          for (let i = 0, m = x; i < n; i++, m += 2) {
            if (words[m]! >= strEnd) badName(id, words[m]!);
            if (words[m + 1]! >= count) badType(id, `parameter ${i}`, words[m + 1]!);
          }
          break;
        case BTF_KIND.DATASEC:
          for (let i = 0, m = x; i < n; i++, m += 3) {
            if (words[m]! >= count) badType(id, `entry ${i}`, words[m]!);
          }
          break;
      }
    }
  }

  /** The name at `off`, one UTF-16 unit per byte (Latin-1), for the few names compared. */
  nameString(off: number): string {
    const s = this.strings;
    let out = '';
    for (let i = off; s[i] !== 0; i++) out += String.fromCharCode(s[i]!);
    return out;
  }

  /** Whether the name at `off` is exactly the ASCII string `text`. */
  nameIs(off: number, text: string): boolean {
    const s = this.strings;
    const n = text.length;
    for (let i = 0; i < n; i++) if (s[off + i] !== text.charCodeAt(i)) return false;
    return s[off + n] === 0;
  }
}

/** Copies a blob's type section into `words` at word `at`, in host byte order. */
function copyWords(b: RawBtf, words: Uint32Array, at: number): void {
  const types = b.types;
  const n = types.byteLength >>> 2;
  if (b.littleEndian === HOST_LITTLE_ENDIAN) {
    if ((types.byteOffset & 3) === 0) {
      words.set(new Uint32Array(types.buffer, types.byteOffset, n), at);
    } else {
      new Uint8Array(words.buffer, words.byteOffset + at * 4, n * 4).set(types.subarray(0, n * 4));
    }
    return;
  }
  const view = new DataView(types.buffer, types.byteOffset, types.byteLength);
  const le = b.littleEndian;
  for (let i = 0; i < n; i++) words[at + i] = view.getUint32(i * 4, le);
}

/** The string sections of a base-first chain, end to end (offsets continue the base's). */
function joinStrings(blobs: readonly RawBtf[]): Uint8Array {
  if (blobs.length === 1) return blobs[0]!.strings.bytes;
  let n = 0;
  for (const b of blobs) n += b.strings.bytes.byteLength;
  const out = new Uint8Array(n);
  for (const b of blobs) out.set(b.strings.bytes, b.strings.firstOffset);
  return out;
}
