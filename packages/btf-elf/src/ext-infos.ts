import {
  BPF_CORE_RELO_KIND,
  BTF_KIND,
  type BtfExt,
  decodeBtfExt,
  FormatError,
  kindName,
  type RawBtf,
} from '@btfkit/wire';

/** A function's start, from `.BTF.ext` func info, with its FUNC type's name. */
export interface RawFuncInfo {
  /** Byte offset of the function's first instruction in its ELF section. */
  readonly insnOff: number;
  /** ID of the FUNC type. */
  readonly typeID: number;
  /** The FUNC type's name. */
  readonly name: string;
}

/** The source position of an instruction, from `.BTF.ext` line info. */
export interface RawLineInfo {
  /** Byte offset of the instruction in its ELF section. */
  readonly insnOff: number;
  /** The source file, as the compiler recorded it. */
  readonly fileName: string;
  /** The text of the source line. */
  readonly lineText: string;
  /** The line number, from 1. */
  readonly line: number;
  /** The column, from 1; 0 when unknown. */
  readonly column: number;
}

/** A CO-RE relocation, from `.BTF.ext`. */
export interface RawCoreRelo {
  /** Byte offset of the relocated instruction in its ELF section. */
  readonly insnOff: number;
  /** ID of the local root type. */
  readonly typeID: number;
  /** The access string, such as `0:1:2` (indexes into nested members and arrays). */
  readonly accessString: string;
  /** A `BPF_CORE_RELO_KIND` value. */
  readonly kind: number;
  /** The kind's name, such as `FIELD_BYTE_OFFSET`. */
  readonly kindName: string;
}

/** The `.BTF.ext` records of one ELF section, with names resolved. */
export interface RawSectionExtInfos {
  /** The ELF section's name, such as `xdp` or `.text`. */
  readonly section: string;
  /** The section's function infos. */
  readonly funcInfos: readonly RawFuncInfo[];
  /** The section's line infos. */
  readonly lineInfos: readonly RawLineInfo[];
  /** The section's CO-RE relocations. */
  readonly coreRelos: readonly RawCoreRelo[];
}

const RELO_KIND_NAMES = new Map<number, string>(
  Object.entries(BPF_CORE_RELO_KIND).map(([name, value]) => [value, name]),
);

/** The name of a `BPF_CORE_RELO_KIND` value, or `UNKNOWN(n)`. */
export function coreReloKindName(kind: number): string {
  return RELO_KIND_NAMES.get(kind) ?? `UNKNOWN(${kind})`;
}

/**
 * Decodes `.BTF.ext` and resolves its string offsets and type IDs against the `.BTF` it
 * belongs to: one entry per ELF section, in the order the sections first appear.
 * @param ext - the `.BTF.ext` bytes, or an already decoded {@link BtfExt}
 * @throws FormatError when `.BTF.ext` is malformed, a string offset is outside the string
 *   table, a func info's type is not a FUNC, or a relocation's type does not exist
 */
export function decodeExtInfos(
  ext: Uint8Array | BtfExt,
  btf: RawBtf,
): Map<string, RawSectionExtInfos> {
  const decoded = ext instanceof Uint8Array ? decodeBtfExt(ext, btf.littleEndian) : ext;
  const out = new Map<
    string,
    { funcInfos: RawFuncInfo[]; lineInfos: RawLineInfo[]; coreRelos: RawCoreRelo[] }
  >();
  const str = (off: number, what: string, section?: string): string => {
    const s = btf.strings.tryAt(off);
    if (s === undefined) {
      throw new FormatError(
        `btf.ext: ${section ? `section ${section}: ` : ''}${what} string offset ${off} is outside the string table`,
      );
    }
    return s;
  };
  const entry = (nameOff: number) => {
    const name = str(nameOff, 'section name');
    let e = out.get(name);
    if (!e) {
      e = { funcInfos: [], lineInfos: [], coreRelos: [] };
      out.set(name, e);
    }
    return { name, e };
  };
  for (const sec of decoded.funcInfo.sections) {
    const { name, e } = entry(sec.secNameOff);
    for (const rec of sec.records) {
      const kind = btf.owner(rec.typeID) ? btf.kindOf(rec.typeID) : -1;
      if (kind !== BTF_KIND.FUNC) {
        throw new FormatError(
          `btf.ext: section ${name}: func info at insn offset ${rec.insnOff}: type ${rec.typeID} is ${kind < 0 ? 'not a valid type id' : kindName(kind)}, not FUNC`,
          { typeID: rec.typeID },
        );
      }
      e.funcInfos.push({
        insnOff: rec.insnOff,
        typeID: rec.typeID,
        name: str(btf.nameOffOf(rec.typeID), 'FUNC name', name),
      });
    }
  }
  for (const sec of decoded.lineInfo.sections) {
    const { name, e } = entry(sec.secNameOff);
    for (const rec of sec.records) {
      e.lineInfos.push({
        insnOff: rec.insnOff,
        fileName: str(rec.fileNameOff, 'file name', name),
        lineText: str(rec.lineOff, 'line text', name),
        line: rec.line,
        column: rec.column,
      });
    }
  }
  for (const sec of decoded.coreRelos?.sections ?? []) {
    const { name, e } = entry(sec.secNameOff);
    for (const rec of sec.records) {
      if (rec.typeID !== 0 && !btf.owner(rec.typeID)) {
        throw new FormatError(
          `btf.ext: section ${name}: CO-RE relocation at insn offset ${rec.insnOff}: type ${rec.typeID} is not a valid type id`,
          { typeID: rec.typeID },
        );
      }
      e.coreRelos.push({
        insnOff: rec.insnOff,
        typeID: rec.typeID,
        accessString: str(rec.accessStrOff, 'access string', name),
        kind: rec.kind,
        kindName: coreReloKindName(rec.kind),
      });
    }
  }
  const result = new Map<string, RawSectionExtInfos>();
  for (const [section, e] of out) result.set(section, { section, ...e });
  return result;
}
