import type { Spec } from '../spec.js';
import type { Type } from '../types.js';
import { qualifiedType, underlyingType } from '../underlying-type.js';

/** The key and value of a BTF-defined map, as its `.maps` definition declares them. */
export interface BtfMapTypes {
  /** The map's name: its variable in `.maps`. */
  readonly name: string;
  /** The key type (`__type(key, T)`), or a byte count (`__uint(key_size, N)`), or none. */
  readonly key: Type | number | undefined;
  /** The value type, a byte count, or none. */
  readonly value: Type | number | undefined;
}

/**
 * The BTF-defined maps of an object: every variable of the `.maps` DATASEC, whose struct has
 * `key`/`value` members that point at the key and value types, or `key_size`/`value_size`
 * members that point at an array of that many elements (libbpf's `__type` and `__uint`).
 * Empty when the Spec has no `.maps` section.
 * @throws MultipleMatchesError when the Spec has several `.maps` DATASECs
 */
export function btfMapTypes(spec: Spec): BtfMapTypes[] {
  const sec = spec.typeByNameOrUndefined('.maps', 'datasec');
  if (!sec) return [];
  const out: BtfMapTypes[] = [];
  for (const v of sec.vars) {
    if (v.type.kind !== 'var') continue;
    const def = underlyingType(v.type.type);
    if (def.kind !== 'struct') continue;
    let key: Type | number | undefined;
    let value: Type | number | undefined;
    for (const m of def.members) {
      const p = qualifiedType(m.type);
      if (p.kind !== 'pointer') continue;
      if (m.name === 'key') key = p.target;
      else if (m.name === 'value') value = p.target;
      else if (m.name === 'key_size' || m.name === 'value_size') {
        const a = qualifiedType(p.target);
        if (a.kind !== 'array') continue;
        if (m.name === 'key_size') key ??= a.nelems;
        else value ??= a.nelems;
      }
    }
    out.push({ name: v.type.name, key, value });
  }
  return out;
}
