import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FormatError } from './errors.js';

/**
 * One entry of the BTF layout section: how many bytes follow the 12-byte common part of a
 * type of this kind, and how many more per `vlen` element. The section is an array indexed
 * by kind. It lets a reader skip kinds it does not know (kernels and libbpf from 2026).
 */
export interface KindLayout {
  /** Fixed bytes after `struct btf_type`. */
  readonly infoSize: number;
  /** Bytes per vlen element. */
  readonly elemSize: number;
  /** Flags for this kind; none are defined yet and they are kept as read. */
  readonly flags: number;
}

/** Size of one layout entry on the wire. */
export const KIND_LAYOUT_SIZE = 4;

/**
 * Decodes a layout section.
 * @param base - offset of the section in the blob, for error messages
 * @throws FormatError when the length is not a multiple of 4
 */
export function decodeLayout(bytes: Uint8Array, littleEndian: boolean, base: number): KindLayout[] {
  if (bytes.byteLength % KIND_LAYOUT_SIZE !== 0) {
    throw new FormatError(
      `btf: offset ${base}: layout section length ${bytes.byteLength} is not a multiple of ${KIND_LAYOUT_SIZE}`,
      { offset: base },
    );
  }
  const r = new ByteReader(bytes, littleEndian, base);
  const out: KindLayout[] = [];
  while (r.remaining > 0) {
    const infoSize = r.u8();
    const elemSize = r.u8();
    const flags = r.u16();
    out.push({ infoSize, elemSize, flags });
  }
  return out;
}

/** Encodes a layout section. */
export function encodeLayout(layout: readonly KindLayout[], littleEndian: boolean): Uint8Array {
  const w = new ByteWriter(littleEndian, layout.length * KIND_LAYOUT_SIZE);
  for (const l of layout) {
    w.u8(l.infoSize);
    w.u8(l.elemSize);
    w.u16(l.flags);
  }
  return w.finish();
}
