import type { RawBtf } from '@btfkit/wire';
import type { Type } from './types.js';

/**
 * The blob a decoded type came from, as a {@link Builder} uses it: a decoded type already
 * knows its ID there, and its record holds the string offsets of its names, so a Builder can
 * find both by array index instead of hashing the object or its names. A Spec's decoder
 * fits this interface.
 */
export interface TypeSource {
  /** The blob the types were decoded from. */
  readonly raw: RawBtf;
  /**
   * The ID of `type` when this source decoded it and still holds that object for the ID,
   * else undefined; cheap (no hashing), since the Builder asks it for every reference.
   */
  idOf(type: Type): number | undefined;
}

/** Finds the source of a decoded type; see {@link setTypeSourceLookup}. */
export type TypeSourceLookup = (type: Type) => TypeSource | undefined;

/** The decoder a decoded type carries: the one that made it, or was seeded with its copy. */
export const decoderOf: TypeSourceLookup = (type) => type._src;

let lookup: TypeSourceLookup | undefined = decoderOf;

/**
 * Replaces how the Builder finds the {@link TypeSource} of a type ({@link decoderOf} by
 * default); undefined makes every type take the hashed path, which gives the same output,
 * only slower. For tests that compare the two paths.
 */
export function setTypeSourceLookup(fn: TypeSourceLookup | undefined): void {
  lookup = fn;
}

/**
 * The source that decoded `type`, or undefined for hand-built or copied types (and for every
 * type when no lookup is registered).
 */
export function typeSourceOf(type: Type): TypeSource | undefined {
  return lookup === undefined ? undefined : lookup(type);
}
