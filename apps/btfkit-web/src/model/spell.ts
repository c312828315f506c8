import { MAX_RESOLVE_DEPTH, type Type } from 'btfkit/browser';

/**
 * A short C spelling of a type for labels and hover text: `struct list_head *`,
 * `char [16]`, `const char *`, `int (*)(...)`. Named types end the walk; anonymous structs,
 * unions and enums are `struct {...}`. A loop over at most {@link MAX_RESOLVE_DEPTH} links.
 * (The C declaration of the detail view is formatC's own text, not this.)
 */
export function spellType(type: Type): string {
  return spell(type, 0);
}

/** Return types of prototypes nest `nest` deep; past 2 they are `...`, so no input recurses far. */
function spell(type: Type, nest: number): string {
  if (nest > 2) return '...';
  let decl = '';
  let prefix = '';
  let t = type;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'pointer':
        decl = `*${decl}`;
        t = t.target;
        continue;
      case 'array':
        decl = decl.startsWith('*') ? `(${decl})[${t.nelems}]` : `${decl}[${t.nelems}]`;
        t = t.type;
        continue;
      case 'const':
      case 'volatile':
      case 'restrict': {
        const next = t.type.kind;
        // Right above the base type it reads `const char`; above a pointer, `*const`.
        if (next === 'pointer' || next === 'array' || next === 'func_proto') {
          decl = decl === '' ? t.kind : `${t.kind} ${decl}`;
        } else prefix += `${t.kind} `;
        t = t.type;
        continue;
      }
      case 'type_tag':
        t = t.type;
        continue;
      case 'func_proto':
        return `${prefix}${spellBase(t.returnType, nest + 1)} (${decl})(${t.params.length === 0 ? 'void' : '...'})`;
      default:
        return decl === ''
          ? `${prefix}${spellBase(t, nest)}`
          : `${prefix}${spellBase(t, nest)} ${decl}`;
    }
  }
  return `... ${decl}`;
}

/** The name of a type without declarators. */
function spellBase(t: Type, nest: number): string {
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'struct':
    case 'union':
    case 'enum':
      return t.name === '' ? `${t.kind} {...}` : `${t.kind} ${t.name}`;
    case 'fwd':
      return `${t.fwdKind} ${t.name}`;
    case 'pointer':
    case 'array':
    case 'func_proto':
      return spell(t, nest + 1);
    default:
      return t.name === '' ? t.kind : t.name;
  }
}
