import { CoreFail } from './btf-access.js';
import { relocationError } from './errors.js';
import type { CoreFixup } from './result.js';

/** The instruction libbpf puts in place of a poisoned one: `call 0xbad2310` ("bad relo"). */
export const POISON_CALL_IMM = 0xbad2310;

const BPF_LD = 0x00;
const BPF_LDX = 0x01;
const BPF_ST = 0x02;
const BPF_STX = 0x03;
const BPF_ALU = 0x04;
const BPF_ALU64 = 0x07;
const BPF_JMP_CALL = 0x05 | 0x80;
const LD_IMM64 = 0x18;
const SHRT_MAX = 0x7fff;

const SIZE_BYTES: Record<number, number> = { 24: 8, 0: 4, 8: 2, 16: 1 };
const BYTES_SIZE: Record<number, number> = { 8: 0x18, 4: 0x00, 2: 0x08, 1: 0x10 };

/** A view of one 8-byte instruction in either byte order. */
class Insn {
  constructor(
    private readonly view: DataView,
    private readonly at: number,
    private readonly le: boolean,
  ) {}
  get code(): number {
    return this.view.getUint8(this.at);
  }
  set code(v: number) {
    this.view.setUint8(this.at, v);
  }
  get dst(): number {
    const b = this.view.getUint8(this.at + 1);
    return this.le ? b & 0x0f : b >> 4;
  }
  get src(): number {
    const b = this.view.getUint8(this.at + 1);
    return this.le ? b >> 4 : b & 0x0f;
  }
  clearRegs(): void {
    this.view.setUint8(this.at + 1, 0);
  }
  get off(): number {
    return this.view.getInt16(this.at + 2, this.le);
  }
  set off(v: number) {
    this.view.setInt16(this.at + 2, v, this.le);
  }
  get imm(): number {
    return this.view.getInt32(this.at + 4, this.le);
  }
  set imm(v: number) {
    this.view.setInt32(this.at + 4, v | 0, this.le);
  }
}

function poisonInsn(i: Insn): void {
  i.code = BPF_JMP_CALL;
  i.clearRegs();
  i.off = 0;
  i.imm = POISON_CALL_IMM;
}

/** A signed value widened to 64 bits as C converts it for `insn->imm != orig_val`. */
function widen(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/**
 * libbpf's `bpf_core_patch_insn`: applies a fixup to the instruction at byte `insnOff` of
 * `insns` (a program section's bytes, patched in place). Poison turns the instruction (both
 * halves of a `ld_imm64`) into `call 0xbad2310`. ALU/ALU64 take the value as immediate;
 * LDX/ST/STX as offset (and a new memory size when the field's size changed, where libbpf
 * allows it); `ld_imm64` as its 64-bit immediate.
 * @throws CoreFail (`instruction`) where libbpf refuses: another instruction class, a
 *   register source, a value other than the expected local one, an offset over 32767, a
 *   memory size that does not match, a malformed `ld_imm64`
 */
/** @internal */
export function patchInstruction(
  insns: Uint8Array,
  littleEndian: boolean,
  insnOff: number,
  fixup: CoreFixup,
): void {
  const view = new DataView(insns.buffer, insns.byteOffset, insns.byteLength);
  if (insnOff % 8 !== 0 || insnOff + 8 > insns.byteLength) {
    throw new CoreFail(
      'instruction',
      `instruction offset ${insnOff} is not an instruction of the ${insns.byteLength}-byte section`,
    );
  }
  const insn = new Insn(view, insnOff, littleEndian);
  const second = (): Insn => {
    if (insnOff + 16 > insns.byteLength) {
      throw new CoreFail(
        'instruction',
        'ld_imm64 without its second half at the end of the section',
      );
    }
    return new Insn(view, insnOff + 8, littleEndian);
  };
  const poison = (): void => {
    if (insn.code === LD_IMM64) poisonInsn(second());
    poisonInsn(insn);
  };
  if (fixup.poison) {
    poison();
    return;
  }
  const orig = fixup.localValue;
  const val = fixup.targetValue;
  const cls = insn.code & 0x07;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if ((insn.code & 0x08) !== 0)
        throw new CoreFail('instruction', 'ALU instruction with a register source');
      if (fixup.validate && widen(insn.imm) !== orig) {
        throw new CoreFail(
          'instruction',
          `unexpected ALU/ALU64 value: got ${insn.imm >>> 0}, exp ${orig} -> ${val}`,
        );
      }
      insn.imm = Number(BigInt.asIntN(32, val));
      return;
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (fixup.validate && widen(insn.off) !== orig) {
        throw new CoreFail(
          'instruction',
          `unexpected LDX/ST/STX value: got ${insn.off}, exp ${orig} -> ${val}`,
        );
      }
      if (val > BigInt(SHRT_MAX))
        throw new CoreFail('instruction', `LDX/ST/STX offset too big: ${val} (ERANGE)`);
      if (fixup.failMemSizeAdjust) {
        poison();
        return;
      }
      insn.off = Number(val);
      if (fixup.targetFieldSize !== fixup.localFieldSize) {
        const bytes = SIZE_BYTES[insn.code & 0x18];
        if (bytes !== fixup.localFieldSize) {
          throw new CoreFail(
            'instruction',
            `unexpected LDX/ST/STX memory size: got ${bytes ?? -1}, exp ${fixup.localFieldSize}`,
          );
        }
        const size = BYTES_SIZE[fixup.targetFieldSize];
        if (size === undefined) {
          throw new CoreFail(
            'instruction',
            `invalid new LDX/ST/STX memory size: ${fixup.targetFieldSize}`,
          );
        }
        insn.code = (insn.code & 0xe0) | size | cls;
      }
      return;
    }
    case BPF_LD: {
      const hi = insn.code === LD_IMM64 && insnOff + 16 <= insns.byteLength ? second() : undefined;
      if (
        !hi ||
        insn.src !== 0 ||
        insn.off !== 0 ||
        hi.code !== 0 ||
        hi.dst !== 0 ||
        hi.src !== 0 ||
        hi.off !== 0
      ) {
        throw new CoreFail('instruction', 'LDIMM64 instruction has unexpected form');
      }
      const imm = BigInt(insn.imm >>> 0) | (BigInt(hi.imm >>> 0) << 32n);
      if (fixup.validate && imm !== orig) {
        throw new CoreFail(
          'instruction',
          `unexpected LDIMM64 value: got ${imm}, exp ${orig} -> ${val}`,
        );
      }
      insn.imm = Number(BigInt.asIntN(32, val));
      hi.imm = Number(BigInt.asIntN(32, val >> 32n));
      return;
    }
    default:
      throw new CoreFail(
        'instruction',
        `cannot relocate instruction with code 0x${insn.code.toString(16)}`,
      );
  }
}

/**
 * Applies a fixup to its instruction in `insns`, the bytes of the relocation's section
 * (patched in place), as libbpf's `bpf_core_patch_insn` does.
 * @throws CoreRelocationError (reason `instruction`) where libbpf refuses the instruction
 */
export function patchCoreInstruction(
  insns: Uint8Array,
  littleEndian: boolean,
  fixup: CoreFixup,
): void {
  try {
    patchInstruction(insns, littleEndian, fixup.relocation.insnOff, fixup);
  } catch (e) {
    if (e instanceof CoreFail) throw relocationError(fixup.relocation, e.reason, e.message);
    throw e;
  }
}
