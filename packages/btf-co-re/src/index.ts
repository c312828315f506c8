export { type CoreErrorReason, CoreRelocationError } from './errors.js';
export type {
  CoreAccessor,
  CoreAccessPath,
  CoreFixup,
  CoreInstructionResult,
  CoreRelocation,
  CoreResult,
} from './result.js';
