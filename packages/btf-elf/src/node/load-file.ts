import type { Spec } from '@btfkit/types';
import { openFile } from '@btfkit/wire/node';
import type { ElfOpenOptions } from '../elf-file.js';
import { type LoadSpecOptions, loadSpecFromBytes } from '../load-spec.js';
import { loadSpecAndExtInfosFromBytes, type SpecAndExtInfos } from '../resolve-ext-infos.js';

/**
 * Loads a Spec from a file holding raw BTF or an ELF file (object, `vmlinux`, `.ko` with
 * `base`), gzipped or not: cilium/ebpf's `LoadSpec`. An ELF file is read only in the parts
 * that matter.
 * @throws NotFoundError, FormatError as {@link loadSpecFromBytes}; Error from `fs` when the
 *   file cannot be read
 */
export function loadSpec(path: string, options: LoadSpecOptions = {}): Spec {
  const file = openFile(path);
  try {
    return loadSpecFromBytes(file, options);
  } finally {
    file.close();
  }
}

/**
 * Loads split BTF from a file (raw, or a `.ko`) over a base Spec: cilium/ebpf's
 * `LoadSplitSpec`.
 * @throws as {@link loadSpec}
 */
export function loadSplitSpec(path: string, base: Spec, options: ElfOpenOptions = {}): Spec {
  return loadSpec(path, { ...options, base });
}

/**
 * Loads the Spec and resolved `.BTF.ext` infos of an ELF object file, as
 * {@link loadSpecAndExtInfosFromBytes} does from bytes.
 * @throws as {@link loadSpecAndExtInfosFromBytes}; Error from `fs` when the file cannot be read
 */
export function loadSpecAndExtInfos(path: string, options: LoadSpecOptions = {}): SpecAndExtInfos {
  const file = openFile(path);
  try {
    return loadSpecAndExtInfosFromBytes(file, options);
  } finally {
    file.close();
  }
}
