import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FormatError } from './errors.js';
import { BTF_MAGIC } from './kinds.js';

/**
 * `.BTF.ext`: per-ELF-section function, line and CO-RE relocation records that tie BPF
 * instructions to BTF. Instruction offsets are in bytes, as in an ELF object; names are
 * offsets into the `.BTF` string table.
 * @see https://docs.kernel.org/bpf/btf.html#btf-ext-section
 */
export interface BtfExtHeader {
  /** Format version; 1 is the only one. */
  readonly version: number;
  /** Flags; 0 is the only value defined. */
  readonly flags: number;
  /** 24 without CO-RE relocations, 32 with. */
  readonly hdrLen: number;
}

/** `struct bpf_func_info`: a function starts at `insnOff`; `typeID` is its FUNC. */
export interface FuncInfoRecord {
  /** Byte offset of the first instruction of the function in its ELF section. */
  readonly insnOff: number;
  /** ID of the FUNC. */
  readonly typeID: number;
  /** Bytes past the known fields when the record size is larger (kept for round trips). */
  readonly extra?: Uint8Array;
}

/** `struct bpf_line_info`: source position of the instruction at `insnOff`. */
export interface LineInfoRecord {
  /** Byte offset of the instruction in its ELF section. */
  readonly insnOff: number;
  /** Offset of the source file's name. */
  readonly fileNameOff: number;
  /** Offset of the source line's text. */
  readonly lineOff: number;
  /** Line number (the upper 22 bits of `line_col`). */
  readonly line: number;
  /** Column (the lower 10 bits of `line_col`). */
  readonly column: number;
  /** Bytes past the known fields when the record size is larger (kept for round trips). */
  readonly extra?: Uint8Array;
}

/** CO-RE relocation kinds (`enum bpf_core_relo_kind`). */
export const BPF_CORE_RELO_KIND = {
  /** A field's byte offset. */
  FIELD_BYTE_OFFSET: 0,
  /** A field's size in bytes. */
  FIELD_BYTE_SIZE: 1,
  /** Whether a field exists in the target (1 or 0). */
  FIELD_EXISTS: 2,
  /** Whether a field is signed (1 or 0). */
  FIELD_SIGNED: 3,
  /** The left shift that brings a bitfield to the top of a u64. */
  FIELD_LSHIFT_U64: 4,
  /** The right shift that then brings the bitfield down. */
  FIELD_RSHIFT_U64: 5,
  /** A type's ID in the program's own BTF. */
  TYPE_ID_LOCAL: 6,
  /** A type's ID in the target (kernel) BTF. */
  TYPE_ID_TARGET: 7,
  /** Whether a type exists in the target (1 or 0). */
  TYPE_EXISTS: 8,
  /** A type's size in bytes. */
  TYPE_SIZE: 9,
  /** Whether an enumerator exists in the target (1 or 0). */
  ENUMVAL_EXISTS: 10,
  /** An enumerator's value. */
  ENUMVAL_VALUE: 11,
  /** Whether a type matches the target's by libbpf's stricter rules (1 or 0). */
  TYPE_MATCHES: 12,
} as const;

/** `struct bpf_core_relo`: a CO-RE relocation of the instruction at `insnOff`. */
export interface CoreReloRecord {
  /** Byte offset of the instruction to relocate in its ELF section. */
  readonly insnOff: number;
  /** The local root type. */
  readonly typeID: number;
  /** Offset of the access string (`0:1:2`). */
  readonly accessStrOff: number;
  /** A {@link BPF_CORE_RELO_KIND} value. */
  readonly kind: number;
  /** Bytes past the known fields when the record size is larger (kept for round trips). */
  readonly extra?: Uint8Array;
}

/** The records of one ELF section. */
export interface ExtSection<T> {
  /** Offset of the ELF section's name in the `.BTF` string table. */
  readonly secNameOff: number;
  /** The section's records, in order. */
  readonly records: readonly T[];
}

/** One subsection (func, line or CO-RE) of `.BTF.ext`. */
export interface ExtSubsection<T> {
  /** Size of each record on the wire, at least the known size. */
  readonly recordSize: number;
  /** The records, grouped by ELF section. */
  readonly sections: readonly ExtSection<T>[];
}

/** A decoded `.BTF.ext` section. */
export interface BtfExt {
  /** Whether the section is little-endian (from its magic). */
  readonly littleEndian: boolean;
  /** The decoded header. */
  readonly header: BtfExtHeader;
  /** Function infos: where each function starts and its FUNC. */
  readonly funcInfo: ExtSubsection<FuncInfoRecord>;
  /** Line infos: the source position of instructions. */
  readonly lineInfo: ExtSubsection<LineInfoRecord>;
  /** Absent when the header is too short to have it. */
  readonly coreRelos: ExtSubsection<CoreReloRecord> | undefined;
}

/**
 * The size of `struct bpf_func_info` (`insn_off`, `type_id`): the smallest func info record
 * `.BTF.ext` may carry, and the record size `BPF_PROG_LOAD` is given for `func_info`.
 */
export const FUNC_INFO_SIZE = 8;
/**
 * The size of `struct bpf_line_info` (`insn_off`, `file_name_off`, `line_off`, `line_col`):
 * the smallest line info record, and the record size `BPF_PROG_LOAD` is given for `line_info`.
 */
export const LINE_INFO_SIZE = 16;
const CORE_RELO_SIZE = 16;
const EXT_HEADER_MIN = 24;
const EXT_HEADER_CORE = 32;

/**
 * Decodes `.BTF.ext`. The byte order comes from the magic and must equal `.BTF`'s when
 * `littleEndian` is given.
 * @throws FormatError naming the offset of the first problem
 */
export function decodeBtfExt(bytes: Uint8Array, littleEndian?: boolean): BtfExt {
  if (bytes.byteLength < 8) {
    throw new FormatError(
      `btf.ext: offset 0: ${bytes.byteLength} bytes is too short for a header`,
      {
        offset: 0,
      },
    );
  }
  let le: boolean;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) le = true;
  else if (bytes[0] === 0xeb && bytes[1] === 0x9f) le = false;
  else {
    throw new FormatError(`btf.ext: offset 0: bad magic`, { offset: 0 });
  }
  if (littleEndian !== undefined && le !== littleEndian) {
    throw new FormatError(`btf.ext: offset 0: byte order differs from .BTF`, { offset: 0 });
  }
  const r = new ByteReader(bytes, le, 0, 'btf.ext');
  r.pos = 2;
  const version = r.u8();
  if (version !== 1) {
    throw new FormatError(`btf.ext: offset 2: unsupported version ${version}`, { offset: 2 });
  }
  const flags = r.u8();
  if (flags !== 0) {
    throw new FormatError(`btf.ext: offset 3: unsupported flags 0x${flags.toString(16)}`, {
      offset: 3,
    });
  }
  const hdrLen = r.u32();
  if (hdrLen < EXT_HEADER_MIN) {
    throw new FormatError(
      `btf.ext: offset 4: hdr_len ${hdrLen} is shorter than ${EXT_HEADER_MIN}`,
      {
        offset: 4,
      },
    );
  }
  if (hdrLen > bytes.byteLength) {
    throw new FormatError(
      `btf.ext: offset 4: hdr_len ${hdrLen} is past the end of the ${bytes.byteLength}-byte section`,
      { offset: 4 },
    );
  }
  const funcOff = r.u32();
  const funcLen = r.u32();
  const lineOff = r.u32();
  const lineLen = r.u32();
  let coreOff = 0;
  let coreLen = 0;
  const hasCore = hdrLen >= EXT_HEADER_CORE;
  if (hasCore) {
    coreOff = r.u32();
    coreLen = r.u32();
  }
  const sub = (name: string, off: number, len: number, field: number) => {
    const start = hdrLen + off;
    if (start + len > bytes.byteLength) {
      throw new FormatError(
        `btf.ext: offset ${field}: ${name} [${off}, ${off + len}) is past the end of the section`,
        { offset: field },
      );
    }
    return new ByteReader(bytes.subarray(start, start + len), le, start, 'btf.ext');
  };
  const funcInfo = decodeSubsection(
    sub('func_info', funcOff, funcLen, 8),
    'func_info',
    FUNC_INFO_SIZE,
    (rr, size) => {
      const insnOff = rr.u32();
      const typeID = rr.u32();
      return withExtra({ insnOff, typeID }, rr, size - FUNC_INFO_SIZE);
    },
  );
  const lineInfo = decodeSubsection(
    sub('line_info', lineOff, lineLen, 16),
    'line_info',
    LINE_INFO_SIZE,
    (rr, size) => {
      const insnOff = rr.u32();
      const fileNameOff = rr.u32();
      const lineOffv = rr.u32();
      const lineCol = rr.u32();
      return withExtra(
        { insnOff, fileNameOff, lineOff: lineOffv, line: lineCol >>> 10, column: lineCol & 0x3ff },
        rr,
        size - LINE_INFO_SIZE,
      );
    },
  );
  const coreRelos = hasCore
    ? decodeSubsection(
        sub('core_relo', coreOff, coreLen, 24),
        'core_relo',
        CORE_RELO_SIZE,
        (rr, size) => {
          const insnOff = rr.u32();
          const typeID = rr.u32();
          const accessStrOff = rr.u32();
          const kind = rr.u32();
          return withExtra({ insnOff, typeID, accessStrOff, kind }, rr, size - CORE_RELO_SIZE);
        },
      )
    : undefined;
  return { littleEndian: le, header: { version, flags, hdrLen }, funcInfo, lineInfo, coreRelos };
}

function withExtra<T extends object>(rec: T, r: ByteReader, n: number): T & { extra?: Uint8Array } {
  if (n === 0) return rec;
  return { ...rec, extra: r.take(n, 'record tail') };
}

function decodeSubsection<T>(
  r: ByteReader,
  what: string,
  minSize: number,
  readRecord: (r: ByteReader, size: number) => T,
): ExtSubsection<T> {
  if (r.remaining === 0) return { recordSize: minSize, sections: [] };
  const at = r.base;
  const recordSize = r.u32(`${what} record size`);
  if (recordSize < minSize || recordSize % 4 !== 0) {
    throw new FormatError(
      `btf.ext: offset ${at}: ${what} record size ${recordSize} is invalid (minimum ${minSize}, multiple of 4)`,
      { offset: at },
    );
  }
  const sections: ExtSection<T>[] = [];
  while (r.remaining > 0) {
    const secAt = r.base + r.pos;
    const secNameOff = r.u32(`${what} section name`);
    const count = r.u32(`${what} record count`);
    if (count === 0) {
      throw new FormatError(`btf.ext: offset ${secAt}: ${what} section with no records`, {
        offset: secAt,
      });
    }
    // Check the claimed count against the bytes that exist before allocating anything.
    if (count > r.remaining / recordSize) {
      throw new FormatError(
        `btf.ext: offset ${secAt}: ${what} section claims ${count} records of ${recordSize} bytes, only ${r.remaining} bytes left`,
        { offset: secAt },
      );
    }
    const records: T[] = new Array(count);
    for (let i = 0; i < count; i++) records[i] = readRecord(r, recordSize);
    sections.push({ secNameOff, records });
  }
  return { recordSize, sections };
}

/**
 * Encodes `.BTF.ext`: the header, then the func_info, line_info and CO-RE subsections in
 * that order, each with its record size. Records shorter than the record size are padded
 * with their `extra` bytes or zeros.
 */
export function encodeBtfExt(ext: Omit<BtfExt, 'header'> & { header?: BtfExtHeader }): Uint8Array {
  const le = ext.littleEndian;
  const hasCore = ext.coreRelos !== undefined;
  const hdrLen = Math.max(ext.header?.hdrLen ?? 0, hasCore ? EXT_HEADER_CORE : EXT_HEADER_MIN);
  const func = encodeSubsection(le, ext.funcInfo, FUNC_INFO_SIZE, writeFuncInfo);
  const line = encodeSubsection(le, ext.lineInfo, LINE_INFO_SIZE, writeLineInfo);
  const core = ext.coreRelos
    ? encodeSubsection(le, ext.coreRelos, CORE_RELO_SIZE, (w, rec) => {
        w.u32(rec.insnOff);
        w.u32(rec.typeID);
        w.u32(rec.accessStrOff);
        w.u32(rec.kind);
      })
    : new Uint8Array(0);
  const w = new ByteWriter(le, hdrLen + func.byteLength + line.byteLength + core.byteLength);
  w.u16(BTF_MAGIC);
  w.u8(1);
  w.u8(0);
  w.u32(hdrLen);
  w.u32(0);
  w.u32(func.byteLength);
  w.u32(func.byteLength);
  w.u32(line.byteLength);
  if (hdrLen >= EXT_HEADER_CORE) {
    w.u32(hasCore ? func.byteLength + line.byteLength : 0);
    w.u32(core.byteLength);
  }
  w.zeros(hdrLen - w.length);
  w.bytes(func);
  w.bytes(line);
  w.bytes(core);
  return w.finish();
}

function writeFuncInfo(w: ByteWriter, rec: FuncInfoRecord): void {
  w.u32(rec.insnOff);
  w.u32(rec.typeID);
}

function writeLineInfo(w: ByteWriter, rec: LineInfoRecord): void {
  w.u32(rec.insnOff);
  w.u32(rec.fileNameOff);
  w.u32(rec.lineOff);
  w.u32(((rec.line << 10) | (rec.column & 0x3ff)) >>> 0);
}

/**
 * Encodes func info records back to back, {@link FUNC_INFO_SIZE} bytes each, as
 * `BPF_PROG_LOAD` takes them in `func_info` (no section headers; `extra` bytes are dropped).
 * `insnOff` is written as given: the kernel wants instruction indexes, `.BTF.ext` bytes.
 */
export function encodeFuncInfos(
  records: readonly FuncInfoRecord[],
  littleEndian: boolean,
): Uint8Array {
  const w = new ByteWriter(littleEndian, records.length * FUNC_INFO_SIZE);
  for (const rec of records) writeFuncInfo(w, rec);
  return w.finish();
}

/**
 * Encodes line info records back to back, {@link LINE_INFO_SIZE} bytes each, as
 * `BPF_PROG_LOAD` takes them in `line_info` (`extra` bytes are dropped). The line number
 * takes the upper 22 bits of `line_col`, the column the lower 10.
 */
export function encodeLineInfos(
  records: readonly LineInfoRecord[],
  littleEndian: boolean,
): Uint8Array {
  const w = new ByteWriter(littleEndian, records.length * LINE_INFO_SIZE);
  for (const rec of records) writeLineInfo(w, rec);
  return w.finish();
}

function encodeSubsection<T extends { extra?: Uint8Array }>(
  le: boolean,
  sub: ExtSubsection<T>,
  minSize: number,
  write: (w: ByteWriter, rec: T) => void,
): Uint8Array {
  if (sub.sections.length === 0) return new Uint8Array(0);
  const size = Math.max(sub.recordSize, minSize);
  const w = new ByteWriter(le);
  w.u32(size);
  for (const sec of sub.sections) {
    w.u32(sec.secNameOff);
    w.u32(sec.records.length);
    for (const rec of sec.records) {
      const start = w.length;
      write(w, rec);
      if (rec.extra) w.bytes(rec.extra.subarray(0, size - (w.length - start)));
      w.zeros(size - (w.length - start));
    }
  }
  return w.finish();
}
