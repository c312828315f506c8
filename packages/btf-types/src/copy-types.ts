import {
  ArrayType,
  Const,
  Datasec,
  DeclTag,
  Enum,
  Float,
  Func,
  FuncProto,
  Fwd,
  Int,
  Pointer,
  Restrict,
  Struct,
  type Type,
  Typedef,
  TypeTag,
  Union,
  Var,
  VOID,
  Volatile,
} from './types.js';

/**
 * Deep-copies type graphs: every type reachable from the roots becomes a new object, shared
 * and cyclic references stay shared and cyclic. Types for which `keep` returns an object are
 * not copied but replaced by it (a split Spec's base types). Iterative: shells first, then
 * children, so depth and cycles do not matter.
 * @returns the map from each original type to its copy
 */
export function copyTypes(
  roots: Iterable<Type>,
  keep?: (t: Type) => Type | undefined,
): Map<Type, Type> {
  const map = new Map<Type, Type>();
  const queue: Type[] = [];
  const get = (t: Type): Type => {
    let c = map.get(t);
    if (c) return c;
    c = keep?.(t);
    if (c) {
      map.set(t, c);
      return c;
    }
    c = shallow(t);
    map.set(t, c);
    queue.push(t);
    return c;
  };
  for (const r of roots) get(r);
  while (queue.length > 0) {
    const t = queue.pop()!;
    const c = map.get(t)!;
    switch (t.kind) {
      case 'pointer':
        (c as Pointer).target = get(t.target);
        break;
      case 'array':
        (c as ArrayType).type = get(t.type);
        (c as ArrayType).index = get(t.index);
        break;
      case 'struct':
      case 'union':
        (c as Struct | Union).members = t.members.map((m) => ({ ...m, type: get(m.type) }));
        break;
      case 'func':
        (c as Func).type = get(t.type) as FuncProto;
        break;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'var':
      case 'decl_tag':
      case 'type_tag':
        (c as Typedef).type = get(t.type);
        break;
      case 'func_proto':
        (c as FuncProto).returnType = get(t.returnType);
        (c as FuncProto).params = t.params.map((p) => ({ ...p, type: get(p.type) }));
        break;
      case 'datasec':
        (c as Datasec).vars = t.vars.map((v) => ({ ...v, type: get(v.type) }));
        break;
      case 'void':
      case 'int':
      case 'enum':
      case 'fwd':
      case 'float':
        break;
      default: {
        // Every kind is listed above: the compiler rejects this line when one is missing.
        const missing: never = t;
        throw new TypeError(`btf: copyTypes: unknown type ${String(missing)}`);
      }
    }
  }
  return map;
}

/** A copy of `t` with its scalar fields and placeholder children. */
function shallow(t: Type): Type {
  switch (t.kind) {
    case 'void':
      return VOID;
    case 'int':
      return new Int(t.name, t.size, t.encoding, t.bits, t.bitOffset);
    case 'pointer':
      return new Pointer(VOID);
    case 'array':
      return new ArrayType(VOID, VOID, t.nelems);
    case 'struct':
      return new Struct(t.name, t.size, []);
    case 'union':
      return new Union(t.name, t.size, []);
    case 'enum':
      return new Enum(
        t.name,
        t.size,
        t.values.map((v) => ({ ...v })),
        t.signed,
        t.enum64,
      );
    case 'fwd':
      return new Fwd(t.name, t.fwdKind);
    case 'typedef':
      return new Typedef(t.name, VOID);
    case 'volatile':
      return new Volatile(VOID);
    case 'const':
      return new Const(VOID);
    case 'restrict':
      return new Restrict(VOID);
    case 'func':
      return new Func(t.name, t.type, t.linkage);
    case 'func_proto':
      return new FuncProto(VOID, [], t.variadic);
    case 'var':
      return new Var(t.name, VOID, t.linkage);
    case 'datasec':
      return new Datasec(t.name, t.size, []);
    case 'float':
      return new Float(t.name, t.size);
    case 'decl_tag':
      return new DeclTag(t.name, VOID, t.componentIdx, t.attribute);
    case 'type_tag':
      return new TypeTag(t.name, VOID, t.attribute);
  }
}
