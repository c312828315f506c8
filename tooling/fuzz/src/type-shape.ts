import type { Type } from '@btfkit/types';

/**
 * Everything a type says, as one string, with children named by ID through `idOf`: two types
 * of two Specs are equal when their shapes are equal under the ID mapping between the Specs.
 * Children are named, never expanded, so this is safe on cyclic and deep graphs.
 */
export function typeShape(t: Type, idOf: (t: Type) => number): string {
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'int':
      return `int ${q(t.name)} ${t.size} ${t.encoding} ${t.bits} ${t.bitOffset}`;
    case 'float':
      return `float ${q(t.name)} ${t.size}`;
    case 'pointer':
      return `pointer ${idOf(t.target)}`;
    case 'array':
      return `array ${idOf(t.type)} ${idOf(t.index)} ${t.nelems}`;
    case 'struct':
    case 'union':
      return `${t.kind} ${q(t.name)} ${t.size} {${t.members
        .map((m) => `${q(m.name)} ${idOf(m.type)} ${m.bitOffset}:${m.bitfieldSize}`)
        .join(', ')}}`;
    case 'enum':
      return `enum ${q(t.name)} ${t.size} ${t.signed} ${t.enum64} {${t.values
        .map((v) => `${q(v.name)}=${v.value}`)
        .join(', ')}}`;
    case 'fwd':
      return `fwd ${t.fwdKind} ${q(t.name)}`;
    case 'typedef':
      return `typedef ${q(t.name)} ${idOf(t.type)}`;
    case 'volatile':
    case 'const':
    case 'restrict':
      return `${t.kind} ${idOf(t.type)}`;
    case 'func':
      return `func ${q(t.name)} ${t.linkage} ${idOf(t.type)}`;
    case 'func_proto':
      return `func_proto ${idOf(t.returnType)} (${t.params
        .map((p) => `${q(p.name)} ${idOf(p.type)}`)
        .join(', ')}${t.variadic ? ', ...' : ''})`;
    case 'var':
      return `var ${q(t.name)} ${t.linkage} ${idOf(t.type)}`;
    case 'datasec':
      return `datasec ${q(t.name)} ${t.size} {${t.vars
        .map((v) => `${idOf(v.type)}@${v.offset}+${v.size}`)
        .join(', ')}}`;
    case 'decl_tag':
      return `decl_tag ${q(t.name)} ${idOf(t.type)} ${t.componentIdx} ${t.attribute}`;
    case 'type_tag':
      return `type_tag ${q(t.name)} ${idOf(t.type)} ${t.attribute}`;
  }
}

function q(s: string): string {
  return JSON.stringify(s);
}
