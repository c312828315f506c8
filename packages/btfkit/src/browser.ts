/**
 * The parts of btfkit that run anywhere JavaScript runs (browsers included): the wire codec,
 * the type graph and Spec, ELF loading from bytes. No Node built-in, no kernel access.
 */
import {
  loadSpecAndExtInfos as loadElfSpecAndExtInfos,
  loadSpec as loadSpecFromElfOrRaw,
  type SpecAndExtInfos,
} from '@btfkit/elf';
import type { Spec } from '@btfkit/types';

export * from '@btfkit/co-re';
export * from '@btfkit/elf';
export * from '@btfkit/types';
// Both types and elf name their depth limit so; the Spec's is the one users meet.
export { MAX_RESOLVE_DEPTH } from '@btfkit/types';
export * from '@btfkit/wire';

/** Options for the loaders that take split BTF. */
export interface LoadOptions {
  /** The base Spec of split BTF (a kernel module's over vmlinux's). */
  readonly base?: Spec;
}

/**
 * Loads a Spec from bytes holding raw BTF or an ELF object: cilium/ebpf's
 * `LoadSpecFromReader`. ELF DATASECs are fixed up as libbpf does on open.
 * @throws FormatError for malformed input; NotFoundError for an ELF file without `.BTF`
 */
export function loadSpecFromBytes(bytes: Uint8Array, options: LoadOptions = {}): Spec {
  return loadSpecFromElfOrRaw(bytes, options);
}

/**
 * Loads split BTF (raw or in an ELF `.ko`) over a base Spec: cilium/ebpf's
 * `LoadSplitSpecFromReader`. IDs and string offsets continue the base's.
 * @throws as {@link loadSpecFromBytes}
 */
export function loadSplitSpecFromBytes(bytes: Uint8Array, base: Spec): Spec {
  return loadSpecFromElfOrRaw(bytes, { base });
}

/**
 * Loads the Spec and the `.BTF.ext` infos (func infos, line infos, CO-RE relocations per
 * ELF section, resolved against the Spec) of an ELF object's bytes: cilium/ebpf's
 * `LoadSpecAndExtInfosFromReader`.
 * @throws as {@link loadSpecFromBytes}
 */
export function loadSpecAndExtInfosFromBytes(
  bytes: Uint8Array,
  options: LoadOptions = {},
): SpecAndExtInfos {
  return loadElfSpecAndExtInfos(bytes, options);
}
