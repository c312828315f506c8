import type { Type } from './types.js';

/**
 * A short one-line description of a type for messages and debugging: its kind, its name and
 * the fields that identify it, e.g. `struct 'task_struct' size=9792 vlen=263`,
 * `pointer -> struct 'list_head'`. Children are named, never expanded, so this is safe on
 * cyclic and deep graphs.
 */
export function formatType(type: Type): string {
  const head = `${type.kind} ${label(type)}`;
  switch (type.kind) {
    case 'void':
      return 'void';
    case 'int':
      return `${head} size=${type.size} bits=${type.bits}${type.signed ? ' signed' : ''}`;
    case 'float':
      return `${head} size=${type.size}`;
    case 'pointer':
      return `pointer -> ${type.target.kind} ${label(type.target)}`;
    case 'array':
      return `array[${type.nelems}] of ${type.type.kind} ${label(type.type)}`;
    case 'struct':
    case 'union':
      return `${head} size=${type.size} vlen=${type.members.length}`;
    case 'enum':
      return `${head} size=${type.size} vlen=${type.values.length}${type.signed ? ' signed' : ''}`;
    case 'fwd':
      return `fwd ${type.fwdKind} ${label(type)}`;
    case 'func':
      return `${head} ${type.linkage}`;
    case 'func_proto':
      return `func_proto returns ${type.returnType.kind} ${label(type.returnType)} params=${type.params.length}${type.variadic ? ' ...' : ''}`;
    case 'var':
      return `${head} ${type.linkage} of ${type.type.kind} ${label(type.type)}`;
    case 'datasec':
      return `${head} size=${type.size} vlen=${type.vars.length}`;
    case 'decl_tag':
      return `${head} on ${type.type.kind} ${label(type.type)} component=${type.componentIdx}`;
    case 'typedef':
    case 'type_tag':
    case 'const':
    case 'volatile':
    case 'restrict':
      return `${head} -> ${type.type.kind} ${label(type.type)}`;
  }
}

function label(t: Type): string {
  return t.name === '' ? '(anon)' : `'${t.name}'`;
}
