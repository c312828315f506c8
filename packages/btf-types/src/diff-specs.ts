import { BTF_KIND } from '@btfkit/wire';
import type { Spec } from './spec.js';
import type { Composite, Type, TypeKind } from './types.js';
import { MAX_RESOLVE_DEPTH } from './underlying-type.js';

/** The kinds {@link diffSpecs} matches by name: every named declaration. */
const NAMED_KINDS: ReadonlySet<TypeKind> = new Set<TypeKind>([
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'int',
  'float',
  'func',
  'var',
  'datasec',
]);

/** A type of one side of a {@link SpecDiff}: its kind, name and ID in that Spec. */
export interface DiffType {
  /** The type's kind. */
  readonly kind: TypeKind;
  /** The type's name. */
  readonly name: string;
  /** Its type ID in the Spec it belongs to. */
  readonly id: number;
}

/** A struct or union member as {@link diffSpecs} compares it. */
export interface DiffMember {
  /** Offset from the start of the outermost struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield width in bits; 0 when not a bitfield. */
  readonly bitfieldSize: number;
  /** The member's type, spelled left to right (`*struct list_head`, `[16]char`). */
  readonly type: string;
}

/** What happened to a member: `moved` and `retyped` may both apply. */
export type MemberChangeKind = 'added' | 'removed' | 'moved' | 'retyped';

/** One member of a changed struct or union that differs between the two Specs. */
export interface MemberChange {
  /**
   * The member's name. Members of anonymous structs and unions are listed under their own
   * names (as C reaches them), those of a named member of anonymous type as `outer.inner`;
   * an unnamed member (padding bitfield) is `(anon)@<bit offset>`.
   */
  readonly name: string;
  /** `['added']`, `['removed']`, or some of `moved` (other offset) and `retyped`. */
  readonly changes: readonly MemberChangeKind[];
  /** The member in the old Spec; undefined when added. */
  readonly old: DiffMember | undefined;
  /** The member in the new Spec; undefined when removed. */
  readonly new: DiffMember | undefined;
}

/** A type present in both Specs, under the same kind and name, that differs. */
export interface TypeChange {
  /** The type's kind. */
  readonly kind: TypeKind;
  /** The type's name. */
  readonly name: string;
  /** Its ID in the old Spec. */
  readonly oldId: number;
  /** Its ID in the new Spec. */
  readonly newId: number;
  /**
   * What changed other than members, one line each, e.g. `size 16 -> 24`,
   * `enumerator FOO: 1 -> 2`, `type int -> long`.
   */
  readonly details: readonly string[];
  /** For a struct or union, the members that differ, old order first; else empty. */
  readonly members: readonly MemberChange[];
}

/** What differs between two Specs, by type name. Each list is sorted by kind, then name. */
export interface SpecDiff {
  /** Types only in the new Spec. */
  readonly added: readonly DiffType[];
  /** Types only in the old Spec. */
  readonly removed: readonly DiffType[];
  /** Types in both that differ. */
  readonly changed: readonly TypeChange[];
}

/** Options for {@link diffSpecs}. */
export interface DiffOptions {
  /** Compare only types with these names (any kind). */
  readonly names?: readonly string[];
}

/**
 * Compares two Specs by type name, as one compares two kernels' BTF: named types (structs,
 * unions, enums, forward declarations, typedefs, ints, floats, functions, variables and
 * data sections) are matched by kind and name, and reported as added, removed or changed.
 * IDs play no part. A referenced named type is compared by its name only (it has an entry
 * of its own), so a change is reported once, where it was made; anonymous types are
 * compared where they are used: the members of an anonymous struct or union are compared as
 * members of the named struct that holds them. For a changed struct or union, members are
 * matched by name and reported added, removed, moved (other offset) and retyped (other type
 * or bitfield width), with old and new offsets. Declaration and type tags are not compared.
 * When several types share a kind and name, identical ones pair first, then the rest in ID
 * order. Walks are loops bounded by {@link MAX_RESOLVE_DEPTH}, never recursion.
 * @throws FormatError (from decoding) when a type of either Spec is malformed
 */
export function diffSpecs(oldSpec: Spec, newSpec: Spec, options: DiffOptions = {}): SpecDiff {
  const only = options.names ? new Set(options.names) : undefined;
  const before = namedTypes(oldSpec, only);
  const after = namedTypes(newSpec, only);
  const added: DiffType[] = [];
  const removed: DiffType[] = [];
  const changed: TypeChange[] = [];
  for (const [key, olds] of before) {
    const news = after.get(key) ?? [];
    if (olds.length === 1 && news.length === 1) {
      // The common case, one type of a kind and name on each side, without the pairing.
      const oe = olds[0]!;
      const ne = news[0]!;
      const os = signature(oe.type);
      const ns = signature(ne.type);
      if (!sameSignature(os, ns)) changed.push(compare(oe, ne, os, ns));
      continue;
    }
    const oldSigs = olds.map((e) => signature(e.type));
    const newSigs = news.map((e) => signature(e.type));
    const oldLeft = olds.map((_, i) => i);
    const newLeft = new Set(news.map((_, i) => i));
    // Identical types pair first, so that duplicates that did not change are not reported.
    for (let i = oldLeft.length - 1; i >= 0; i--) {
      const o = oldLeft[i]!;
      for (const n of newLeft) {
        if (sameSignature(newSigs[n]!, oldSigs[o]!)) {
          newLeft.delete(n);
          oldLeft.splice(i, 1);
          break;
        }
      }
    }
    const rest = [...newLeft];
    for (let i = 0; i < oldLeft.length; i++) {
      const o = oldLeft[i]!;
      const n = rest[i];
      const oe = olds[o]!;
      if (n === undefined) {
        removed.push({ kind: oe.type.kind, name: oe.type.name, id: oe.id });
        continue;
      }
      const ne = news[n]!;
      changed.push(compare(oe, ne, oldSigs[o]!, newSigs[n]!));
    }
    for (let i = oldLeft.length; i < rest.length; i++) {
      const ne = news[rest[i]!]!;
      added.push({ kind: ne.type.kind, name: ne.type.name, id: ne.id });
    }
  }
  for (const [key, news] of after) {
    if (before.has(key)) continue;
    for (const ne of news) added.push({ kind: ne.type.kind, name: ne.type.name, id: ne.id });
  }
  const order = (a: { kind: string; name: string }, b: { kind: string; name: string }) =>
    a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  added.sort(order);
  removed.sort(order);
  changed.sort(order);
  return { added, removed, changed };
}

/** Whether a {@link SpecDiff} found no difference. */
export function isEmptyDiff(diff: SpecDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

interface Entry {
  readonly id: number;
  readonly type: Type;
}

/** The wire kinds of {@link NAMED_KINDS}, as a mask of `1 << BTF_KIND_*`. */
const NAMED_WIRE_KINDS =
  (1 << BTF_KIND.INT) |
  (1 << BTF_KIND.STRUCT) |
  (1 << BTF_KIND.UNION) |
  (1 << BTF_KIND.ENUM) |
  (1 << BTF_KIND.ENUM64) |
  (1 << BTF_KIND.FWD) |
  (1 << BTF_KIND.TYPEDEF) |
  (1 << BTF_KIND.FUNC) |
  (1 << BTF_KIND.VAR) |
  (1 << BTF_KIND.DATASEC) |
  (1 << BTF_KIND.FLOAT);

/**
 * Named types of a Spec by `kind name`, in ID order. Kinds and names are read from the
 * records first, so only named types of the compared kinds are decoded.
 */
function namedTypes(spec: Spec, only: ReadonlySet<string> | undefined): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  const raw = spec.raw;
  for (let id = 1; id < spec.nextTypeID; id++) {
    if (((NAMED_WIRE_KINDS >>> raw.kindOf(id)) & 1) === 0 || raw.nameOffOf(id) === 0) continue;
    const t = spec.typeByID(id);
    if (t.name === '' || !NAMED_KINDS.has(t.kind)) continue;
    if (only && !only.has(t.name)) continue;
    const key = `${t.kind} ${t.name}`;
    const list = out.get(key);
    if (list) list.push({ id, type: t });
    else out.set(key, [{ id, type: t }]);
  }
  return out;
}

/** A type reduced to what is compared: its fields as text, members flattened. */
interface Signature {
  /** Field values other than members, by field name. */
  readonly fields: ReadonlyMap<string, string>;
  /** Flattened members by name, in declaration order. */
  readonly members: ReadonlyMap<string, DiffMember>;
}

function signature(t: Type): Signature {
  const fields = new Map<string, string>();
  const members = new Map<string, DiffMember>();
  switch (t.kind) {
    case 'struct':
    case 'union':
      fields.set('size', String(t.size));
      flattenMembers(t, members);
      break;
    case 'enum':
      fields.set('size', String(t.size));
      fields.set('signedness', t.signed ? 'signed' : 'unsigned');
      for (const v of t.values) fields.set(`enumerator ${v.name}`, String(v.value));
      break;
    case 'int':
      fields.set('size', String(t.size));
      fields.set('bits', String(t.bits));
      fields.set('bit offset', String(t.bitOffset));
      fields.set('encoding', String(t.encoding));
      break;
    case 'float':
      fields.set('size', String(t.size));
      break;
    case 'fwd':
      fields.set('declares', t.fwdKind);
      break;
    case 'typedef':
      fields.set('type', typeLabel(t.type));
      break;
    case 'func':
      fields.set('linkage', t.linkage);
      fields.set('type', typeLabel(t.type));
      break;
    case 'var':
      fields.set('linkage', t.linkage);
      fields.set('type', typeLabel(t.type));
      break;
    case 'datasec':
      fields.set('size', String(t.size));
      fields.set('variables', String(t.vars.length));
      break;
    default:
      break;
  }
  return { fields, members };
}

/** Whether two signatures are equal: the same fields and members, in the same order. */
function sameSignature(a: Signature, b: Signature): boolean {
  if (a.fields.size !== b.fields.size || a.members.size !== b.members.size) return false;
  const bf = b.fields.entries();
  for (const [k, v] of a.fields) {
    const [k2, v2] = bf.next().value!;
    if (k !== k2 || v !== v2) return false;
  }
  const bm = b.members.entries();
  for (const [k, m] of a.members) {
    const [k2, m2] = bm.next().value!;
    if (
      k !== k2 ||
      m.bitOffset !== m2.bitOffset ||
      m.bitfieldSize !== m2.bitfieldSize ||
      m.type !== m2.type
    ) {
      return false;
    }
  }
  return true;
}

function compare(oe: Entry, ne: Entry, o: Signature, n: Signature): TypeChange {
  const details: string[] = [];
  for (const [k, v] of o.fields) {
    const w = n.fields.get(k);
    if (w === undefined) details.push(`${k} removed (was ${v})`);
    else if (w !== v) details.push(`${k} ${v} -> ${w}`);
  }
  for (const [k, w] of n.fields) {
    if (!o.fields.has(k)) details.push(`${k} added (${w})`);
  }
  const members: MemberChange[] = [];
  for (const [name, om] of o.members) {
    const nm = n.members.get(name);
    if (!nm) {
      members.push({ name, changes: ['removed'], old: om, new: undefined });
      continue;
    }
    const changes: MemberChangeKind[] = [];
    if (om.bitOffset !== nm.bitOffset) changes.push('moved');
    if (om.type !== nm.type || om.bitfieldSize !== nm.bitfieldSize) changes.push('retyped');
    if (changes.length > 0) members.push({ name, changes, old: om, new: nm });
  }
  for (const [name, nm] of n.members) {
    if (!o.members.has(name)) members.push({ name, changes: ['added'], old: undefined, new: nm });
  }
  return {
    kind: oe.type.kind,
    name: oe.type.name,
    oldId: oe.id,
    newId: ne.id,
    details,
    members,
  };
}

/**
 * The members of a struct or union with those of anonymous struct and union members
 * expanded in place (their offsets made absolute), as C code reaches them. An explicit
 * stack, expanding at most {@link MAX_RESOLVE_DEPTH} levels.
 */
function flattenMembers(t: Composite, out: Map<string, DiffMember>): void {
  interface Frame {
    readonly type: Composite;
    i: number;
    readonly base: number;
    readonly prefix: string;
  }
  const stack: Frame[] = [{ type: t, i: 0, base: 0, prefix: '' }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const ms = f.type.members;
    if (f.i >= ms.length) {
      stack.pop();
      continue;
    }
    const m = ms[f.i++]!;
    const at = f.base + m.bitOffset;
    const mt = m.type;
    if (
      (mt.kind === 'struct' || mt.kind === 'union') &&
      mt.name === '' &&
      stack.length < MAX_RESOLVE_DEPTH
    ) {
      stack.push({ type: mt, i: 0, base: at, prefix: m.name ? `${f.prefix}${m.name}.` : f.prefix });
      continue;
    }
    let name = m.name ? `${f.prefix}${m.name}` : `${f.prefix}(anon)@${at}`;
    // Duplicate names only come from malformed or odd input: keep both, distinguishable.
    if (out.has(name)) name = `${name}@${at}`;
    out.set(name, { bitOffset: at, bitfieldSize: m.bitfieldSize, type: typeLabel(mt) });
  }
}

/**
 * A type spelled left to right, Go style: `*const char`, `[16]u8`, `struct list_head`,
 * `func(*struct sk_buff, int) long`. Named types stop the walk; anonymous structs, unions
 * and enums are `struct{...}` with their size. Prototypes spell their parameters one level
 * deep; the walk follows at most {@link MAX_RESOLVE_DEPTH} links.
 */
function typeLabel(type: Type): string {
  return chainLabel(type, true);
}

function chainLabel(type: Type, params: boolean): string {
  let out = '';
  let t = type;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'void':
        return `${out}void`;
      case 'pointer':
        out += '*';
        t = t.target;
        continue;
      case 'array':
        out += `[${t.nelems}]`;
        t = t.type;
        continue;
      case 'const':
      case 'volatile':
      case 'restrict':
        out += `${t.kind} `;
        t = t.type;
        continue;
      case 'type_tag':
        out += `tag(${t.name}) `;
        t = t.type;
        continue;
      case 'typedef':
      case 'int':
      case 'float':
        return out + t.name;
      case 'struct':
      case 'union':
      case 'enum':
        return t.name === '' ? `${out}${t.kind}{size ${t.size}}` : `${out}${t.kind} ${t.name}`;
      case 'fwd':
        return `${out}${t.fwdKind} ${t.name}`;
      case 'func_proto': {
        if (!params) return `${out}func(...)`;
        const ps = t.params.map((p) => chainLabel(p.type, false));
        if (t.variadic) ps.push('...');
        return `${out}func(${ps.join(', ')}) ${chainLabel(t.returnType, false)}`;
      }
      case 'func':
      case 'var':
      case 'datasec':
      case 'decl_tag':
        return `${out}${t.kind} ${t.name}`;
    }
  }
  return `${out}...`;
}
