// Blob builders shared by every package's tests: records by hand, encoded with the strings
// they name. Imported by tests only (never by package sources).
import { BTF_KIND, type BtfRecord, encodeBtf, StringTableBuilder } from '@btfkit/wire';

/** A 4-byte signed INT, the usual first type of a hand-made blob. */
export function intRecord(nameOff: number): BtfRecord {
  return {
    kind: BTF_KIND.INT,
    nameOff,
    kflag: false,
    size: 4,
    encoding: 1,
    bitOffset: 0,
    bits: 32,
  };
}

/** A reference record (pointer, typedef, qualifier, type tag). */
export function refRecord(
  kind:
    | typeof BTF_KIND.PTR
    | typeof BTF_KIND.TYPEDEF
    | typeof BTF_KIND.CONST
    | typeof BTF_KIND.VOLATILE
    | typeof BTF_KIND.RESTRICT
    | typeof BTF_KIND.TYPE_TAG,
  type: number,
  nameOff = 0,
): BtfRecord {
  return { kind, nameOff, kflag: false, type };
}

/**
 * Encodes the records `build` returns into a blob; `name(s)` adds a string to the blob's
 * string table and gives its offset.
 */
export function blob(
  build: (name: (s: string) => number) => Iterable<BtfRecord>,
  littleEndian = true,
): Uint8Array {
  const strings = new StringTableBuilder();
  const records = [...build((s) => strings.add(s))];
  return encodeBtf({ records, strings: strings.finish(), littleEndian });
}
