import { BtfError, MAX_RESOLVE_DEPTH } from '@btfkit/wire';
import type { Type } from './types.js';

export { MAX_RESOLVE_DEPTH };

const QUALIFIERS: ReadonlySet<Type['kind']> = new Set([
  'const',
  'volatile',
  'restrict',
  'type_tag',
]);
const QUALIFIERS_AND_TYPEDEFS: ReadonlySet<Type['kind']> = new Set([...QUALIFIERS, 'typedef']);

/**
 * Follows `type` while its kind is in `skip`, visiting at most {@link MAX_RESOLVE_DEPTH} types
 * as libbpf's `btf__resolve_type` does.
 */
function skipKinds(type: Type, skip: ReadonlySet<Type['kind']>, what: string): Type {
  let t = type;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    if (!skip.has(t.kind)) return t;
    t = (t as Extract<Type, { kind: 'typedef' }>).type;
  }
  throw new BtfError(
    `btf: ${type.kind} '${type.name}': more than ${MAX_RESOLVE_DEPTH} ${what} (a cycle?)`,
  );
}

/**
 * The type behind typedefs, qualifiers (`const`, `volatile`, `restrict`) and type tags:
 * `const size_t` resolves to `unsigned long`.
 * @throws BtfError when more than {@link MAX_RESOLVE_DEPTH} levels are followed (a cycle)
 */
export function underlyingType(type: Type): Type {
  return skipKinds(type, QUALIFIERS_AND_TYPEDEFS, 'typedefs and qualifiers');
}

/**
 * The type behind qualifiers (`const`, `volatile`, `restrict`) and type tags, stopping at a
 * typedef.
 * @throws BtfError when more than {@link MAX_RESOLVE_DEPTH} qualifiers are followed (a cycle)
 */
export function qualifiedType(type: Type): Type {
  return skipKinds(type, QUALIFIERS, 'qualifiers');
}
