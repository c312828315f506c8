import type { RawBtf } from 'btfkit/wire';

/** Every type's name and wire kind, in ID order from 1 (base types first for split BTF). */
export interface TypeList {
  /** Names joined by `\n` (a `\n` inside a name is sent as a space). */
  readonly names: string;
  /** Wire kinds. */
  readonly kinds: Uint8Array;
}

const latin1 = new TextDecoder('latin1');

/**
 * Reads every type's name and kind straight from the records (no type is decoded). A string
 * table that is all ASCII, as every compiler's and pahole's is, is decoded once and sliced;
 * any other goes through the table's own UTF-8 reader name by name. A name offset outside
 * the table reads as `(bad name offset N)`, for the detail view to report properly.
 */
export function listTypes(raw: RawBtf): TypeList {
  const blobs: RawBtf[] = [];
  for (let b: RawBtf | undefined = raw; b; b = b.base) blobs.unshift(b);
  const total = raw.nextTypeID - 1;
  const kinds = new Uint8Array(total);
  const parts: string[] = new Array(total);
  for (const b of blobs) {
    const strings = b.strings;
    const bytes = strings.bytes;
    const ascii = isAscii(bytes);
    const text = ascii ? latin1.decode(bytes) : '';
    const view = b.reader.view;
    const le = b.littleEndian;
    for (let i = 0; i < b.offsets.length; i++) {
      const id = b.firstTypeID + i;
      kinds[id - 1] = b.kinds[i]!;
      const off = view.getUint32(b.offsets[i]!, le);
      let name: string | undefined;
      if (ascii && off >= strings.firstOffset) {
        const at = off - strings.firstOffset;
        if (at < text.length) {
          const end = text.indexOf('\0', at);
          name = text.slice(at, end < 0 ? text.length : end);
        }
      } else {
        name = b.name(off);
      }
      if (name === undefined) name = `(bad name offset ${off})`;
      else if (name.includes('\n')) name = name.replaceAll('\n', ' ');
      parts[id - 1] = name;
    }
  }
  return { names: parts.join('\n'), kinds };
}

function isAscii(bytes: Uint8Array): boolean {
  // Bytes 0x0a (newline) count as non-ASCII here: the joined list separates names with it.
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 0x80 || c === 0x0a) return false;
  }
  return true;
}
