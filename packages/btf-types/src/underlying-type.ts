import { BtfError } from '@btfkit/wire';
import type { Type } from './types.js';

/**
 * How many typedefs, qualifiers and array levels a resolution follows before giving up. The
 * same limit as libbpf's `MAX_RESOLVE_DEPTH`; a longer chain is either a cycle or bogus input.
 */
export const MAX_RESOLVE_DEPTH = 32;

/**
 * The type behind typedefs, qualifiers (`const`, `volatile`, `restrict`) and type tags:
 * `const size_t` resolves to `unsigned long`.
 * @throws BtfError when more than {@link MAX_RESOLVE_DEPTH} levels are followed (a cycle)
 */
export function underlyingType(type: Type): Type {
  let t = type;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        t = t.type;
        break;
      default:
        return t;
    }
  }
  throw new BtfError(
    `btf: ${type.kind} '${type.name}': more than ${MAX_RESOLVE_DEPTH} typedefs and qualifiers (a cycle?)`,
  );
}

/**
 * The type behind qualifiers (`const`, `volatile`, `restrict`) and type tags, stopping at a
 * typedef.
 * @throws BtfError when more than {@link MAX_RESOLVE_DEPTH} qualifiers are followed (a cycle)
 */
export function qualifiedType(type: Type): Type {
  let t = type;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        t = t.type;
        break;
      default:
        return t;
    }
  }
  throw new BtfError(
    `btf: ${type.kind} '${type.name}': more than ${MAX_RESOLVE_DEPTH} qualifiers (a cycle?)`,
  );
}
