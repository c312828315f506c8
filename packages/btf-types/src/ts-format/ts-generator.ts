import { FormatError, NotSupportedError } from '@btfkit/wire';
import { alignof } from '../alignof.js';
import { sizeof } from '../sizeof.js';
import type { Spec } from '../spec.js';
import { type Composite, type Enum, INT_BOOL, type Member, type Type, VOID } from '../types.js';
import { MAX_RESOLVE_DEPTH, qualifiedType, underlyingType } from '../underlying-type.js';
import { isTransparentTypedef, TsNames } from './ts-names.js';
import { HELPER_DEPS, HELPERS, type Helper, helperSource } from './ts-runtime.js';

/** What a declaration of the generated module is. */
type EntityKind = 'composite' | 'enum' | 'value' | 'alias' | 'bytes';

/** One `export type`/`export interface` plus `export const` pair of the generated module. */
interface Entity {
  readonly name: string;
  readonly kind: EntityKind;
  /** What the codec reads: the struct, union or enum, the typedef's target, the array. */
  readonly type: Type;
  /** The type the declaration is named after (the typedef for a typedef), for errors. */
  readonly origin: Type;
  /** For an alias: the type whose declaration it repeats. */
  readonly target?: Type;
  /** For bytes: how many. */
  readonly count?: number;
  /** Declarations whose codec this one calls, or the one an alias repeats. */
  readonly deps: Entity[];
  code: string;
}

/** How a value of a type is decoded and encoded, inline or through a declaration's codec. */
type Shape =
  | {
      readonly k: 'scalar';
      readonly ts: string;
      readonly size: number;
      get(o: string): string;
      set(o: string, v: string): string;
    }
  | { readonly k: 'codec'; readonly ts: string; readonly size: number; readonly entity: Entity };

/** A member as the generated object holds it: anonymous members flattened. */
interface Leaf {
  readonly name: string;
  readonly type: Type;
  /** From the start of the declaration's type. */
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

/** The generated code of one property. */
interface FieldCode {
  readonly ts: string;
  readonly prelude: string[];
  readonly expr: string;
  /** Statements that write the value in variable `v`, which is not undefined. */
  encode(v: string): string[];
  readonly flex: boolean;
}

/** Options of {@link TsGenerator}. */
export interface TsGeneratorOptions {
  readonly littleEndian: boolean;
}

/** A name for a type in messages: kind, name and type ID when it has one. */
export function describe(spec: Spec, t: Type): string {
  const id = spec.typeIDOrUndefined(t);
  const name = t.name ? ` '${t.name}'` : '';
  return `${t.kind}${name}${id === undefined ? '' : ` (type id ${id})`}`;
}

/**
 * Generates the TypeScript declarations and codecs of types of a Spec. Declarations are made
 * on a worklist: asking for one only queues it, so nothing here recurses on the depth of the
 * type graph.
 */
export class TsGenerator {
  private readonly spec: Spec;
  private readonly le: boolean;
  readonly names: TsNames;
  private readonly entities: Entity[] = [];
  private readonly byType = new Map<Type, Entity>();
  private readonly helpers = new Set<Helper>();
  /** Counter for local variable names inside one generated function pair. */
  private local = 0;

  constructor(spec: Spec, options: TsGeneratorOptions) {
    this.spec = spec;
    this.le = options.littleEndian;
    this.names = new TsNames(spec);
  }

  private fail(t: Type, what: string): never {
    const id = this.spec.typeIDOrUndefined(t);
    throw new FormatError(
      `btf: ${describe(this.spec, t)}: ${what}`,
      id === undefined ? {} : { typeID: id },
    );
  }

  /** Whether {@link declare} accepts `t`: a named type that has a value to decode. */
  canDeclare(t: Type): boolean {
    if (t.kind === 'struct' || t.kind === 'union') return t.name !== '';
    // A forward-declared enum has no size.
    if (t.kind === 'enum') return t.name !== '' && t.size > 0;
    if (t.kind !== 'typedef') return false;
    const u = underlyingType(t);
    return (
      u.kind === 'int' ||
      u.kind === 'float' ||
      u.kind === 'pointer' ||
      (u.kind === 'enum' && u.size > 0) ||
      u.kind === 'struct' ||
      u.kind === 'union' ||
      u.kind === 'array'
    );
  }

  /**
   * The declaration of a named struct, union, enum or typedef, queued on first use.
   * @throws NotSupportedError for other types and typedefs of types without a value
   */
  declare(t: Type): Entity {
    let ty = t;
    if (isTransparentTypedef(ty))
      ty = qualifiedType((ty as Extract<Type, { kind: 'typedef' }>).type);
    const hit = this.byType.get(ty);
    if (hit) return hit;
    if (!this.canDeclare(ty)) {
      throw new NotSupportedError(
        `btf: ${describe(this.spec, t)}: only named structs, unions, enums and typedefs of values get a declaration`,
      );
    }
    const name = this.names.nameOf(ty);
    if (ty.kind !== 'typedef') {
      return this.add(name, ty.kind === 'enum' ? 'enum' : 'composite', ty, ty);
    }
    const target = qualifiedType(ty.type);
    const tag = target.kind === 'struct' || target.kind === 'union' || target.kind === 'enum';
    if (target.kind === 'typedef' || (tag && target.name !== '')) {
      return this.add(name, 'alias', ty, ty, target);
    }
    if (target.kind === 'struct' || target.kind === 'union') {
      // A typedef of an anonymous struct names it: other references to it use this name.
      const e = this.add(name, 'composite', target, ty);
      if (!this.byType.has(target)) this.byType.set(target, e);
      return e;
    }
    if (target.kind === 'enum') return this.add(name, 'enum', target, ty);
    return this.add(name, 'value', target, ty);
  }

  /**
   * A declaration for a value of `type` under a name of the generator's choosing (a map's
   * key or value): an alias when `type` has a declaration, else a codec of its own.
   */
  declareAs(name: string, type: Type, what: string): Entity {
    const t = qualifiedType(type);
    if (this.canDeclare(t)) return this.add(name, 'alias', t, t, t, false);
    if (t.kind === 'struct' || t.kind === 'union') return this.add(name, 'composite', t, t);
    const u = underlyingType(t);
    if (u.kind === 'enum') return this.add(name, 'enum', u, t);
    if (u.kind === 'int' || u.kind === 'float' || u.kind === 'pointer' || u.kind === 'array') {
      return this.add(name, 'value', t, t);
    }
    return this.fail(t, `${what}: ${u.kind} has no value to decode`);
  }

  /** A declaration of `n` opaque bytes (a map's `key_size` without a key type). */
  declareBytes(name: string, n: number): Entity {
    const e: Entity = {
      name,
      kind: 'bytes',
      type: VOID,
      origin: VOID,
      count: n,
      deps: [],
      code: '',
    };
    this.entities.push(e);
    return e;
  }

  /** Queues a declaration; `own` makes it the one references to `origin` use. */
  private add(
    name: string,
    kind: EntityKind,
    type: Type,
    origin: Type,
    target?: Type,
    own = true,
  ): Entity {
    const e: Entity =
      target === undefined
        ? { name, kind, type, origin, deps: [], code: '' }
        : { name, kind, type, origin, target, deps: [], code: '' };
    this.entities.push(e);
    if (own && !this.byType.has(origin)) this.byType.set(origin, e);
    return e;
  }

  /** An anonymous struct or union reached by value gets `owner$member` for a name. */
  private anonymous(t: Composite, name: string): Entity {
    return this.byType.get(t) ?? this.add(name, 'composite', t, t);
  }

  /**
   * Generates every queued declaration (and those they reach) and returns the module text
   * after the header. Aliases come after the declaration they repeat (a `const` cannot be
   * read before its definition).
   * @throws FormatError naming the type ID of a type whose layout cannot be decoded
   */
  generate(): string {
    for (let i = 0; i < this.entities.length; i++) {
      const e = this.entities[i]!;
      e.code = this.emit(e);
    }
    this.checkAcyclic();
    const names = new Map<string, Entity>();
    for (const e of this.entities) {
      const other = names.get(e.name);
      if (other) {
        this.fail(e.origin, `declared as '${e.name}', as is ${describe(this.spec, other.origin)}`);
      }
      names.set(e.name, e);
    }
    const plain = this.entities.filter((e) => e.kind !== 'alias');
    const aliases = this.aliasOrder();
    const parts: string[] = [];
    const used = new Set<Helper>();
    const pending = [...this.helpers];
    while (pending.length > 0) {
      const h = pending.pop()!;
      if (used.has(h)) continue;
      used.add(h);
      for (const d of HELPER_DEPS[h] ?? []) pending.push(d);
    }
    for (const h of HELPERS) if (used.has(h)) parts.push(helperSource(h, this.le));
    for (const e of plain) parts.push(e.code);
    for (const e of aliases) parts.push(e.code);
    return `${parts.join('\n\n')}\n`;
  }

  /** Aliases by how many aliases lie between them and a codec, then in queue order. */
  private aliasOrder(): Entity[] {
    const depth = new Map<Entity, number>();
    const aliases = this.entities.filter((e) => e.kind === 'alias');
    for (const a of aliases) {
      let d = 0;
      let cur: Entity = a;
      while (cur.kind === 'alias') {
        const known = depth.get(cur);
        if (known !== undefined) {
          d += known;
          break;
        }
        d++;
        if (d > this.entities.length) this.fail(a.origin, 'typedefs form a cycle');
        cur = cur.deps[0]!;
      }
      depth.set(a, d);
    }
    return aliases
      .map((a, i) => ({ a, i, d: depth.get(a)! }))
      .sort((x, y) => x.d - y.d || x.i - y.i)
      .map((x) => x.a);
  }

  /** A struct that holds itself by value has no finite decoder: reject it (iteratively). */
  private checkAcyclic(): void {
    const state = new Map<Entity, 1 | 2>();
    for (const root of this.entities) {
      if (state.has(root)) continue;
      const stack: { e: Entity; i: number }[] = [{ e: root, i: 0 }];
      state.set(root, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.i < top.e.deps.length) {
          const next = top.e.deps[top.i++]!;
          const s = state.get(next);
          if (s === 1) this.fail(next.origin, 'contains itself by value');
          if (s === undefined) {
            state.set(next, 1);
            stack.push({ e: next, i: 0 });
          }
        } else {
          state.set(top.e, 2);
          stack.pop();
        }
      }
    }
  }

  private emit(e: Entity): string {
    this.local = 0;
    switch (e.kind) {
      case 'alias': {
        const target = this.declare(e.target!);
        e.deps.push(target);
        return `export type ${e.name} = ${target.name};\nexport const ${e.name} = ${target.name};`;
      }
      case 'enum':
        return this.emitEnum(e);
      case 'value':
        return this.emitValue(e);
      case 'composite':
        return this.emitComposite(e);
      case 'bytes':
        this.use('$bytes', '');
        this.use('$setBytes', '');
        return `export type ${e.name} = Uint8Array;

export const ${e.name} = {
  size: ${e.count},
  align: 1,
${decodeHead(e.name, '')}
    return $bytes(view, offset, ${e.count});
  },
${encodeHead(e.name, ' {')}
    $setBytes(view, offset, value, ${e.count}, '${e.name}');
  },
};`;
    }
  }

  private sizeAlign(e: Entity): [number, number] {
    return [sizeof(e.type), alignof(e.type)];
  }

  private emitEnum(e: Entity): string {
    const t = e.type as Enum;
    const shape = this.scalar(t, e.name);
    const used = new Set(['size', 'align', 'decode', 'encode', '__proto__']);
    const lines: string[] = [];
    const wide = t.size > 4;
    for (const v of t.values) {
      let key = v.name;
      while (used.has(key)) key = `${key}$`;
      used.add(key);
      lines.push(`  ${key}: ${wide ? `${v.value}n` : String(v.value)},`);
    }
    const [size, align] = this.sizeAlign(e);
    return `export type ${e.name} = ${wide ? 'bigint' : 'number'};

export const ${e.name} = {
${lines.join('\n')}${lines.length ? '\n' : ''}  size: ${size},
  align: ${align},
${decodeHead(e.name, '')}
    return ${shape.k === 'scalar' ? shape.get('offset') : ''};
  },
${encodeHead(e.name, ' {')}
    ${shape.k === 'scalar' ? shape.set('offset', 'value') : ''};
  },
} as const;`;
  }

  private emitValue(e: Entity): string {
    const [size, align] = this.sizeAlign(e);
    const f = this.field(e, { name: '', type: e.type, bitOffset: 0, bitfieldSize: 0 }, size);
    const count = f.flex ? ', count = 0' : '';
    const enc = f.encode('value').map((l) => `    ${l}`);
    return `export type ${e.name} = ${f.ts};

export const ${e.name} = {
  size: ${size},
  align: ${align},
${decodeHead(e.name, count)}
${f.prelude.map((l) => `    ${l}\n`).join('')}    return ${f.expr.replaceAll('\n', '\n    ')};
  },
${encodeHead(e.name, ' {')}
${enc.join('\n')}
  },
};`;
  }

  private emitComposite(e: Entity): string {
    const [size, align] = this.sizeAlign(e);
    const leaves = this.flatten(e);
    const iface: string[] = [];
    const prelude: string[] = [];
    const props: string[] = [];
    const enc: string[] = [];
    let flex = false;
    for (const leaf of leaves) {
      const f = this.field(e, leaf, size);
      flex ||= f.flex;
      const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(leaf.name)
        ? leaf.name
        : JSON.stringify(leaf.name);
      iface.push(`  ${key}: ${f.ts};`);
      prelude.push(...f.prelude);
      props.push(property(key, f.expr));
      const v = `$v${this.local++}`;
      enc.push(`const ${v} = value.${leaf.name};`);
      const body = f.encode(v);
      if (body.length === 1) {
        enc.push(...ifStatement(`if (${v} !== undefined)`, body[0]!));
      } else {
        enc.push(`if (${v} !== undefined) {`, ...body.map((l) => `  ${l}`), '}');
      }
    }
    const count = flex ? ', count = 0' : '';
    const ret = props.length ? `{\n${props.join('\n')}\n    }` : '{}';
    const body = iface.length ? `{\n${iface.map((l) => `${l}\n`).join('')}}` : '{}';
    return `export interface ${e.name} ${body}

export const ${e.name} = {
  size: ${size},
  align: ${align},
${decodeHead(e.name, count)}
${prelude.map((l) => `    ${l}\n`).join('')}    return ${ret};
  },
${encodeHead(e.name, enc.length ? ` {\n${enc.map((l) => `    ${l}\n`).join('')}  },` : ' {},')}
};`;
  }

  /**
   * The members of a struct or union with anonymous struct and union members replaced by
   * theirs, as C code names them; unnamed bitfields (padding) left out. Walks nested
   * anonymous members with an explicit stack.
   */
  private flatten(e: Entity): Leaf[] {
    const root = e.type as Composite;
    const out: Leaf[] = [];
    const seen = new Set<string>();
    const stack: { members: Member[]; i: number; base: number; depth: number }[] = [
      { members: root.members, i: 0, base: 0, depth: 0 },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.members.length) {
        stack.pop();
        continue;
      }
      const m = top.members[top.i++]!;
      const abs = top.base + m.bitOffset;
      if (m.name === '') {
        const inner = qualifiedType(m.type);
        if ((inner.kind === 'struct' || inner.kind === 'union') && m.bitfieldSize === 0) {
          if (top.depth >= MAX_NESTED_ANONYMOUS) {
            this.fail(root, `anonymous members nested more than ${MAX_NESTED_ANONYMOUS} deep`);
          }
          stack.push({ members: inner.members, i: 0, base: abs, depth: top.depth + 1 });
        }
        continue;
      }
      if (m.name === '__proto__') this.fail(root, "a member named '__proto__' is not supported");
      if (seen.has(m.name)) this.fail(root, `member '${m.name}' occurs twice`);
      seen.add(m.name);
      out.push({ name: m.name, type: m.type, bitOffset: abs, bitfieldSize: m.bitfieldSize });
    }
    return out;
  }

  /** The code of one property (or of a whole value, for a leaf named ''). */
  private field(e: Entity, leaf: Leaf, size: number): FieldCode {
    const where = leaf.name ? `${e.name}.${leaf.name}` : e.name;
    const u = underlyingType(leaf.type);
    if (
      leaf.bitfieldSize > 0 ||
      (u.kind === 'int' && (u.bits !== u.size * 8 || u.bitOffset !== 0))
    ) {
      return this.bitfield(e, leaf, size);
    }
    if (leaf.bitOffset % 8 !== 0) this.fail(e.origin, `member '${leaf.name}' is not byte-aligned`);
    const at = leaf.bitOffset / 8;
    const anonName = leaf.name ? `${e.name}$${leaf.name}` : `${e.name}$value`;
    let t = qualifiedType(leaf.type);
    const dims: number[] = [];
    for (let depth = 0; t.kind === 'array'; depth++) {
      if (depth > MAX_RESOLVE_DEPTH)
        this.fail(
          e.origin,
          `member '${leaf.name}': array of more than ${MAX_RESOLVE_DEPTH} dimensions`,
        );
      dims.push(t.nelems);
      t = qualifiedType(t.type);
    }
    const elem = this.shape(t, anonName, e);
    const total = dims.reduce((a, n) => a * n, 1) * elem.size;
    const flex = dims.length > 0 && dims[0] === 0;
    if (!flex && at + total > size) {
      this.fail(
        e.origin,
        `member '${leaf.name}' (bytes ${at}..${at + total}) ends past the size ${size}`,
      );
    }
    if (elem.k === 'codec') e.deps.push(elem.entity);
    const off = (extra: string) => `offset${at ? ` + ${at}` : ''}${extra}`;
    if (dims.length === 0) {
      return {
        ts: elem.ts,
        prelude: [],
        expr: this.getOf(elem, off('')),
        encode: (v) => [this.setOf(elem, off(''), v)],
        flex: false,
      };
    }
    // Arrays of 8-bit integers are Uint8Arrays: the innermost dimension is taken as bytes.
    const bytes = elem.k === 'scalar' && isByte(t);
    const loops = bytes ? dims.slice(0, -1) : dims;
    const strides: number[] = [];
    let stride = elem.size * (bytes ? dims[dims.length - 1]! : 1);
    for (let i = loops.length - 1; i >= 0; i--) {
      strides[i] = stride;
      stride *= loops[i]!;
    }
    const leafTs = bytes ? 'Uint8Array' : elem.ts;
    const tsAt = (level: number) => leafTs + '[]'.repeat(loops.length - level);
    const innerN = bytes ? dims[dims.length - 1]! : 0;
    const innerCount = bytes && loops.length === 0 && flex ? 'count' : String(innerN);
    const n = this.local++;
    const idx = (level: number) => `$i${n}_${level}`;
    const offAt = (level: number) => {
      let s = '';
      for (let i = 0; i < level; i++) s += ` + ${idx(i)} * ${strides[i]}`;
      return off(s);
    };
    const leafGet = (o: string) =>
      bytes ? this.use('$bytes', `$bytes(view, ${o}, ${innerCount})`) : this.getOf(elem, o);
    const leafSet = (o: string, v: string, lenExpr: string) =>
      bytes
        ? this.use('$setBytes', `$setBytes(view, ${o}, ${v}, ${lenExpr}, '${where}');`)
        : this.setOf(elem, o, v);
    if (loops.length === 0) {
      return {
        ts: 'Uint8Array',
        prelude: [],
        expr: leafGet(off('')),
        encode: (v) => [leafSet(off(''), v, flex ? `${v}.length` : String(innerN))],
        flex,
      };
    }
    const encode = (v: string) => {
      const out: string[] = [];
      const ev = (level: number) => (level === 0 ? v : `$e${n}_${level}`);
      for (let level = 0; level < loops.length; level++) {
        const pad = '  '.repeat(level);
        if (level > 0) out.push(`${pad}const ${ev(level)} = ${ev(level - 1)}[${idx(level - 1)}]!;`);
        if (!(level === 0 && flex))
          out.push(`${pad}$len(${ev(level)}, ${loops[level]}, '${where}');`);
        const lim = level === 0 && flex ? `${v}.length` : String(loops[level]);
        out.push(`${pad}for (let ${idx(level)} = 0; ${idx(level)} < ${lim}; ${idx(level)}++) {`);
      }
      const x = `${ev(loops.length - 1)}[${idx(loops.length - 1)}]!`;
      out.push(`${'  '.repeat(loops.length)}${leafSet(offAt(loops.length), x, String(innerN))}`);
      for (let level = loops.length - 1; level >= 0; level--) out.push(`${'  '.repeat(level)}}`);
      return out;
    };
    this.use('$len', '');
    const elements = loops.reduce((a, d) => a * d, 1);
    // Line width left for an array literal at `level`: the first after `key: ` (or `return `),
    // the others on lines of their own inside it, each followed by a comma.
    const width = (level: number) =>
      LINE_WIDTH - (level === 0 ? (leaf.name ? 8 + leaf.name.length : 12) : 6 + 2 * level) - 1;
    if (!flex && elements <= MAX_UNROLLED) {
      // Small arrays decode as array literals: V8 builds those faster than pushes in a loop.
      const last = strides[loops.length - 1]!;
      let items: string[] = [];
      for (let i = 0; i < elements; i++) {
        const o = at + i * last;
        items.push(leafGet(`offset${o ? ` + ${o}` : ''}`));
      }
      for (let level = loops.length - 1; level >= 0; level--) {
        const grouped: string[] = [];
        for (let i = 0; i < items.length; i += loops[level]!) {
          grouped.push(arrayLiteral(items.slice(i, i + loops[level]!), width(level)));
        }
        items = grouped;
      }
      return { ts: tsAt(0), prelude: [], expr: items[0] ?? '[]', encode, flex };
    }
    // Decoding: nested loops that push into arrays, one per dimension.
    const prelude: string[] = [];
    const arr = (level: number) => `$a${n}_${level}`;
    const bound = (level: number) => (level === 0 && flex ? 'count' : String(loops[level]));
    for (let level = 0; level < loops.length; level++) {
      const pad = '  '.repeat(level);
      prelude.push(`${pad}const ${arr(level)}: ${tsAt(level)} = [];`);
      prelude.push(
        `${pad}for (let ${idx(level)} = 0; ${idx(level)} < ${bound(level)}; ${idx(level)}++) {`,
      );
    }
    const deepest = loops.length - 1;
    prelude.push(
      `${'  '.repeat(loops.length)}${arr(deepest)}.push(${leafGet(offAt(loops.length))});`,
    );
    for (let level = deepest; level >= 0; level--) {
      const pad = '  '.repeat(level);
      prelude.push(`${pad}}`);
      if (level > 0) prelude.push(`${pad}${arr(level - 1)}.push(${arr(level)});`);
    }
    return { ts: tsAt(0), prelude, expr: arr(0), encode, flex };
  }

  /** Marks a helper used; returns `code`. */
  private use(h: Helper, code: string): string {
    this.helpers.add(h);
    return code;
  }

  private getOf(s: Shape, o: string): string {
    return s.k === 'scalar' ? s.get(o) : `${s.entity.name}.decode(view, ${o})`;
  }

  private setOf(s: Shape, o: string, v: string): string {
    return s.k === 'scalar' ? `${s.set(o, v)};` : `${s.entity.name}.encode(${v}, view, ${o});`;
  }

  /** How a non-array value of type `t` (qualifiers stripped) is read. */
  private shape(t: Type, anonName: string, owner: Entity): Shape {
    if (t.kind === 'typedef') {
      if (isTransparentTypedef(t)) return this.shape(qualifiedType(t.type), anonName, owner);
      const u = underlyingType(t);
      if (u.kind === 'void' || u.kind === 'func_proto' || u.kind === 'fwd') {
        return this.fail(
          owner.origin,
          `${describe(this.spec, t)} is a ${u.kind}, which has no value`,
        );
      }
      const d = this.declare(t);
      if (u.kind === 'int' || u.kind === 'float' || u.kind === 'pointer' || u.kind === 'enum') {
        return this.scalar(u, d.name);
      }
      return { k: 'codec', ts: d.name, size: sizeof(t), entity: d };
    }
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'pointer':
        return this.scalar(t, undefined);
      case 'enum':
        return this.scalar(t, t.name ? this.declare(t).name : undefined);
      case 'struct':
      case 'union': {
        const d = t.name ? this.declare(t) : this.anonymous(t, anonName);
        return { k: 'codec', ts: d.name, size: t.size, entity: d };
      }
      default:
        return this.fail(owner.origin, `${describe(this.spec, t)} has no value to decode`);
    }
  }

  /** Inline code for an int, float, pointer or enum. */
  private scalar(t: Type, name: string | undefined): Shape {
    const L = String(this.le);
    const dv = (get: string, set: string, ts: string, size: number): Shape => ({
      k: 'scalar',
      ts: name ?? ts,
      size,
      get: (o) => `view.${get}(${o}${size > 1 ? `, ${L}` : ''})`,
      set: (o, v) => `view.${set}(${o}, ${v}${size > 1 ? `, ${L}` : ''})`,
    });
    switch (t.kind) {
      case 'pointer':
        return dv('getBigUint64', 'setBigUint64', 'bigint', 8);
      case 'float':
        if (t.size === 4) return dv('getFloat32', 'setFloat32', 'number', 4);
        if (t.size === 8) return dv('getFloat64', 'setFloat64', 'number', 8);
        // No JavaScript number holds every value of other float sizes: keep the bytes.
        return {
          k: 'scalar',
          ts: name ?? 'Uint8Array',
          size: t.size,
          get: (o) => this.use('$bytes', `$bytes(view, ${o}, ${t.size})`),
          set: (o, v) =>
            this.use('$setBytes', `$setBytes(view, ${o}, ${v}, ${t.size}, '${t.name}')`),
        };
      case 'enum':
      case 'int': {
        const signed = t.signed;
        const bool = t.kind === 'int' && (t.encoding & INT_BOOL) !== 0;
        if (t.kind === 'int' && (t.bits !== t.size * 8 || t.bitOffset !== 0)) {
          throw new NotSupportedError(
            `btf: ${describe(this.spec, t)}: a ${t.bits}-bit int outside a struct member`,
          );
        }
        const s = intAccess(t.size, signed);
        if (s === undefined) {
          throw new NotSupportedError(
            `btf: ${describe(this.spec, t)}: ${t.size}-byte integers are not supported`,
          );
        }
        if (t.size === 16) {
          this.use('$u128', '');
          this.use('$set128', '');
          return {
            k: 'scalar',
            ts: name ?? 'bigint',
            size: 16,
            get: (o) => (signed ? `BigInt.asIntN(128, $u128(view, ${o}))` : `$u128(view, ${o})`),
            set: (o, v) => `$set128(view, ${o}, ${v})`,
          };
        }
        const base = dv(s[0], s[1], t.size === 8 ? 'bigint' : 'number', t.size);
        if (!bool || base.k !== 'scalar') return base;
        const zero = t.size === 8 ? '0n' : '0';
        const one = t.size === 8 ? '1n' : '1';
        return {
          k: 'scalar',
          ts: name ?? 'boolean',
          size: t.size,
          get: (o) => `${base.get(o)} !== ${zero}`,
          set: (o, v) => base.set(o, `${v} ? ${one} : ${zero}`),
        };
      }
      default:
        return this.fail(t, 'has no scalar value');
    }
  }

  /** A bitfield: a few bytes read (and written back) whole, the field's bits masked out. */
  private bitfield(e: Entity, leaf: Leaf, size: number): FieldCode {
    const u = underlyingType(leaf.type);
    let bitOffset = leaf.bitOffset;
    let n = leaf.bitfieldSize;
    let signed: boolean;
    let bool = false;
    let named: string | undefined;
    if (u.kind === 'int') {
      signed = u.signed;
      bool = (u.encoding & INT_BOOL) !== 0;
      if (n === 0) {
        // A bitfield of a struct without kind_flag: the int's own offset and width.
        n = u.bits;
        bitOffset += u.bitOffset;
      }
    } else if (u.kind === 'enum') {
      signed = u.signed;
    } else {
      return this.fail(e.origin, `bitfield '${leaf.name}' of ${describe(this.spec, u)}`);
    }
    const q = qualifiedType(leaf.type);
    if (q.kind === 'typedef') named = this.declare(q).name;
    else if (q.kind === 'enum' && q.name) named = this.declare(q).name;
    if (n < 1 || n > 128) this.fail(e.origin, `bitfield '${leaf.name}' of ${n} bits`);
    const byte = Math.floor(bitOffset / 8);
    const inner = bitOffset % 8;
    const w = Math.ceil((inner + n) / 8);
    if (byte + w > size) {
      this.fail(
        e.origin,
        `bitfield '${leaf.name}' (bytes ${byte}..${byte + w}) ends past the size ${size}`,
      );
    }
    const shift = this.le ? inner : 8 * w - inner - n;
    const o = `offset${byte ? ` + ${byte}` : ''}`;
    const args = `view, ${o}, ${w}, ${shift}, ${n}`;
    const small = inner + n <= 32;
    const asNumber = n <= 32;
    let get: string;
    let set: (v: string) => string;
    if (small) {
      // Decoding is inline (it is on the hot path of every decode); encoding calls a helper.
      const win = this.window(byte, w);
      get = signed
        ? `(${win} << ${32 - shift - n}) >> ${32 - n}`
        : n === 32
          ? `${win} >>> 0`
          : shift === 0
            ? `${win} & ${hex(2 ** n - 1)}`
            : `(${win} >>> ${shift}) & ${hex(2 ** n - 1)}`;
      set = (v) => this.use('$bfset', `$bfset(${args}, ${v});`);
    } else {
      const raw = this.use(
        signed ? '$bfs64' : '$bfu64',
        `${signed ? '$bfs64' : '$bfu64'}(${args})`,
      );
      get = asNumber ? `Number(${raw})` : raw;
      set = (v) => this.use('$bfset64', `$bfset64(${args}, ${asNumber ? `BigInt(${v})` : v});`);
    }
    let ts = asNumber ? 'number' : 'bigint';
    if (bool) {
      ts = 'boolean';
      get = `(${get}) !== ${asNumber ? '0' : '0n'}`;
      const inner2 = set;
      set = (v) => inner2(`${v} ? ${asNumber ? '1' : '1n'} : ${asNumber ? '0' : '0n'}`);
    }
    // The typedef's or enum's name when its values map to the same TypeScript type.
    if (named !== undefined && this.shapeTs(u) === ts) ts = named;
    return { ts, prelude: [], expr: get, encode: (v) => [set(v)], flex: false };
  }

  /** An expression for the `w` bytes at `byte` as one unsigned integer in the byte order. */
  private window(byte: number, w: number): string {
    const L = String(this.le);
    const at = (k: number) => `offset${byte + k ? ` + ${byte + k}` : ''}`;
    switch (w) {
      case 1:
        return `view.getUint8(${at(0)})`;
      case 2:
        return `view.getUint16(${at(0)}, ${L})`;
      case 3:
        return this.le
          ? `(view.getUint16(${at(0)}, true) | (view.getUint8(${at(2)}) << 16))`
          : `((view.getUint16(${at(0)}, false) << 8) | view.getUint8(${at(2)}))`;
      default:
        return `view.getUint32(${at(0)}, ${L})`;
    }
  }

  /** The TypeScript type a whole int or enum maps to. */
  private shapeTs(u: Type): string {
    if (u.kind === 'int' && (u.encoding & INT_BOOL) !== 0) return 'boolean';
    if (u.kind === 'int' || u.kind === 'enum') return u.size > 4 ? 'bigint' : 'number';
    return '';
  }
}

/** The line width the output is laid out for (the house Biome setting). */
const LINE_WIDTH = 100;

/** Arrays of at most this many elements decode as array literals rather than in loops. */
const MAX_UNROLLED = 64;

/**
 * `[a, b]` on one line when short, else one element per line; continuation lines are
 * indented relative to the literal's first line (the caller indents them further).
 */
function arrayLiteral(items: string[], width: number): string {
  const line = `[${items.join(', ')}]`;
  if (line.length <= width && !line.includes('\n')) return line;
  return `[\n${items.map((x) => `  ${x.replaceAll('\n', '\n  ')},\n`).join('')}]`;
}

/**
 * `key: expr,` inside a decoder's object literal, broken as Biome breaks a line longer than
 * {@link LINE_WIDTH}: after the key for an operator expression, between the arguments for a
 * call.
 */
function property(key: string, expr: string): string {
  const line = `      ${key}: ${expr},`;
  if (line.length <= LINE_WIDTH || expr.includes('\n')) return line.replaceAll('\n', '\n      ');
  const call = /^([\w$.]+)\((.*)\)$/.exec(expr);
  if (call && !/[()]/.test(call[2]!)) {
    const args = call[2]!.split(', ').map((a) => `        ${a},\n`);
    return `      ${key}: ${call[1]}(\n${args.join('')}      ),`;
  }
  return `      ${key}:\n        ${expr},`;
}

/** The first line(s) of a codec's `decode`, parameters broken over lines when long. */
function decodeHead(name: string, count: string): string {
  const line = `  decode(view: DataView, offset = 0${count}): ${name} {`;
  if (line.length <= LINE_WIDTH) return line;
  const extra = count ? '    count = 0,\n' : '';
  return `  decode(\n    view: DataView,\n    offset = 0,\n${extra}  ): ${name} {`;
}

/**
 * A codec's `encode` from its name on, `body` (` {…},`) after the parameters, which are broken
 * like {@link decodeHead}'s when the first line is long.
 */
function encodeHead(name: string, body: string): string {
  const line = `  encode(value: ${name}, view: DataView, offset = 0): void${body}`;
  if (line.indexOf('\n') === -1 ? line.length <= LINE_WIDTH : line.indexOf('\n') <= LINE_WIDTH) {
    return line;
  }
  return `  encode(\n    value: ${name},\n    view: DataView,\n    offset = 0,\n  ): void${body}`;
}

/**
 * `if (cond) stmt` at the indentation of an encoder's body (4), broken as Biome breaks it when
 * long: the statement on a line of its own, and a call's arguments one per line.
 */
function ifStatement(cond: string, stmt: string): string[] {
  if (4 + cond.length + 1 + stmt.length <= LINE_WIDTH) return [`${cond} ${stmt}`];
  if (6 + stmt.length <= LINE_WIDTH) return [cond, `  ${stmt}`];
  const call = /^([\w$.]+)\((.*)\);$/.exec(stmt);
  if (!call || /[()]/.test(call[2]!)) return [cond, `  ${stmt}`];
  return [cond, `  ${call[1]}(`, ...call[2]!.split(', ').map((a) => `    ${a},`), '  );'];
}

/** A mask in hex. */
function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** How deep anonymous members may nest: far beyond real code, low enough to stop a cycle. */
const MAX_NESTED_ANONYMOUS = 64;

/** DataView accessors of an integer of `size` bytes, or undefined when there are none. */
function intAccess(size: number, signed: boolean): [string, string] | undefined {
  switch (size) {
    case 1:
      return signed ? ['getInt8', 'setInt8'] : ['getUint8', 'setUint8'];
    case 2:
      return signed ? ['getInt16', 'setInt16'] : ['getUint16', 'setUint16'];
    case 4:
      return signed ? ['getInt32', 'setInt32'] : ['getUint32', 'setUint32'];
    case 8:
      return signed ? ['getBigInt64', 'setBigInt64'] : ['getBigUint64', 'setBigUint64'];
    case 16:
      return ['', ''];
    default:
      return undefined;
  }
}

/** An 8-bit integer that is not a `_Bool`: arrays of these decode to a Uint8Array. */
function isByte(t: Type): boolean {
  const u = underlyingType(t);
  return u.kind === 'int' && u.size === 1 && (u.encoding & INT_BOOL) === 0 && u.bits === 8;
}
