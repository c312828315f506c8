export { type Candidate, type CoreTargets, findCandidates } from './candidates.js';
export {
  areMembersCompatible,
  areTypesCompatible,
  checkTypeCompatibility,
  IncompatibleTypesError,
  typesMatch,
} from './compat.js';
export {
  type CoreErrorReason,
  CoreRelocationError,
  type CoreRelocationErrorDetails,
  coreRelocationMessage,
} from './errors.js';
export { type MinimalBtfOptions, minimalBtf, minimalBtfForObjects } from './min-btf.js';
export { POISON_CALL_IMM, patchCoreInstruction } from './patch-insn.js';
export { type CoreRelocateOptions, coreRelocate } from './relocate.js';
export { objectRelocations, type RelocatedObject, relocateObject } from './relocate-object.js';
export type {
  CoreAccessor,
  CoreAccessPath,
  CoreFixup,
  CoreInstructionResult,
  CoreRelocation,
  CoreResult,
} from './result.js';
