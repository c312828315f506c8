export { NotSupportedError } from '@btfkit/wire';
export { type Capability, PermissionError, SyscallError, VerifierError } from './errors.js';
export {
  BTF_FEATURES,
  type BtfFeature,
  type BtfFeatureName,
  featureProbeBlob,
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
  kernelFeatures,
  kernelMarshalOptions,
  probeFeature,
} from './feature-probes.js';
export {
  DEFAULT_MAX_LOG_SIZE,
  Handle,
  type HandleInfo,
  type LoadOptions,
  MIN_LOG_SIZE,
} from './handle.js';
export { iterateHandles, listHandleInfos } from './handle-iterator.js';
export {
  findVMLinux,
  flushKernelSpecCache,
  type KernelModuleSpecOptions,
  type KernelSpecOptions,
  loadKernelModuleSpec,
  loadKernelSpec,
  SYSFS_BTF_DIR,
  VMLINUX_SEARCH_PATHS,
  vmlinuxSearchPaths,
} from './kernel-spec.js';
export {
  BPF_CMD,
  type BpfCommand,
  type RawBpf,
  type SyscallHook,
  type SyscallResult,
  setSyscallForTesting,
} from './syscall.js';
export { mapSysfsFile } from './sysfs-map.js';
