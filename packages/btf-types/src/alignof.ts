import { BtfError, MAX_RESOLVE_DEPTH } from '@btfkit/wire';
import { POINTER_SIZE } from './sizeof.js';
import type { Type } from './types.js';

/**
 * The alignment in bytes of `type`, as libbpf's `btf__align_of` computes it: scalars align to
 * their size (at most a pointer's), arrays to their element, structs and unions to their most
 * aligned member, or to 1 when a member's offset or the size shows the record is packed.
 * @throws BtfError for types without an alignment and after {@link MAX_RESOLVE_DEPTH} levels
 *   of nesting (a cycle)
 */
export function alignof(type: Type): number {
  return alignAt(type, 0, type);
}

// Recursion here is bounded by MAX_RESOLVE_DEPTH, not by the input.
function alignAt(t: Type, depth: number, root: Type): number {
  if (depth >= MAX_RESOLVE_DEPTH) {
    throw new BtfError(
      `btf: ${root.kind} '${root.name}': alignment needs more than ${MAX_RESOLVE_DEPTH} levels (a cycle?)`,
    );
  }
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'float':
      return Math.min(POINTER_SIZE, t.size);
    case 'pointer':
      return POINTER_SIZE;
    case 'array':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'var':
      return alignAt(t.type, depth + 1, root);
    case 'decl_tag':
    case 'void':
    case 'fwd':
    case 'func':
    case 'func_proto':
    case 'datasec':
      throw new BtfError(`btf: ${root.kind} '${root.name}': ${t.kind} has no alignment`);
    case 'struct':
    case 'union': {
      let max = 1;
      for (const m of t.members) {
        const align = alignAt(m.type, depth + 1, root);
        // A member off its natural alignment means the record is packed.
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * align) !== 0) return 1;
        if (align > max) max = align;
      }
      if (t.size % max !== 0) return 1;
      return max;
    }
    default:
      return t satisfies never;
  }
}
