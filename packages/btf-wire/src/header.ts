import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FormatError } from './errors.js';
import { BTF_HEADER_SIZE, BTF_HEADER_SIZE_LAYOUT, BTF_MAGIC, BTF_VERSION } from './kinds.js';

/**
 * The BTF header (`struct btf_header`). Section offsets are relative to the end of the
 * header. The layout fields exist only in headers of 32 bytes or more (kernels from 2026).
 * @see https://docs.kernel.org/bpf/btf.html#btf-type-and-string-encoding
 */
export interface BtfHeader {
  /** Always {@link BTF_MAGIC} once decoded. */
  readonly magic: number;
  /** Format version; 1 is the only one. */
  readonly version: number;
  /** Flags; 0 is the only value defined. */
  readonly flags: number;
  /** Header length in bytes, at least 24. */
  readonly hdrLen: number;
  /** Offset of the type section, from the end of the header. */
  readonly typeOff: number;
  /** Length of the type section in bytes. */
  readonly typeLen: number;
  /** Offset of the string section, from the end of the header. */
  readonly strOff: number;
  /** Length of the string section in bytes. */
  readonly strLen: number;
  /** Offset of the layout section; present when `hdrLen >= 32`. */
  readonly layoutOff?: number;
  /** Length of the layout section; present when `hdrLen >= 32`. */
  readonly layoutLen?: number;
}

/** A decoded header and the byte order its magic revealed. */
export interface DecodedHeader {
  /** The header fields. */
  readonly header: BtfHeader;
  /** Whether the blob is little-endian. */
  readonly littleEndian: boolean;
}

/**
 * Detects a BTF blob's byte order from its magic.
 * @returns true for little-endian, false for big-endian, undefined when there is no magic
 */
export function detectByteOrder(bytes: Uint8Array): boolean | undefined {
  if (bytes.byteLength < 2) return undefined;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return true;
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return false;
  return undefined;
}

/**
 * Decodes and validates the header of a BTF blob: magic in either byte order, version 1,
 * flags 0, `hdr_len` at least 24 and inside the blob, bytes past the known header zero,
 * every section inside the blob and no two sections overlapping.
 * @throws FormatError naming the offset of the first problem
 */
export function decodeHeader(bytes: Uint8Array): DecodedHeader {
  const littleEndian = detectByteOrder(bytes);
  if (littleEndian === undefined) {
    if (bytes.byteLength < 2) {
      throw new FormatError(`btf: offset 0: blob of ${bytes.byteLength} bytes has no magic`, {
        offset: 0,
      });
    }
    const got = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
    throw new FormatError(`btf: offset 0: bad magic 0x${got.toString(16).padStart(4, '0')}`, {
      offset: 0,
    });
  }
  const r = new ByteReader(bytes, littleEndian);
  r.need(BTF_HEADER_SIZE, 'header', 0);
  r.pos = 2;
  const version = r.u8();
  if (version !== BTF_VERSION) {
    throw new FormatError(`btf: offset 2: unsupported version ${version}`, { offset: 2 });
  }
  const flags = r.u8();
  if (flags !== 0) {
    throw new FormatError(`btf: offset 3: unsupported flags 0x${flags.toString(16)}`, {
      offset: 3,
    });
  }
  const hdrLen = r.u32();
  if (hdrLen < BTF_HEADER_SIZE) {
    throw new FormatError(`btf: offset 4: hdr_len ${hdrLen} is shorter than ${BTF_HEADER_SIZE}`, {
      offset: 4,
    });
  }
  if (hdrLen > bytes.byteLength) {
    throw new FormatError(
      `btf: offset 4: hdr_len ${hdrLen} is past the end of the ${bytes.byteLength}-byte blob`,
      { offset: 4 },
    );
  }
  const typeOff = r.u32();
  const typeLen = r.u32();
  const strOff = r.u32();
  const strLen = r.u32();
  let header: BtfHeader = {
    magic: BTF_MAGIC,
    version,
    flags,
    hdrLen,
    typeOff,
    typeLen,
    strOff,
    strLen,
  };
  let known = BTF_HEADER_SIZE;
  if (hdrLen >= BTF_HEADER_SIZE_LAYOUT) {
    const layoutOff = r.u32();
    const layoutLen = r.u32();
    header = { ...header, layoutOff, layoutLen };
    known = BTF_HEADER_SIZE_LAYOUT;
  }
  for (let i = known; i < hdrLen; i++) {
    if (bytes[i] !== 0) {
      throw new FormatError(`btf: offset ${i}: non-zero byte in the unknown part of the header`, {
        offset: i,
      });
    }
  }
  checkSections(header, bytes.byteLength);
  return { header, littleEndian };
}

function checkSections(h: BtfHeader, total: number): void {
  const body = total - h.hdrLen;
  const sections: { name: string; off: number; len: number; field: number }[] = [
    { name: 'type', off: h.typeOff, len: h.typeLen, field: 8 },
    { name: 'string', off: h.strOff, len: h.strLen, field: 16 },
  ];
  if (h.layoutOff !== undefined && h.layoutLen !== undefined) {
    sections.push({ name: 'layout', off: h.layoutOff, len: h.layoutLen, field: 24 });
  }
  for (const s of sections) {
    if (s.off + s.len > body) {
      throw new FormatError(
        `btf: offset ${s.field}: ${s.name} section [${s.off}, ${s.off + s.len}) is past the end of the ${body}-byte body`,
        { offset: s.field },
      );
    }
  }
  if (h.typeOff % 4 !== 0) {
    throw new FormatError(`btf: offset 8: type section offset ${h.typeOff} is not 4-byte aligned`, {
      offset: 8,
    });
  }
  if (h.layoutOff !== undefined && h.layoutLen !== undefined && h.layoutLen > 0) {
    if (h.layoutOff % 4 !== 0) {
      throw new FormatError(
        `btf: offset 24: layout section offset ${h.layoutOff} is not 4-byte aligned`,
        { offset: 24 },
      );
    }
  }
  const nonEmpty = sections.filter((s) => s.len > 0).sort((a, b) => a.off - b.off);
  for (let i = 1; i < nonEmpty.length; i++) {
    const prev = nonEmpty[i - 1]!;
    const cur = nonEmpty[i]!;
    if (prev.off + prev.len > cur.off) {
      throw new FormatError(
        `btf: offset ${cur.field}: ${cur.name} section at ${cur.off} overlaps the ${prev.name} section [${prev.off}, ${prev.off + prev.len})`,
        { offset: cur.field },
      );
    }
  }
}

/**
 * Encodes a header. A header with `layoutOff`/`layoutLen` is written as 32 bytes unless
 * `hdrLen` says otherwise; bytes past the known fields are zero.
 */
export function encodeHeader(header: BtfHeader, littleEndian: boolean): Uint8Array {
  const hasLayout = header.layoutOff !== undefined || header.layoutLen !== undefined;
  const minLen = hasLayout ? BTF_HEADER_SIZE_LAYOUT : BTF_HEADER_SIZE;
  const hdrLen = Math.max(header.hdrLen, minLen);
  const w = new ByteWriter(littleEndian, hdrLen);
  w.u16(BTF_MAGIC);
  w.u8(header.version);
  w.u8(header.flags);
  w.u32(hdrLen);
  w.u32(header.typeOff);
  w.u32(header.typeLen);
  w.u32(header.strOff);
  w.u32(header.strLen);
  if (hasLayout) {
    w.u32(header.layoutOff ?? 0);
    w.u32(header.layoutLen ?? 0);
  }
  w.zeros(hdrLen - w.length);
  return w.finish();
}
