import type { Spec } from '../spec.js';
import type { Type } from '../types.js';
import { qualifiedType } from '../underlying-type.js';

/**
 * Words a generated declaration cannot be named: JavaScript's reserved words, TypeScript's
 * predefined type names, the globals the generated code uses and the codecs' parameter names
 * (`view`, `offset`, `value`, `count`). A C name among them gets a
 * `$` appended (`$` never occurs in a C identifier, so the result cannot clash).
 */
const RESERVED: ReadonlySet<string> = new Set([
  // ECMAScript reserved words, also in strict mode and modules.
  ...'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
  // TypeScript type names that a type alias may not take.
  ...'any bigint boolean never number object string symbol undefined unknown'.split(' '),
  // Globals the generated module refers to, and the codecs' parameter names.
  ...'Array BigInt DataView Number RangeError Uint8Array arguments eval globalThis'.split(' '),
  ...'view offset value count'.split(' '),
]);

/** The kinds that get a declaration of their own in the generated module. */
export type NamedKind = 'struct' | 'union' | 'enum' | 'typedef';

function isNamedKind(kind: Type['kind']): kind is NamedKind {
  return kind === 'struct' || kind === 'union' || kind === 'enum' || kind === 'typedef';
}

/**
 * A typedef that names the tag type of its own name (`typedef struct foo foo;`): it adds no
 * declaration of its own, references to it use the tag type's.
 */
export function isTransparentTypedef(t: Type): boolean {
  if (t.kind !== 'typedef') return false;
  const target = qualifiedType(t.type);
  return (
    (target.kind === 'struct' || target.kind === 'union' || target.kind === 'enum') &&
    target.name === t.name
  );
}

/**
 * Names declarations deterministically from the whole Spec, not from what is generated, so
 * that a type gets the same name whichever types are asked for:
 *
 * - a struct, union or enum keeps its C name; several of them with one name (possible in
 *   BTF merged from many compilation units) are numbered in type ID order: `foo`, `foo$2`, …
 * - a typedef keeps its name unless a struct, union or enum has it too; then it is
 *   `foo$typedef` (numbered likewise when there are several);
 * - a typedef of the tag type of its own name is that type ({@link isTransparentTypedef});
 * - a reserved word gets `$` appended ({@link RESERVED}).
 *
 * `$` cannot occur in a C identifier, so a renamed declaration never takes another's C name.
 */
export class TsNames {
  private readonly spec: Spec;
  private readonly cache = new Map<Type, string>();

  constructor(spec: Spec) {
    this.spec = spec;
  }

  /** The declaration name of a named struct, union, enum or typedef. */
  nameOf(t: Type): string {
    const hit = this.cache.get(t);
    if (hit !== undefined) return hit;
    const name = this.compute(t);
    this.cache.set(t, name);
    return name;
  }

  /** Whether any named struct, union, enum or typedef of the Spec is called `name`. */
  taken(name: string): boolean {
    return this.lookup(name).length > 0;
  }

  private lookup(name: string): Type[] {
    let all: Type[];
    try {
      all = this.spec.anyTypesByName(name);
    } catch {
      // NotFoundError: a type made by hand, or a name only a type outside the Spec has.
      return [];
    }
    return all.filter((t) => isNamedKind(t.kind));
  }

  private compute(t: Type): string {
    const c = t.name;
    const group = this.lookup(c).filter((g) => !isTransparentTypedef(g));
    const tags = group.filter((g) => g.kind !== 'typedef');
    let name: string;
    if (t.kind === 'typedef') {
      const typedefs = group.filter((g) => g.kind === 'typedef');
      const base = tags.length > 0 ? `${c}$typedef` : c;
      name = numbered(base, typedefs.indexOf(t));
    } else {
      name = numbered(c, tags.indexOf(t));
    }
    return RESERVED.has(name) ? `${name}$` : name;
  }
}

/** `base` for the first of a group (or a type outside the Spec), `base$N` for the Nth. */
function numbered(base: string, index: number): string {
  return index <= 0 ? base : `${base}$${index + 1}`;
}

/** Whether a generated name (a map's, say) must be changed: reserved. */
export function isReserved(name: string): boolean {
  return RESERVED.has(name);
}
