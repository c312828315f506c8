/**
 * btfkit: the BTF (BPF Type Format) toolkit for TypeScript. The top level is the everyday
 * API, named after cilium/ebpf's `btf` package: the loaders, the type graph and Spec, the
 * kernel's BTF and handles, CO-RE relocation, and the error family. Each layer's whole API is
 * a subpath: `btfkit/wire`, `btfkit/types`, `btfkit/elf`, `btfkit/co-re`, `btfkit/kernel`.
 * koffi is loaded only when a kernel function is first called.
 */
import { type LoadSpecOptions, loadSpecFromBytes } from '@btfkit/elf';
import { loadSpec as loadSpecFromPath } from '@btfkit/elf/node';
import { mapSysfsFile } from '@btfkit/kernel';
import type { Spec } from '@btfkit/types';

// The same as the browser entry's, listed here again: bundlers keep a top-level `export *`
// of a dependency, but not one nested behind a local module.
export {
  type CoreFixup,
  type CoreRelocation,
  CoreRelocationError,
  type CoreResult,
  type CoreTargets,
  checkTypeCompatibility,
  coreRelocate,
  IncompatibleTypesError,
} from '@btfkit/co-re';
export {
  type CoreRelo,
  type ExtInfoPart,
  type ExtInfos,
  type FuncInfo,
  type LoadSpecOptions,
  loadSpecAndExtInfosFromBytes,
  loadSpecFromBytes,
  loadSplitSpecFromBytes,
  type MarshalledExtInfos,
  marshalExtInfos,
  type SectionExtInfos,
  type SpecAndExtInfos,
  type SpecInput,
} from '@btfkit/elf';
export { loadSpecAndExtInfos } from '@btfkit/elf/node';
export {
  flushKernelSpecCache,
  Handle,
  type HandleInfo,
  iterateHandles,
  type KernelModuleSpecOptions,
  type KernelSpecOptions,
  kernelMarshalOptions,
  listHandleInfos,
  loadKernelModuleSpec,
  loadKernelSpec,
  PermissionError,
  SyscallError,
  VerifierError,
} from '@btfkit/kernel';
export * from '@btfkit/types';

/**
 * Loads a Spec from a file holding raw BTF (`/sys/kernel/btf/vmlinux`, pahole output) or an
 * ELF object, image or module, gzipped or not: cilium/ebpf's `LoadSpec`. An ELF file is
 * read only in the parts that matter. A sysfs file that can be mapped
 * (`/sys/kernel/btf/vmlinux` since Linux 6.16) is mapped read-only instead of read (see
 * `mapSysfsFile` in `btfkit/kernel`): writing into the Spec's `raw.bytes` then kills the
 * process.
 * @throws FormatError for malformed input; NotFoundError for an ELF file without `.BTF`;
 *   Error from `node:fs` when the file cannot be read
 */
export function loadSpec(path: string, options: LoadSpecOptions = {}): Spec {
  const mapped = mapSysfsFile(path);
  return mapped ? loadSpecFromBytes(mapped, options) : loadSpecFromPath(path, options);
}

/**
 * Loads split BTF from a file (raw, or a `.ko`) over a base Spec: cilium/ebpf's
 * `LoadSplitSpec`. IDs and string offsets continue the base's.
 * @throws as {@link loadSpec}
 */
export function loadSplitSpec(path: string, base: Spec): Spec {
  return loadSpec(path, { base });
}
