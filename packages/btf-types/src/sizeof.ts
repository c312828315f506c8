import { BtfError, MAX_RESOLVE_DEPTH } from '@btfkit/wire';
import type { Type } from './types.js';

/** Size of a pointer in bytes: BPF is a 64-bit target, as libbpf's BPF pointer size says. */
export const POINTER_SIZE = 8;

/** libbpf keeps sizes in a `__u32`: a larger one is its `E2BIG`. */
const U32_MAX = 0xffffffff;

/**
 * The size in bytes of a value of `type`, as libbpf's `btf__resolve_size` computes it:
 * through typedefs, qualifiers, tags and variables, multiplying array lengths, visiting at
 * most {@link MAX_RESOLVE_DEPTH} types as libbpf does (the start and 31 references), with
 * 8-byte pointers (BPF's).
 * @throws BtfError where libbpf fails: types without a size (void, functions, forward
 *   declarations; libbpf's `EINVAL`), a size or element count past 2^32 - 1 (`E2BIG`), and a
 *   chain of more than {@link MAX_RESOLVE_DEPTH} types (a cycle; `EINVAL`)
 */
export function sizeof(type: Type): number {
  let t = type;
  let nelems = 1;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'datasec':
        return checked(type, nelems, t.size);
      case 'pointer':
        return checked(type, nelems, POINTER_SIZE);
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'decl_tag':
      case 'var':
        t = t.type;
        break;
      case 'array':
        // As libbpf: the element count is checked at each array, and a zero count stops
        // every later check (the size is 0 whatever follows).
        if (nelems !== 0 && t.nelems > Math.floor(U32_MAX / nelems)) tooLarge(type);
        nelems *= t.nelems;
        t = t.type;
        break;
      case 'void':
      case 'fwd':
      case 'func':
      case 'func_proto':
        throw new BtfError(`btf: ${type.kind} '${type.name}': ${t.kind} has no size`);
      default:
        return t satisfies never;
    }
  }
  throw new BtfError(
    `btf: ${type.kind} '${type.name}': size needs more than ${MAX_RESOLVE_DEPTH} types (a cycle?)`,
  );
}

function checked(type: Type, nelems: number, size: number): number {
  if (nelems !== 0 && size > Math.floor(U32_MAX / nelems)) tooLarge(type);
  return nelems * size;
}

function tooLarge(type: Type): never {
  throw new BtfError(`btf: ${type.kind} '${type.name}': size is 4 GiB or more (libbpf: E2BIG)`);
}
