import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FormatError, NotFoundError } from './errors.js';
import { type BtfHeader, decodeHeader, encodeHeader } from './header.js';
import { BTF_HEADER_SIZE, BTF_HEADER_SIZE_LAYOUT, BTF_TYPE_SIZE, kindName } from './kinds.js';
import { decodeLayout, encodeLayout, type KindLayout } from './layout.js';
import { indexRecordWords, infoKind, infoVlen, trailingSize } from './record-format.js';
import { StringTable } from './string-table.js';
import {
  type BtfRecord,
  decodeRecord,
  encodeRecord,
  headerCutError,
  unknownKindError,
} from './type-records.js';

/** Whether this host stores numbers little-endian. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Options for {@link RawBtf.parse}. */
export interface ParseRawOptions {
  /** The base BTF, when parsing split BTF (a kernel module's, or pahole's `--btf_base`). */
  readonly base?: RawBtf;
}

/**
 * A parsed BTF blob at the wire level: the header, the string table, and an index from type
 * ID to the offset of its record. Records are decoded on request; parsing itself creates no
 * object per type.
 */
export class RawBtf {
  /** The whole blob. */
  readonly bytes: Uint8Array;
  /** Whether the blob is little-endian (from its magic). */
  readonly littleEndian: boolean;
  /** The decoded header. */
  readonly header: BtfHeader;
  /** The layout section, when the blob has one. */
  readonly layout: readonly KindLayout[] | undefined;
  /** The string section. */
  readonly strings: StringTable;
  /** The type section's bytes. */
  readonly types: Uint8Array;
  /** Offset of the type section in the blob. */
  readonly typesOffset: number;
  /** The base BTF of split BTF. */
  readonly base: RawBtf | undefined;
  /** The ID of this blob's first type: 1, or the base's {@link nextTypeID} for split BTF. */
  readonly firstTypeID: number;
  /** `offsets[i]` is where the record of type `firstTypeID + i` starts in {@link types}. */
  readonly offsets: Uint32Array;
  /**
   * `kinds[i]` is the wire kind (`BTF_KIND_*`) of type `firstTypeID + i`: one byte per type in
   * one place, so a pass that filters by kind (libbpf's `btf__find_by_name_kind`) touches only
   * the records of that kind.
   */
  readonly kinds: Uint8Array;
  /** A reader over the type section. */
  readonly reader: ByteReader;
  /**
   * The type section as 32-bit words in the host's order, when the blob is in the host's byte
   * order and its type section starts 4-aligned in memory (else undefined): a record at byte
   * offset `o` starts at `words[o / 4]` (its name offset), so hot loops read fields without a
   * DataView. Bytes past the last whole word are not in it.
   */
  readonly words: Uint32Array | undefined;

  private constructor(
    bytes: Uint8Array,
    littleEndian: boolean,
    header: BtfHeader,
    layout: KindLayout[] | undefined,
    strings: StringTable,
    typesOffset: number,
    base: RawBtf | undefined,
  ) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.header = header;
    this.layout = layout;
    this.strings = strings;
    this.typesOffset = typesOffset;
    this.types = bytes.subarray(typesOffset, typesOffset + header.typeLen);
    this.base = base;
    this.firstTypeID = base ? base.nextTypeID : 1;
    this.reader = new ByteReader(this.types, littleEndian, typesOffset);
    const t = this.types;
    this.words = hostWords(t, littleEndian);
    const index = indexRecords(t, this.words, littleEndian, typesOffset, this.firstTypeID, layout);
    this.offsets = index.offsets;
    this.kinds = index.kinds;
  }

  /**
   * Parses a BTF blob: validates the header and string table and indexes every record.
   * For split BTF pass the base; IDs and string offsets then continue the base's.
   * @throws FormatError naming the offset (and type ID) of the first problem
   */
  static parse(bytes: Uint8Array, options: ParseRawOptions = {}): RawBtf {
    const { header, littleEndian } = decodeHeader(bytes);
    const base = options.base;
    if (base && base.littleEndian !== littleEndian) {
      throw new FormatError(
        `btf: offset 0: split BTF is ${littleEndian ? 'little' : 'big'}-endian but its base is not`,
        { offset: 0 },
      );
    }
    const body = header.hdrLen;
    let layout: KindLayout[] | undefined;
    if (header.layoutOff !== undefined && header.layoutLen) {
      const at = body + header.layoutOff;
      layout = decodeLayout(bytes.subarray(at, at + header.layoutLen), littleEndian, at);
    }
    const strAt = body + header.strOff;
    const strings = new StringTable(
      bytes.subarray(strAt, strAt + header.strLen),
      base?.strings,
      strAt,
    );
    return new RawBtf(bytes, littleEndian, header, layout, strings, body + header.typeOff, base);
  }

  /** Number of types in this blob (not counting the base's, nor void). */
  get typeCount(): number {
    return this.offsets.length;
  }

  /** One past the highest type ID of this blob. */
  get nextTypeID(): number {
    return this.firstTypeID + this.offsets.length;
  }

  /**
   * The blob that holds type `id` (this one or a base), or undefined for void and IDs past
   * the end.
   */
  owner(id: number): RawBtf | undefined {
    if (id >= this.firstTypeID) return id < this.nextTypeID ? this : undefined;
    return this.base?.owner(id);
  }

  /**
   * Offset of the record of type `id` within its owner's type section.
   * @throws NotFoundError for void (0) and IDs past the end
   */
  offsetOf(id: number): number {
    const owner = this.owner(id);
    if (!owner) throw new NotFoundError(`btf: type id ${id}: not found`);
    return owner.offsets[id - owner.firstTypeID]!;
  }

  /** The kind of type `id` (from {@link kinds}); 0 for void. */
  kindOf(id: number): number {
    if (id === 0) return 0;
    const owner = this.owner(id);
    if (!owner) throw new NotFoundError(`btf: type id ${id}: not found`);
    return owner.kinds[id - owner.firstTypeID]!;
  }

  /** The name offset of type `id`, read straight from its record; 0 for void. */
  nameOffOf(id: number): number {
    if (id === 0) return 0;
    const owner = this.owner(id);
    if (!owner) throw new NotFoundError(`btf: type id ${id}: not found`);
    const off = owner.offsets[id - owner.firstTypeID]!;
    return owner.reader.view.getUint32(off, owner.littleEndian);
  }

  /**
   * Decodes the record of type `id` (from a base for split BTF).
   * @throws NotFoundError for void and IDs past the end
   */
  record(id: number): BtfRecord {
    const owner = this.owner(id);
    if (!owner) throw new NotFoundError(`btf: type id ${id}: not found`);
    return decodeRecord(owner.reader, owner.offsets[id - owner.firstTypeID]!, id, owner.layout);
  }

  /** Decodes every record of this blob (not the base's), in ID order. */
  *records(): IterableIterator<BtfRecord> {
    for (let i = 0; i < this.offsets.length; i++) {
      yield decodeRecord(this.reader, this.offsets[i]!, this.firstTypeID + i, this.layout);
    }
  }

  /** The string at `offset` (this table or the base's); undefined when out of range. */
  name(offset: number): string | undefined {
    return this.strings.tryAt(offset);
  }
}

/**
 * The ID→offset pass: walks a type section once, reading only each record's info word, and
 * returns the start offset of every record. No object is created per type.
 * @param sectionOffset - where the section starts in the blob, for error messages
 * @param firstTypeID - the ID of the first record, for error messages
 * @throws FormatError when a record runs past the section or has an unknown kind
 */
export function indexTypes(
  types: Uint8Array,
  littleEndian: boolean,
  sectionOffset = 0,
  firstTypeID = 1,
  layout?: readonly KindLayout[],
): Uint32Array {
  const words = hostWords(types, littleEndian);
  return indexRecords(types, words, littleEndian, sectionOffset, firstTypeID, layout).offsets;
}

/**
 * A type section as 32-bit words in the host's order (see {@link RawBtf.words}), or undefined
 * when it is in the other byte order or does not start 4-aligned.
 */
function hostWords(types: Uint8Array, littleEndian: boolean): Uint32Array | undefined {
  return littleEndian === HOST_LITTLE_ENDIAN && types.byteOffset % 4 === 0
    ? new Uint32Array(types.buffer, types.byteOffset, types.byteLength >>> 2)
    : undefined;
}

/** {@link indexTypes}, with the kind of every record beside its offset. */
function indexRecords(
  types: Uint8Array,
  words: Uint32Array | undefined,
  littleEndian: boolean,
  sectionOffset: number,
  firstTypeID: number,
  layout: readonly KindLayout[] | undefined,
): { offsets: Uint32Array; kinds: Uint8Array } {
  const len = types.byteLength;
  // Every record is at least 12 bytes, so this bounds the count by the input's size; one
  // more entry holds where the word walk stopped.
  const out = new Uint32Array(Math.floor(len / BTF_TYPE_SIZE) + 1);
  const kinds = new Uint8Array(out.length);
  let n = 0;
  let pos = 0;
  // Records are whole 32-bit words, so a host-endian section that starts 4-aligned is walked
  // as words; whatever that walk cannot take (and any other section) byte-wise below.
  if (words) {
    n = indexRecordWords(words, out, kinds, layout);
    pos = out[n]!;
  }
  if (pos < len) {
    const view = new DataView(types.buffer, types.byteOffset, types.byteLength);
    while (pos < len) {
      const size = recordSize(view, pos, littleEndian, sectionOffset, firstTypeID + n, layout);
      kinds[n] = infoKind(view.getUint32(pos + 4, littleEndian));
      out[n++] = pos;
      pos += size;
    }
  }
  // Views, not copies: copying would touch as many fresh pages again, and the pages of the
  // worst-case allocation past `n` were never written, so they cost address space only.
  return {
    offsets: out.subarray(0, n),
    kinds: kinds.subarray(0, n),
  };
}

/**
 * The byte size of the record of type `id` at `pos`, read through a DataView.
 * @throws FormatError when the record is cut short or its kind cannot be sized
 */
function recordSize(
  view: DataView,
  pos: number,
  littleEndian: boolean,
  sectionOffset: number,
  id: number,
  layout: readonly KindLayout[] | undefined,
): number {
  const len = view.byteLength;
  if (pos + BTF_TYPE_SIZE > len) throw headerCutError(id, sectionOffset + pos);
  const info = view.getUint32(pos + 4, littleEndian);
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const trailing = trailingSize(kind, vlen, layout);
  if (trailing < 0) throw unknownKindError(id, sectionOffset + pos, kind);
  const size = BTF_TYPE_SIZE + trailing;
  if (pos + size > len) {
    throw new FormatError(
      `btf: type id ${id}: offset ${sectionOffset + pos}: ${kindName(kind)} with vlen ${vlen} runs ${pos + size - len} bytes past the end of the type section`,
      { offset: sectionOffset + pos, typeID: id },
    );
  }
  return size;
}

/** What {@link encodeBtf} writes. */
export interface EncodeBtfInput {
  /** The records in ID order. */
  readonly records: Iterable<BtfRecord>;
  /** The string section, e.g. from a `StringTableBuilder` or an existing blob. */
  readonly strings: Uint8Array;
  /** Whether to encode little-endian. */
  readonly littleEndian: boolean;
  /** A layout section to include (and a 32-byte header with it). */
  readonly layout?: readonly KindLayout[];
}

/**
 * Encodes a BTF blob: the header, then the type section, the layout section if any, then
 * the string section.
 */
export function encodeBtf(input: EncodeBtfInput): Uint8Array {
  const w = new ByteWriter(input.littleEndian, 64 * 1024);
  for (const rec of input.records) encodeRecord(w, rec);
  const types = w.finish();
  return assembleBtf(types, input.strings, input.littleEndian, input.layout);
}

/**
 * Joins already-encoded sections into a blob with a header.
 * @param layout - a layout section to include between types and strings
 */
export function assembleBtf(
  types: Uint8Array,
  strings: Uint8Array,
  littleEndian: boolean,
  layout?: readonly KindLayout[],
): Uint8Array {
  const layoutBytes = layout ? encodeLayout(layout, littleEndian) : undefined;
  const hdrLen = layoutBytes ? BTF_HEADER_SIZE_LAYOUT : BTF_HEADER_SIZE;
  const layoutLen = layoutBytes?.byteLength ?? 0;
  const header: BtfHeader = {
    magic: 0xeb9f,
    version: 1,
    flags: 0,
    hdrLen,
    typeOff: 0,
    typeLen: types.byteLength,
    strOff: types.byteLength + layoutLen,
    strLen: strings.byteLength,
    ...(layoutBytes ? { layoutOff: types.byteLength, layoutLen } : {}),
  };
  const out = new Uint8Array(hdrLen + types.byteLength + layoutLen + strings.byteLength);
  out.set(encodeHeader(header, littleEndian), 0);
  out.set(types, hdrLen);
  if (layoutBytes) out.set(layoutBytes, hdrLen + types.byteLength);
  out.set(strings, hdrLen + types.byteLength + layoutLen);
  return out;
}
