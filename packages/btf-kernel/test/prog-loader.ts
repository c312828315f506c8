// A BPF program loader for the kernel tests only (not public API): BPF_PROG_LOAD with the
// program's BTF, func info and line info; BPF_PROG_TEST_RUN; BPF_OBJ_GET_INFO_BY_FD for the
// prog info. It builds the attrs itself and calls bpf(2) through the package's internal
// syscall layer. ELF handling is the least a test object needs: one program section plus the
// `.text` functions it calls (appended after it, as libbpf does); maps and other relocations
// are refused.
import { constants, endianness } from 'node:os';
import {
  ElfFile,
  type ElfSymbol,
  type ExtInfoPart,
  loadSpecAndExtInfosFromBytes,
  type MarshalledExtInfos,
  marshalExtInfos,
  SHT,
} from '@btfkit/elf';
import { Handle, SyscallError, VerifierError } from '@btfkit/kernel';
import type { Spec } from '@btfkit/types';
import { FormatError, NotSupportedError } from '@btfkit/wire';
import {
  addressOf,
  closeFd,
  ensureFdAboveZero,
  errnoName,
  rawBpf,
  type SyscallResult,
} from '../src/syscall.js';

const LE = endianness() === 'LE';
const { ENOSPC } = constants.errno;

/** `enum bpf_cmd` values this helper uses. */
const CMD = { PROG_LOAD: 5, PROG_TEST_RUN: 10, OBJ_GET_INFO_BY_FD: 15 } as const;

/** `enum bpf_prog_type` values the tests use. */
export const PROG_TYPE = { SOCKET_FILTER: 1, XDP: 6 } as const;

/** `offsetofend(union bpf_attr, log_true_size)` for BPF_PROG_LOAD (Linux 6.4+). */
const PROG_LOAD_ATTR_SIZE = 144;
/** `offsetofend(union bpf_attr, test.batch_size)`, padded to 8. */
const TEST_RUN_ATTR_SIZE = 80;
/** `sizeof(struct bpf_prog_info)` as of Linux 6.x (through `attach_btf_id`). */
const PROG_INFO_SIZE = 232;
const INSN_SIZE = 8;

/** What BPF_PROG_LOAD is given. */
export interface ProgLoadSpec {
  readonly type: number;
  /** The instructions, in the host's byte order. */
  readonly insns: Uint8Array;
  readonly license: string;
  /** Up to 15 characters of `[A-Za-z0-9_.]`. */
  readonly name?: string;
  /** The program's BTF (`prog_btf_fd`); needed with ext infos. */
  readonly btf?: Handle;
  readonly extInfos?: MarshalledExtInfos;
}

/** What BPF_PROG_TEST_RUN returned. */
export interface TestRunResult {
  /** The program's return value. */
  readonly retval: number;
  /** The packet as the program left it. */
  readonly dataOut: Uint8Array;
}

/** The fields of `struct bpf_prog_info` the tests look at, and the records read back. */
export interface ProgInfo {
  readonly type: number;
  readonly id: number;
  readonly name: string;
  /** Bytes of the program after the verifier's rewrites. */
  readonly xlatedProgLen: number;
  /** ID of the program's BTF object. */
  readonly btfId: number;
  readonly nrFuncInfo: number;
  readonly nrLineInfo: number;
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
  /** The kernel's func info records, `funcInfoRecSize` bytes each. */
  readonly funcInfo: Uint8Array;
  /** The kernel's line info records, `lineInfoRecSize` bytes each. */
  readonly lineInfo: Uint8Array;
}

/** A loaded program, held open by its fd. */
export class Program implements Disposable {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  get fd(): number {
    if (this.#fd < 0) throw new Error('prog: used after close');
    return this.#fd;
  }

  /** BPF_PROG_TEST_RUN once with `data` as the packet. */
  testRun(data: Uint8Array, dataOutSize = data.byteLength + 256): TestRunResult {
    const attr = new Uint8Array(TEST_RUN_ATTR_SIZE);
    const v = new DataView(attr.buffer);
    const out = new Uint8Array(dataOutSize);
    v.setUint32(0, this.fd, LE);
    v.setUint32(8, data.byteLength, LE);
    v.setUint32(12, out.byteLength, LE);
    v.setBigUint64(16, addressOf(data), LE);
    v.setBigUint64(24, addressOf(out), LE);
    v.setUint32(32, 1, LE);
    const r = keep([data, out], () => rawBpf(CMD.PROG_TEST_RUN, attr, TEST_RUN_ATTR_SIZE));
    check(r, 'BPF_PROG_TEST_RUN');
    return { retval: v.getUint32(4, LE), dataOut: out.subarray(0, v.getUint32(12, LE)) };
  }

  /** BPF_OBJ_GET_INFO_BY_FD, twice: once for the counts, once with buffers for the records. */
  info(): ProgInfo {
    const first = progInfo(this.fd);
    const fv = new DataView(first.buffer);
    const nrFunc = fv.getUint32(144, LE);
    const nrLine = fv.getUint32(148, LE);
    const funcInfo = new Uint8Array(nrFunc * 8);
    const lineInfo = new Uint8Array(nrLine * 16);
    const info = progInfo(
      this.fd,
      (iv) => {
        iv.setUint32(132, 8, LE);
        iv.setBigUint64(136, addressOf(funcInfo), LE);
        iv.setUint32(144, nrFunc, LE);
        iv.setUint32(148, nrLine, LE);
        iv.setBigUint64(152, addressOf(lineInfo), LE);
        iv.setUint32(172, 16, LE);
      },
      [funcInfo, lineInfo],
    );
    const iv = new DataView(info.buffer);
    const nameBytes = info.subarray(64, 80);
    const nul = nameBytes.indexOf(0);
    return {
      type: iv.getUint32(0, LE),
      id: iv.getUint32(4, LE),
      name: new TextDecoder().decode(nameBytes.subarray(0, nul < 0 ? 16 : nul)),
      xlatedProgLen: iv.getUint32(20, LE),
      btfId: iv.getUint32(128, LE),
      nrFuncInfo: iv.getUint32(144, LE),
      nrLineInfo: iv.getUint32(148, LE),
      funcInfoRecSize: iv.getUint32(132, LE),
      lineInfoRecSize: iv.getUint32(172, LE),
      funcInfo,
      lineInfo,
    };
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function progInfo(fd: number, fill?: (iv: DataView) => void, hold: Uint8Array[] = []): Uint8Array {
  const info = new Uint8Array(PROG_INFO_SIZE);
  fill?.(new DataView(info.buffer));
  const attr = new Uint8Array(16);
  const av = new DataView(attr.buffer);
  av.setUint32(0, fd, LE);
  av.setUint32(4, PROG_INFO_SIZE, LE);
  av.setBigUint64(8, addressOf(info), LE);
  const r = keep([info, ...hold], () => rawBpf(CMD.OBJ_GET_INFO_BY_FD, attr, 16));
  check(r, 'BPF_OBJ_GET_INFO_BY_FD');
  return info;
}

/**
 * BPF_PROG_LOAD. Loads without a log first; when the kernel refuses, loads again with a log
 * (growing to what the kernel reports it needs) and throws a VerifierError carrying it.
 */
export function loadProgram(spec: ProgLoadSpec): Program {
  if (spec.insns.byteLength % INSN_SIZE !== 0) {
    throw new FormatError(`prog: ${spec.insns.byteLength} bytes of instructions is not whole`);
  }
  let r = progLoad(spec);
  if (r.ret >= 0) return new Program(ensureFdAboveZero(r.ret));
  let size = 1 << 20;
  let log = new Uint8Array(0);
  for (let tries = 0; tries < 6; tries++) {
    log = new Uint8Array(size);
    r = progLoad(spec, log);
    if (r.ret >= 0) return new Program(ensureFdAboveZero(r.ret));
    if (r.errno !== ENOSPC) break;
    size = Math.max(size * 4, r.logTrueSize);
  }
  const nul = log.indexOf(0);
  const text = new TextDecoder().decode(log.subarray(0, nul < 0 ? log.byteLength : nul));
  const code = errnoName(r.errno);
  const last = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-2)
    .join(' ');
  throw new VerifierError(`prog: load ${spec.name ?? ''}: ${code}: ${last}`, text, false, r.errno, {
    cause: new SyscallError(`bpf(BPF_PROG_LOAD): ${code}`, 'BPF_PROG_LOAD', r.errno, code),
  });
}

function progLoad(
  spec: ProgLoadSpec,
  log?: Uint8Array,
): SyscallResult & { readonly logTrueSize: number } {
  const attr = new Uint8Array(PROG_LOAD_ATTR_SIZE);
  const v = new DataView(attr.buffer);
  const license = new TextEncoder().encode(`${spec.license}\0`);
  const name = new TextEncoder().encode(spec.name ?? '');
  if (name.byteLength > 15) throw new RangeError(`prog: name '${spec.name}' is over 15 bytes`);
  const ext = spec.extInfos;
  v.setUint32(0, spec.type, LE);
  v.setUint32(4, spec.insns.byteLength / INSN_SIZE, LE);
  v.setBigUint64(8, addressOf(spec.insns), LE);
  v.setBigUint64(16, addressOf(license), LE);
  if (log) {
    v.setUint32(24, 1, LE);
    v.setUint32(28, log.byteLength, LE);
    v.setBigUint64(32, addressOf(log), LE);
  }
  attr.set(name, 48);
  if (spec.btf) v.setUint32(72, spec.btf.fd, LE);
  if (ext && ext.funcInfoCount > 0) {
    v.setUint32(76, ext.funcInfoRecSize, LE);
    v.setBigUint64(80, addressOf(ext.funcInfo), LE);
    v.setUint32(88, ext.funcInfoCount, LE);
  }
  if (ext && ext.lineInfoCount > 0) {
    v.setUint32(92, ext.lineInfoRecSize, LE);
    v.setBigUint64(96, addressOf(ext.lineInfo), LE);
    v.setUint32(104, ext.lineInfoCount, LE);
  }
  const r = keep([spec.insns, license, log, ext?.funcInfo, ext?.lineInfo], () =>
    rawBpf(CMD.PROG_LOAD, attr, PROG_LOAD_ATTR_SIZE),
  );
  return { ...r, logTrueSize: v.getUint32(140, LE) };
}

function check(r: SyscallResult, command: string): void {
  if (r.ret >= 0) return;
  const code = errnoName(r.errno);
  throw new SyscallError(`bpf(${command}): ${code}`, command, r.errno, code);
}

/** Buffers whose addresses are in an attr of a syscall in progress. */
const inFlight: unknown[] = [];

function keep<T>(bufs: unknown[], call: () => T): T {
  inFlight.push(bufs);
  try {
    return call();
  } finally {
    inFlight.pop();
  }
}

/** One program of an ELF object, laid out for BPF_PROG_LOAD, with the ext info pieces. */
export interface ObjectProgram {
  /** The object's Spec: its BTF is the program's BTF, IDs and string offsets unchanged. */
  readonly spec: Spec;
  /** The program section's instructions, then `.text` when the program calls into it. */
  readonly insns: Uint8Array;
  /** Where each piece came from, for {@link marshalExtInfos}. */
  readonly parts: readonly ExtInfoPart[];
}

const BPF_JMP = 0x05;
const BPF_CALL = 0x80;
const BPF_PSEUDO_CALL = 1;

/**
 * Lays out the program in ELF section `section`: its instructions (as `relocate` returns them,
 * e.g. after CO-RE relocation; as in the file otherwise), then all of `.text` when the program
 * calls a function there, with each call's offset rewritten for the new layout. Only
 * relocations of bpf-to-bpf calls are supported (no maps, no globals).
 */
export function layoutProgram(
  object: Uint8Array,
  section: string,
  relocate: (section: string, insns: Uint8Array) => Uint8Array = (_, i) => i,
): ObjectProgram {
  const { spec, extInfos, elf } = loadSpecAndExtInfosFromBytes(object);
  const prog = elf.section(section);
  if (!prog) throw new FormatError(`prog: no section ${section}`);
  const main = copy(relocate(section, elf.sectionData(prog)));
  const symbols = elf.symbolTable();
  const calls = relocations(elf, prog.index);
  const text = elf.section('.text');
  const needsText = calls.length > 0;
  if (needsText && !text) throw new FormatError(`prog: ${section} calls into a missing .text`);
  const textInsns = needsText && text ? copy(relocate('.text', elf.sectionData(text))) : undefined;
  const insns = new Uint8Array(main.byteLength + (textInsns?.byteLength ?? 0));
  insns.set(main, 0);
  if (textInsns) insns.set(textInsns, main.byteLength);
  const mainCount = main.byteLength / INSN_SIZE;
  const iv = new DataView(insns.buffer);
  for (const rel of calls) {
    const sym = symbols[rel.symbol];
    const at = rel.offset;
    if (!sym || !text || sym.sectionIndex !== text.index) {
      throw new NotSupportedError(
        `prog: ${section}: relocation at ${at} against ${symbolName(sym)}: only calls into .text are supported`,
      );
    }
    const code = insns[at];
    const src = (insns[at + 1] ?? 0) >> 4;
    if (code !== (BPF_JMP | BPF_CALL) || src !== BPF_PSEUDO_CALL) {
      throw new NotSupportedError(`prog: ${section}: relocation at ${at} is not a bpf-to-bpf call`);
    }
    const imm = iv.getInt32(at + 4, LE);
    // libbpf: the callee is at st_value / 8 + imm + 1 instructions into .text.
    const target = mainCount + Number(sym.value) / INSN_SIZE + imm + 1;
    iv.setInt32(at + 4, target - (at / INSN_SIZE + 1), LE);
  }
  // Calls inside .text are pc-relative within it and stay valid after the move; anything
  // else there would need relocating.
  const textRelocation = text && textInsns ? relocations(elf, text.index)[0] : undefined;
  if (textRelocation) {
    throw new NotSupportedError(
      `prog: .text: relocation at ${textRelocation.offset} is not supported`,
    );
  }
  const parts: ExtInfoPart[] = [];
  const progInfos = extInfos.get(section);
  if (progInfos) parts.push({ infos: progInfos });
  const textInfos = extInfos.get('.text');
  if (textInsns && textInfos) parts.push({ infos: textInfos, at: mainCount });
  return { spec, insns, parts };
}

function symbolName(sym: ElfSymbol | undefined): string {
  return sym ? `symbol ${sym.name || `#${sym.index}`}` : 'an unknown symbol';
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** The `SHT_REL` entries of the section that applies to section `target`. */
function relocations(elf: ElfFile, target: number): { offset: number; symbol: number }[] {
  const out: { offset: number; symbol: number }[] = [];
  for (const s of elf.sections) {
    if (s.type !== SHT.REL || s.info !== target) continue;
    const data = elf.sectionData(s);
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let o = 0; o + 16 <= data.byteLength; o += 16) {
      const info = v.getBigUint64(o + 8, true);
      out.push({ offset: Number(v.getBigUint64(o, true)), symbol: Number(info >> 32n) });
    }
  }
  return out;
}

/**
 * Loads the program of section `section` of an ELF object the way a loader would: its BTF with
 * `Handle.load`, the ext infos marshalled by btfkit for that BTF, then BPF_PROG_LOAD.
 */
export function loadObjectProgram(
  object: Uint8Array,
  section: string,
  options: {
    readonly type: number;
    readonly name: string;
    readonly relocate?: (section: string, insns: Uint8Array) => Uint8Array;
  },
): { program: Program; btf: Handle; layout: ObjectProgram; extInfos: MarshalledExtInfos } {
  const layout = layoutProgram(object, section, options.relocate);
  const btf = Handle.load(layout.spec);
  try {
    const extInfos = marshalExtInfos(layout.parts, layout.spec);
    const license = licenseOf(object);
    const program = loadProgram({
      type: options.type,
      insns: layout.insns,
      license,
      name: options.name,
      btf,
      extInfos,
    });
    return { program, btf, layout, extInfos };
  } catch (err) {
    btf.close();
    throw err;
  }
}

function licenseOf(object: Uint8Array): string {
  const elf = ElfFile.open(object);
  const s = elf.section('license');
  if (!s) return 'GPL';
  const b = elf.sectionData(s);
  const nul = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, nul < 0 ? b.byteLength : nul));
}
