import type { Type } from './types.js';

/**
 * Appends the direct children of `type` to `out`, in encoding order (for a FUNC_PROTO, the
 * return type first; for an array, element then index). Pushing into a caller's array keeps
 * graph walks free of closures and recursion.
 */
export function pushChildren(type: Type, out: Type[]): void {
  switch (type.kind) {
    case 'pointer':
      out.push(type.target);
      return;
    case 'array':
      out.push(type.type, type.index);
      return;
    case 'struct':
    case 'union':
      for (const m of type.members) out.push(m.type);
      return;
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'func':
    case 'var':
    case 'decl_tag':
    case 'type_tag':
      out.push(type.type);
      return;
    case 'func_proto':
      out.push(type.returnType);
      for (const p of type.params) out.push(p.type);
      return;
    case 'datasec':
      for (const v of type.vars) out.push(v.type);
      return;
    case 'void':
    case 'int':
    case 'enum':
    case 'fwd':
    case 'float':
      return;
    default: {
      // Every kind is listed above: the compiler rejects this line when one is missing.
      const missing: never = type;
      throw new TypeError(`btf: pushChildren: unknown type ${String(missing)}`);
    }
  }
}
