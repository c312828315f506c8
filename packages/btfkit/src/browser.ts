/**
 * btfkit's top level where JavaScript runs without Node (browsers included): the type graph
 * and Spec, and the loaders that take bytes. No Node built-in, no kernel access. Each layer's
 * whole API is a subpath: `btfkit/wire`, `btfkit/types`, `btfkit/elf`, `btfkit/co-re`.
 */

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
export * from '@btfkit/types';
