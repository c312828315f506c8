/**
 * btfkit: the BTF (BPF Type Format) toolkit for TypeScript. This entry adds what needs Node
 * to the browser-safe entry: loading from paths and the kernel (bpf(2) through koffi, which
 * is loaded only when a kernel function is first called).
 */
import type { SpecAndExtInfos } from '@btfkit/elf';
import { loadSpecAndExtInfosFromFile } from '@btfkit/elf/node';
import { loadSpecFromFile } from '@btfkit/kernel';
import type { Spec } from '@btfkit/types';
import {
  type LoadOptions,
  loadSpecAndExtInfosFromBytes,
  loadSplitSpecFromBytes,
} from './browser.js';

// The browser entry's contents, re-exported one package at a time: bundlers keep top-level
// `export *` of a dependency, but not one nested behind a local module.
export * from '@btfkit/co-re';
export * from '@btfkit/elf';
export { type FileSource, fileSource } from '@btfkit/elf/node';
export {
  BPF_CMD,
  BPF_SYSCALL_NUMBERS,
  BTF_FEATURES,
  type BtfFeature,
  type BtfFeatureName,
  type Capability,
  DEFAULT_MAX_LOG_SIZE,
  featureProbeBlob,
  findVMLinux,
  flushKernelSpecCache,
  Handle,
  type HandleInfo,
  haveBTF,
  haveDatasec,
  haveDeclTags,
  haveEnum64,
  haveFloat,
  haveFuncLinkage,
  haveMapBTF,
  haveProgBTF,
  haveQmarkDatasec,
  haveTypeTags,
  iterateHandles,
  type KernelModuleSpecOptions,
  type KernelSpecOptions,
  kernelFeatures,
  kernelMarshalOptions,
  type LoadOptions as HandleLoadOptions,
  listHandleInfos,
  loadKernelModuleSpec,
  loadKernelSpec,
  MIN_LOG_SIZE,
  mapSysfsFile,
  PermissionError,
  probeFeature,
  SYSFS_BTF_DIR,
  SyscallError,
  VerifierError,
  VMLINUX_SEARCH_PATHS,
  vmlinuxSearchPaths,
} from '@btfkit/kernel';
export * from '@btfkit/types';
export { MAX_RESOLVE_DEPTH } from '@btfkit/types';
export * from '@btfkit/wire';
export {
  type LoadOptions,
  loadSpecAndExtInfosFromBytes,
  loadSpecFromBytes,
  loadSplitSpecFromBytes,
} from './browser.js';

/**
 * Loads a Spec from a file holding raw BTF (`/sys/kernel/btf/vmlinux`, pahole output) or an
 * ELF object, image or module: cilium/ebpf's `LoadSpec`. An ELF file is read only in the
 * parts that matter. A sysfs file that can be mapped (`/sys/kernel/btf/vmlinux` since Linux
 * 6.16) is mapped read-only instead of read (see `mapSysfsFile`): writing into the Spec's
 * `raw.bytes` then kills the process.
 * @throws FormatError for malformed input; NotFoundError for an ELF file without `.BTF`
 */
export function loadSpec(path: string, options: LoadOptions = {}): Spec {
  return loadSpecFromFile(path, options.base);
}

/**
 * Loads split BTF from a path or bytes over a base Spec: cilium/ebpf's `LoadSplitSpec`.
 * @throws as {@link loadSpec}
 */
export function loadSplitSpec(input: string | Uint8Array, base: Spec): Spec {
  if (typeof input !== 'string') return loadSplitSpecFromBytes(input, base);
  return loadSpecFromFile(input, base);
}

/**
 * Loads the Spec and `.BTF.ext` infos of an ELF object from a path or bytes: cilium/ebpf's
 * `LoadSpecAndExtInfosFromReader`.
 * @throws as {@link loadSpec}
 */
export function loadSpecAndExtInfos(
  input: string | Uint8Array,
  options: LoadOptions = {},
): SpecAndExtInfos {
  if (typeof input !== 'string') return loadSpecAndExtInfosFromBytes(input, options);
  return loadSpecAndExtInfosFromFile(input, options);
}
