import { BtfError } from '@btfkit/wire';
import type { CoreRelocation } from './result.js';

/**
 * Why a relocation fails, as libbpf fails it:
 * - `ambiguous`: two candidates disagree (field offset or value);
 * - `access-string`: the access string does not parse or does not fit the local type;
 * - `instruction`: the instruction cannot take the value (wrong class, unexpected value,
 *   offset out of range, memory size that cannot change);
 * - `unsupported`: an unknown relocation kind, an anonymous local type, a relocation that
 *   cannot be computed (an array-element relocation of a field-only kind, a bitfield no
 *   64-bit load reads);
 * - `type`: a type the computation needs is malformed (a size that does not resolve, a
 *   qualifier cycle).
 */
export type CoreErrorReason =
  | 'ambiguous'
  | 'access-string'
  | 'instruction'
  | 'unsupported'
  | 'type';

/**
 * A CO-RE relocation that stops the load. The message names the section, the instruction
 * (byte offset and index), the relocation's index and its access string, as libbpf's log
 * does; the same facts are fields.
 */
export class CoreRelocationError extends BtfError {
  /** The ELF section of the instruction. */
  readonly section: string;
  /** Byte offset of the instruction in the section. */
  readonly insnOff: number;
  /** The relocation's index among its section's relocations. */
  readonly index: number;
  /** The relocation's access string. */
  readonly accessString: string;
  /** The relocation's kind (`BPF_CORE_RELO_KIND`). */
  readonly kind: number;
  /** What went wrong. */
  readonly reason: CoreErrorReason;

  /**
   * @param relocation - the failing relocation
   * @param reason - the class of failure
   * @param detail - what happened, such as `field offset ambiguity: 32 != 64`
   */
  constructor(
    relocation: CoreRelocation,
    reason: CoreErrorReason,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `co-re: section ${relocation.section}: insn #${relocation.insnOff / 8} (offset ${relocation.insnOff}): relo #${relocation.index} '${relocation.accessString}': ${detail}`,
      options,
    );
    this.section = relocation.section;
    this.insnOff = relocation.insnOff;
    this.index = relocation.index;
    this.accessString = relocation.accessString;
    this.kind = relocation.kind;
    this.reason = reason;
  }
}

Object.defineProperty(CoreRelocationError.prototype, 'name', {
  value: 'CoreRelocationError',
  writable: true,
  configurable: true,
});
