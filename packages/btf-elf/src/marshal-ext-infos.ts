import type { ByteOrder, Spec } from '@btfkit/types';
import {
  encodeFuncInfos,
  encodeLineInfos,
  FormatError,
  FUNC_INFO_SIZE,
  type FuncInfoRecord,
  LINE_INFO_SIZE,
  type LineInfoRecord,
  NotFoundError,
} from '@btfkit/wire';
import type { RawLineInfo } from './ext-infos.js';
import type { FuncInfo } from './resolve-ext-infos.js';

/** The size of one BPF instruction: `.BTF.ext` counts bytes, `BPF_PROG_LOAD` instructions. */
const INSN_SIZE = 8;

/** The func and line infos of (a range of) one ELF section: a {@link SectionExtInfos} fits. */
export interface ProgramExtInfos {
  /** The section's func infos, at byte offsets into the section, FUNCs as Spec types. */
  readonly funcInfos: readonly FuncInfo[];
  /** The section's line infos, at byte offsets into the section, as `.BTF.ext` has them. */
  readonly lineInfos: readonly RawLineInfo[];
}

/**
 * One piece of a program as it is loaded: the instructions `[start, end)` of an ELF section
 * placed at instruction index `at` of the program. A program whose section calls functions
 * in `.text` is loaded as two pieces: its own section at 0, `.text` after it.
 */
export interface ExtInfoPart {
  /** The section's ext infos; only records in `[start, end)` are used. */
  readonly infos: ProgramExtInfos;
  /** Byte offset in the section of the piece's first instruction; 0 when absent. */
  readonly start?: number;
  /** Byte offset in the section just past the piece's last instruction; unbounded when absent. */
  readonly end?: number;
  /** Instruction index in the loaded program of the piece's first instruction; 0 when absent. */
  readonly at?: number;
}

/** Options for {@link marshalExtInfos}. */
export interface MarshalExtInfosOptions {
  /** The byte order of the records; defaults to the Spec's (the kernel wants the host's). */
  readonly byteOrder?: ByteOrder;
}

/** Func and line infos as `BPF_PROG_LOAD` takes them (`func_info`, `line_info` and their sizes). */
export interface MarshalledExtInfos {
  /** `struct bpf_func_info` records back to back: instruction index, FUNC type ID. */
  readonly funcInfo: Uint8Array;
  /** `func_info_rec_size`: {@link FUNC_INFO_SIZE}, the kernel's `sizeof(struct bpf_func_info)`. */
  readonly funcInfoRecSize: number;
  /** `func_info_cnt`. */
  readonly funcInfoCount: number;
  /** `struct bpf_line_info` records back to back: instruction index, string offsets, line and column. */
  readonly lineInfo: Uint8Array;
  /** `line_info_rec_size`: {@link LINE_INFO_SIZE}, the kernel's `sizeof(struct bpf_line_info)`. */
  readonly lineInfoRecSize: number;
  /** `line_info_cnt`. */
  readonly lineInfoCount: number;
}

/**
 * Marshals func and line infos for `BPF_PROG_LOAD`: cilium/ebpf's `MarshalExtInfos`. Each
 * record's byte offset in its ELF section becomes an instruction index in the loaded program
 * (see {@link ExtInfoPart}); FUNC type IDs and the file name and line text string offsets are
 * those of `btf`, the BTF loaded as the program's `prog_btf_fd`. `Spec.marshal` keeps a Spec's
 * type IDs and string offsets, so `btf` is usually the object's own Spec, loaded as it is.
 * Records come out in the order of the parts' `at`, then as they are in each part; the kernel
 * wants instruction indexes strictly increasing and the first function at index 0.
 * @param parts - one section's infos (placed at 0), or the pieces of the program
 * @throws FormatError when a record's offset is not a multiple of 8 bytes, or the index does
 *   not fit 32 bits
 * @throws NotFoundError when a FUNC is not a type of `btf`, or a file name or line text is not
 *   in its string table
 */
export function marshalExtInfos(
  parts: ProgramExtInfos | readonly ExtInfoPart[],
  btf: Spec,
  options: MarshalExtInfosOptions = {},
): MarshalledExtInfos {
  const list: readonly ExtInfoPart[] = isPartList(parts) ? parts : [{ infos: parts }];
  const ordered = list
    .map((part, i) => ({ part, i }))
    .sort((a, b) => (a.part.at ?? 0) - (b.part.at ?? 0) || a.i - b.i)
    .map((e) => e.part);
  let strings: Map<string, number> | undefined;
  const stringOffset = (s: string, what: string, where: string): number => {
    strings ??= btf.raw.strings.offsetsByString();
    const off = strings.get(s);
    if (off === undefined) {
      throw new NotFoundError(`btf.ext: ${where}: ${what} '${s}' is not in the BTF's strings`);
    }
    return off;
  };
  const funcs: FuncInfoRecord[] = [];
  const lines: LineInfoRecord[] = [];
  for (const part of ordered) {
    const start = part.start ?? 0;
    const end = part.end ?? Number.POSITIVE_INFINITY;
    const at = part.at ?? 0;
    const insn = (insnOff: number, what: string): number => {
      if (insnOff % INSN_SIZE !== 0) {
        throw new FormatError(
          `btf.ext: ${what} at insn offset ${insnOff}: not a multiple of ${INSN_SIZE} bytes`,
        );
      }
      const index = at + (insnOff - start) / INSN_SIZE;
      if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
        throw new FormatError(
          `btf.ext: ${what} at insn offset ${insnOff}: instruction index ${index} does not fit 32 bits`,
        );
      }
      return index;
    };
    for (const fi of part.infos.funcInfos) {
      if (fi.insnOff < start || fi.insnOff >= end) continue;
      funcs.push({ insnOff: insn(fi.insnOff, 'func info'), typeID: btf.typeID(fi.func) });
    }
    for (const li of part.infos.lineInfos) {
      if (li.insnOff < start || li.insnOff >= end) continue;
      const where = `line info at insn offset ${li.insnOff}`;
      lines.push({
        insnOff: insn(li.insnOff, 'line info'),
        fileNameOff: stringOffset(li.fileName, 'file name', where),
        lineOff: stringOffset(li.lineText, 'line text', where),
        line: li.line,
        column: li.column,
      });
    }
  }
  const le = (options.byteOrder ?? btf.byteOrder) === 'little';
  return {
    funcInfo: encodeFuncInfos(funcs, le),
    funcInfoRecSize: FUNC_INFO_SIZE,
    funcInfoCount: funcs.length,
    lineInfo: encodeLineInfos(lines, le),
    lineInfoRecSize: LINE_INFO_SIZE,
    lineInfoCount: lines.length,
  };
}

function isPartList(p: ProgramExtInfos | readonly ExtInfoPart[]): p is readonly ExtInfoPart[] {
  return Array.isArray(p);
}
