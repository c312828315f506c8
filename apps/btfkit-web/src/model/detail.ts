import {
  alignof,
  C_EPILOGUE,
  C_PREAMBLE,
  formatC,
  formatType,
  MAX_RESOLVE_DEPTH,
  pushChildren,
  type Spec,
  sizeof,
  type Type,
} from 'btfkit/browser';
import { computeLayout, type Layout } from './layout.js';
import { spellType } from './spell.js';
import { rowLabel } from './type-index.js';

/** A type named in the detail view, to link to. */
export interface TypeLink {
  /** The type's ID. */
  readonly id: number;
  /** Its name as C spells it where it is used: `struct foo`, or a typedef's `foo`. */
  readonly c: string;
  /** Its `[ID] KIND 'name'` label. */
  readonly label: string;
}

/** Everything the detail view shows for one type. */
export interface TypeDetail {
  /** The type's ID. */
  readonly id: number;
  /** `[ID] KIND 'name'`. */
  readonly label: string;
  /** The model kind (`struct`, `typedef`, ...). */
  readonly kind: string;
  /** The name; empty for anonymous types. */
  readonly name: string;
  /** formatType's one-line summary. */
  readonly summary: string;
  /** Size in bytes, when the type has one. */
  readonly size: number | undefined;
  /** Alignment in bytes, when the type has one. */
  readonly align: number | undefined;
  /**
   * The type's C definition exactly as formatC prints it when the type is the root (for
   * structs, unions, enums, typedefs and forward declarations; bpftool prints no other
   * kind on its own), else undefined.
   */
  readonly c: string | undefined;
  /**
   * For functions and variables, which bpftool's C dump does not print: a C-like
   * declaration in btfkit's own spelling (see `spellType`); else undefined.
   */
  readonly decl: string | undefined;
  /** Named types this one uses (through anonymous types), each once, in first-use order. */
  readonly uses: readonly TypeLink[];
  /** Direct children (for anonymous types: what they point to, hold or return). */
  readonly children: readonly TypeLink[];
  /** The layout of a struct or union. */
  readonly layout: Layout | undefined;
}

/** The kinds whose definition formatC prints when the kind is a root. */
const C_KINDS = new Set(['struct', 'union', 'enum', 'typedef', 'fwd']);

/** How many named types the "uses" walk collects at most. */
const MAX_USES = 2000;

/**
 * The detail of type `id`.
 * @throws NotFoundError for an ID the Spec does not have; FormatError for malformed records
 */
export function typeDetail(spec: Spec, id: number): TypeDetail {
  const t = spec.typeByID(id);
  const link = (c: Type): TypeLink => {
    const cid = spec.typeID(c);
    return {
      id: cid,
      c: cName(c),
      label: rowLabel(cid, spec.raw.kindOf(cid), c.name),
    };
  };
  const kids: Type[] = [];
  pushChildren(t, kids);
  const children: TypeLink[] = [];
  const seenKids = new Set<number>();
  for (const k of kids) {
    const l = link(k);
    if (!seenKids.has(l.id)) {
      seenKids.add(l.id);
      children.push(l);
    }
  }
  return {
    id,
    label: rowLabel(id, spec.raw.kindOf(id), t.name),
    kind: t.kind,
    name: t.name,
    summary: formatType(t),
    size: attempt(() => sizeof(t)),
    align: attempt(() => alignof(t)),
    c: C_KINDS.has(t.kind) ? cDefinition(spec, id) : undefined,
    decl: declarationOf(t),
    uses: namedUses(t, kids).map(link),
    children,
    layout:
      t.kind === 'struct' || t.kind === 'union'
        ? computeLayout(t, (m) => spec.typeID(m), spellType)
        : undefined,
  };
}

/**
 * The last definition formatC prints for `roots: [id]`: the root's own (its dependencies
 * come before it), without the header guard lines.
 */
export function cDefinition(spec: Spec, id: number): string {
  const text = formatC(spec.raw, { roots: [id] });
  const body = text.slice(C_PREAMBLE.length, text.length - C_EPILOGUE.length).trimEnd();
  const at = body.lastIndexOf('\n\n');
  return `${at < 0 ? body : body.slice(at + 2)}\n`;
}

/** A function's or variable's declaration, spelled by {@link spellType}. */
function declarationOf(t: Type): string | undefined {
  if (t.kind === 'var') return `${named(spellType(t.type), t.name)};`;
  if (t.kind !== 'func') return undefined;
  const proto = t.type;
  const params = proto.params.map((p) => named(spellType(p.type), p.name));
  if (proto.variadic) params.push('...');
  const args = params.length ? params.join(', ') : 'void';
  return `${named(spellType(proto.returnType), t.name)}(${args});`;
}

/** `type name`, with no space after a `*`. */
function named(spelled: string, name: string): string {
  if (name === '') return spelled;
  return spelled.endsWith('*') ? `${spelled}${name}` : `${spelled} ${name}`;
}

/** How C names a type where it is used. */
function cName(t: Type): string {
  switch (t.kind) {
    case 'struct':
    case 'union':
    case 'enum':
      return t.name === '' ? '' : `${t.kind} ${t.name}`;
    case 'fwd':
      return `${t.fwdKind} ${t.name}`;
    default:
      return t.name;
  }
}

/**
 * The named types reached from `kids` through anonymous ones only (pointers, arrays,
 * qualifiers, prototypes, anonymous structs), in first-use order: an explicit stack, at
 * most {@link MAX_USES} found and {@link MAX_RESOLVE_DEPTH} anonymous levels deep.
 */
function namedUses(root: Type, kids: readonly Type[]): Type[] {
  const out: Type[] = [];
  const seen = new Set<Type>([root]);
  const stack: [Type, number][] = [];
  for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, 0]);
  const scratch: Type[] = [];
  while (stack.length > 0 && out.length < MAX_USES) {
    const [t, depth] = stack.pop()!;
    if (seen.has(t) || t.kind === 'void') continue;
    seen.add(t);
    if (t.name !== '' && t.kind !== 'func_proto') {
      out.push(t);
      continue;
    }
    if (depth >= MAX_RESOLVE_DEPTH) continue;
    scratch.length = 0;
    pushChildren(t, scratch);
    for (let i = scratch.length - 1; i >= 0; i--) stack.push([scratch[i]!, depth + 1]);
  }
  return out;
}

function attempt(f: () => number): number | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
