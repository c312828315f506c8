import {
  type EnumValue,
  type Func,
  type Member,
  type Spec,
  type Type,
  underlyingType,
} from '@btfkit/types';
import { BPF_CORE_RELO_KIND, FormatError, MAX_RESOLVE_DEPTH } from '@btfkit/wire';
import type { ElfFile } from './elf-file.js';
import type { RawLineInfo, RawSectionExtInfos } from './ext-infos.js';
import { decodeExtInfos } from './ext-infos.js';
import { type LoadSpecOptions, loadElfSpec, type SpecInput } from './load-spec.js';

/** A function's start: func info resolved against the Spec. */
export interface FuncInfo {
  /** Byte offset of the function's first instruction in its ELF section. */
  readonly insnOff: number;
  /** The function's FUNC type. */
  readonly func: Func;
}

/** A CO-RE relocation resolved against the Spec. */
export interface CoreRelo {
  /** Byte offset of the relocated instruction in its ELF section. */
  readonly insnOff: number;
  /** The local root type. */
  readonly type: Type;
  /** The access string as in `.BTF.ext`, such as `0:1:2`. */
  readonly accessString: string;
  /** The access string's indexes. */
  readonly accessor: readonly number[];
  /** A `BPF_CORE_RELO_KIND` value. */
  readonly kind: number;
  /** The kind's name, such as `FIELD_BYTE_OFFSET`. */
  readonly kindName: string;
  /**
   * What the access string selects: the last member for field relocations (undefined when
   * the string only indexes the root), the enumerator for enum relocations, undefined for
   * type relocations.
   */
  readonly member: Member | undefined;
  /** What an enum relocation selects: the enumerator; undefined for other kinds. */
  readonly enumValue: EnumValue | undefined;
}

/** The `.BTF.ext` infos of one ELF section, resolved against the Spec. */
export interface SectionExtInfos {
  /** The ELF section's name, such as `xdp` or `.text`. */
  readonly section: string;
  /** The section's function infos, with their FUNCs. */
  readonly funcInfos: readonly FuncInfo[];
  /** The section's line infos. */
  readonly lineInfos: readonly RawLineInfo[];
  /** The section's CO-RE relocations, with what they select. */
  readonly coreRelos: readonly CoreRelo[];
}

/** Ext infos by ELF section name. */
export type ExtInfos = Map<string, SectionExtInfos>;

const FIELD_KINDS = new Set<number>([
  BPF_CORE_RELO_KIND.FIELD_BYTE_OFFSET,
  BPF_CORE_RELO_KIND.FIELD_BYTE_SIZE,
  BPF_CORE_RELO_KIND.FIELD_EXISTS,
  BPF_CORE_RELO_KIND.FIELD_SIGNED,
  BPF_CORE_RELO_KIND.FIELD_LSHIFT_U64,
  BPF_CORE_RELO_KIND.FIELD_RSHIFT_U64,
]);
const ENUM_KINDS = new Set<number>([
  BPF_CORE_RELO_KIND.ENUMVAL_EXISTS,
  BPF_CORE_RELO_KIND.ENUMVAL_VALUE,
]);

/**
 * Resolves decoded ext infos against a Spec: FUNC objects for func infos, and for CO-RE
 * relocations the root type and what the access string selects in it.
 * @throws FormatError when an access string is malformed or indexes past a member list,
 *   an array or an enum
 */
export function resolveExtInfos(
  raw: ReadonlyMap<string, RawSectionExtInfos>,
  spec: Spec,
): ExtInfos {
  const out: ExtInfos = new Map();
  for (const [section, infos] of raw) {
    const funcInfos = infos.funcInfos.map((fi) => {
      const func = spec.typeByID(fi.typeID);
      if (func.kind !== 'func')
        throw new FormatError(`btf.ext: section ${section}: type ${fi.typeID} is not a FUNC`, {
          typeID: fi.typeID,
        });
      return { insnOff: fi.insnOff, func };
    });
    const coreRelos = infos.coreRelos.map((r) => {
      const where = `btf.ext: section ${section}: CO-RE relocation at insn offset ${r.insnOff}`;
      const type = spec.typeByID(r.typeID);
      const accessor = parseAccessString(r.accessString, where);
      const { member, enumValue } = resolveAccessor(type, accessor, r.kind, where);
      return {
        insnOff: r.insnOff,
        type,
        accessString: r.accessString,
        accessor,
        kind: r.kind,
        kindName: r.kindName,
        member,
        enumValue,
      };
    });
    out.set(section, { section, funcInfos, lineInfos: infos.lineInfos, coreRelos });
  }
  return out;
}

function parseAccessString(s: string, where: string): number[] {
  if (!/^\d+(:\d+)*$/.test(s)) throw new FormatError(`${where}: malformed access string '${s}'`);
  return s.split(':').map(Number);
}

function skipQualifiers(t: Type, where: string): Type {
  try {
    return underlyingType(t);
  } catch (cause) {
    throw new FormatError(
      `${where}: more than ${MAX_RESOLVE_DEPTH} typedefs and qualifiers`,
      {},
      { cause },
    );
  }
}

function resolveAccessor(
  root: Type,
  accessor: readonly number[],
  kind: number,
  where: string,
): { member: Member | undefined; enumValue: EnumValue | undefined } {
  if (ENUM_KINDS.has(kind)) {
    const e = skipQualifiers(root, where);
    if (e.kind !== 'enum') throw new FormatError(`${where}: enum relocation on a ${e.kind}`);
    const value = e.values[accessor[0]!];
    if (!value || accessor.length !== 1) {
      throw new FormatError(
        `${where}: access string ${accessor.join(':')} is past the ${e.values.length} values of enum ${e.name}`,
      );
    }
    return { member: undefined, enumValue: value };
  }
  if (!FIELD_KINDS.has(kind)) return { member: undefined, enumValue: undefined };
  let cur = root;
  let member: Member | undefined;
  for (const i of accessor.slice(1)) {
    const t = skipQualifiers(cur, where);
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[i];
      if (!m)
        throw new FormatError(
          `${where}: member ${i} is past the ${t.members.length} members of ${t.kind} ${t.name || '(anon)'}`,
        );
      member = m;
      cur = m.type;
    } else if (t.kind === 'array') {
      if (t.nelems !== 0 && i >= t.nelems)
        throw new FormatError(`${where}: index ${i} is past the ${t.nelems} elements of an array`);
      cur = t.type;
    } else {
      throw new FormatError(`${where}: access string indexes into a ${t.kind}`);
    }
  }
  return { member, enumValue: undefined };
}

/** A Spec with the ext infos of the same ELF object. */
export interface SpecAndExtInfos {
  /** The Spec of the `.BTF` section, DATASECs fixed up. */
  readonly spec: Spec;
  /** Empty when the object has no `.BTF.ext`. */
  readonly extInfos: ExtInfos;
  /** The ELF file it came from. */
  readonly elf: ElfFile;
}

/**
 * Loads the Spec of an ELF object as {@link loadSpecFromBytes} does, and its `.BTF.ext` func
 * infos, line infos and CO-RE relocations, resolved against that Spec: cilium/ebpf's
 * `LoadSpecAndExtInfosFromReader`.
 * @throws as {@link loadSpecFromBytes} and {@link resolveExtInfos}; FormatError for input
 *   that is not ELF
 */
export function loadSpecAndExtInfosFromBytes(
  input: SpecInput,
  options: LoadSpecOptions = {},
): SpecAndExtInfos {
  const { spec, elf, btfExt } = loadElfSpec(input, options);
  const extInfos = btfExt ? resolveExtInfos(decodeExtInfos(btfExt, spec.raw), spec) : new Map();
  return { spec, extInfos, elf };
}
