import type { Spec } from '@btfkit/types';
import type { CoreRelocationError } from './errors.js';

/**
 * One CO-RE relocation record as `.BTF.ext` holds it (`struct bpf_core_relo`), with the ELF
 * section it belongs to and its index there: the input of {@link coreRelocate}.
 */
export interface CoreRelocation {
  /** The ELF section of the relocated instruction, such as `kprobe/do_exit`. */
  readonly section: string;
  /** The record's index among its section's relocations (libbpf's `relo #N`). */
  readonly index: number;
  /** Byte offset of the relocated instruction in its ELF section. */
  readonly insnOff: number;
  /** ID of the local root type, in the object's Spec. */
  readonly typeID: number;
  /** The access string, such as `0:1:2`. */
  readonly accessString: string;
  /** A `BPF_CORE_RELO_KIND` value. */
  readonly kind: number;
}

/** One step of an access path: an accessor of libbpf's `struct bpf_core_spec`. */
export interface CoreAccessor {
  /** The struct or union of a member step; the enum of an enumerator; else the element type. */
  readonly typeID: number;
  /** The member index, array index or enumerator index. */
  readonly index: number;
  /** The member's or enumerator's name; undefined for an array index. */
  readonly name: string | undefined;
}

/**
 * Where a relocation points in one Spec (libbpf's `struct bpf_core_spec`): the root type,
 * the named steps (anonymous members skipped) and the raw indexes (one per access-string
 * element, anonymous members included).
 */
export interface CoreAccessPath {
  /** The Spec the IDs below belong to. */
  readonly spec: Spec;
  /** The root type's ID, before typedefs and qualifiers are skipped. */
  readonly rootTypeID: number;
  /** The named members, array indexes or the enumerator, in order. */
  readonly accessors: readonly CoreAccessor[];
  /** Every index, as in an access string: `[0, 1, 2]` for `0:1:2`. */
  readonly raw: readonly number[];
  /** The bit offset of the selected field from the root (field relocations). */
  readonly bitOffset: number;
}

/**
 * The outcome of one relocation that did not fail: libbpf's `struct bpf_core_relo_res`.
 * A poisoned fixup is not an error: the instruction becomes an invalid call, which the
 * verifier rejects only if the program can reach it.
 */
export interface CoreFixup {
  /** The relocation this fixup is for. */
  readonly relocation: CoreRelocation;
  /** The value the compiler put in the instruction (computed against the object's BTF). */
  readonly localValue: bigint;
  /** The value for the target, as an unsigned 64-bit number. */
  readonly targetValue: bigint;
  /** No candidate has what the relocation needs: the instruction is poisoned. */
  readonly poison: boolean;
  /** Whether the instruction must hold {@link localValue} before it is patched. */
  readonly validate: boolean;
  /** Local field size in bytes for loads and stores (0 when not a field offset). */
  readonly localFieldSize: number;
  /** Target field size in bytes for loads and stores (0 when not a field offset). */
  readonly targetFieldSize: number;
  /** A load or store of the field cannot be resized safely (libbpf's `fail_memsz_adjust`). */
  readonly failMemSizeAdjust: boolean;
  /** Where the relocation points in the object's BTF. */
  readonly local: CoreAccessPath;
  /** Where it points in the matching target; undefined when poisoned or not found. */
  readonly target: CoreAccessPath | undefined;
}

/** The outcome of one relocation: a fixup, or the error libbpf would fail the load with. */
export type CoreResult =
  | {
      /** The relocation succeeded. */
      readonly ok: true;
      /** What to patch into the instruction. */
      readonly fixup: CoreFixup;
    }
  | {
      /** The relocation failed. */
      readonly ok: false;
      /** Why, as libbpf would fail the load. */
      readonly error: CoreRelocationError;
    };

/**
 * One relocation applied to an object's instructions: the outcome, and the instruction
 * bytes after patching (16 bytes for a `ld_imm64`, else 8) when it succeeded.
 */
export interface CoreInstructionResult {
  /** The relocation. */
  readonly relocation: CoreRelocation;
  /** The fixup, or the error that stops the load (calculation or patching). */
  readonly result: CoreResult;
  /** The computed fixup, also when patching the instruction with it failed. */
  readonly fixup: CoreFixup | undefined;
  /** The patched instruction bytes; undefined when the relocation failed. */
  readonly patched: Uint8Array | undefined;
}
