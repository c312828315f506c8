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

/** What a {@link CoreRelocationError} is about. */
export interface CoreRelocationErrorDetails {
  /** The failing relocation. */
  readonly relocation: CoreRelocation;
  /** The class of failure. */
  readonly reason: CoreErrorReason;
}

/**
 * A CO-RE relocation that stops the load. The message names the section, the instruction
 * (index and byte offset), the relocation's index and its access string, as libbpf's log
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
   * @param message - the whole message (see {@link coreRelocationMessage})
   * @param details - the relocation and the class of failure
   */
  constructor(message: string, details: CoreRelocationErrorDetails, options?: ErrorOptions) {
    super(message, options);
    const r = details.relocation;
    this.section = r.section;
    this.insnOff = r.insnOff;
    this.index = r.index;
    this.accessString = r.accessString;
    this.kind = r.kind;
    this.reason = details.reason;
  }
}

Object.defineProperty(CoreRelocationError.prototype, 'name', {
  value: 'CoreRelocationError',
  writable: true,
  configurable: true,
});

/**
 * The message of a {@link CoreRelocationError}:
 * `co-re: section S: insn #N (offset O): relo #I 'ACCESS': DETAIL`.
 */
export function coreRelocationMessage(relocation: CoreRelocation, detail: string): string {
  const r = relocation;
  return `co-re: section ${r.section}: insn #${r.insnOff / 8} (offset ${r.insnOff}): relo #${r.index} '${r.accessString}': ${detail}`;
}

/** @internal A {@link CoreRelocationError} for a relocation and what went wrong. */
export function relocationError(
  relocation: CoreRelocation,
  reason: CoreErrorReason,
  detail: string,
  options?: ErrorOptions,
): CoreRelocationError {
  return new CoreRelocationError(
    coreRelocationMessage(relocation, detail),
    { relocation, reason },
    options,
  );
}
