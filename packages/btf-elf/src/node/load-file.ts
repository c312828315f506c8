import type { Spec } from '@btfkit/types';
import { type LoadSpecOptions, loadSpec } from '../load-spec.js';
import { loadSpecAndExtInfos, type SpecAndExtInfos } from '../resolve-ext-infos.js';
import { fileSource } from './file-source.js';

/**
 * Loads a Spec from a file holding raw BTF or an ELF file (object, `vmlinux`, `.ko` with
 * `base`); an ELF file is read only in the parts that matter.
 * @throws NotFoundError, FormatError as {@link loadSpec}; Error from `fs` when the file
 *   cannot be read
 */
export function loadSpecFromFile(path: string, options: LoadSpecOptions = {}): Spec {
  const file = fileSource(path);
  try {
    return loadSpec(file, options);
  } finally {
    file.close();
  }
}

/**
 * Loads the Spec and resolved `.BTF.ext` infos of an ELF object file.
 * @throws as {@link loadSpecAndExtInfos}; Error from `fs` when the file cannot be read
 */
export function loadSpecAndExtInfosFromFile(
  path: string,
  options: LoadSpecOptions = {},
): SpecAndExtInfos {
  const file = fileSource(path);
  try {
    return loadSpecAndExtInfos(file, options);
  } finally {
    file.close();
  }
}
