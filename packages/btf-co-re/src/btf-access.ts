import type { Spec, Type } from '@btfkit/types';

/**
 * A failure inside the relocation engine, carrying libbpf's errno name and what went wrong;
 * `relocate.ts` turns it into a {@link CoreRelocationError} naming the relocation.
 * @internal
 */
export class CoreFail extends Error {
  constructor(
    readonly reason: 'ambiguous' | 'access-string' | 'instruction' | 'unsupported' | 'type',
    message: string,
  ) {
    super(message);
  }
}

/**
 * How many typedefs and qualifiers a skip follows. libbpf's `skip_mods_and_typedefs` has no
 * limit (a cycle would hang it); real BTF never nests more than a handful.
 */
const MAX_SKIP = 64;

/** libbpf's `skip_mods_and_typedefs`: the type behind typedefs, qualifiers and type tags. */
export function skipModsAndTypedefs(type: Type): Type {
  let t = type;
  for (let i = 0; i < MAX_SKIP; i++) {
    switch (t.kind) {
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        t = t.type;
        break;
      default:
        return t;
    }
  }
  throw new CoreFail(
    'type',
    `${type.kind} '${type.name}': more than ${MAX_SKIP} typedefs and qualifiers (a cycle?)`,
  );
}

/** libbpf's `MAX_RESOLVE_DEPTH`. */
const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;

/**
 * libbpf's `btf__resolve_size`: the byte size of a type, through typedefs, qualifiers,
 * variables, declaration tags and arrays (pointers are 8 bytes, as for BPF objects).
 * @returns the size, or a negative libbpf errno (`-22` EINVAL: no size; `-7` E2BIG: over 4 GiB)
 */
export function resolveSize(type: Type): number {
  let t = type;
  let nelems = 1;
  let size = -1;
  for (let i = 0; i < MAX_RESOLVE_DEPTH && t.kind !== 'void'; i++) {
    switch (t.kind) {
      case 'int':
      case 'struct':
      case 'union':
      case 'enum':
      case 'datasec':
      case 'float':
        size = t.size;
        break;
      case 'pointer':
        size = 8;
        break;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'var':
      case 'decl_tag':
      case 'type_tag':
        t = t.type;
        continue;
      case 'array':
        if (nelems !== 0 && t.nelems > Math.floor(U32_MAX / nelems)) return -7;
        nelems = (nelems * t.nelems) >>> 0;
        t = t.type;
        continue;
      default:
        return -22;
    }
    break;
  }
  if (size < 0) return -22;
  if (nelems !== 0 && size > Math.floor(U32_MAX / nelems)) return -7;
  return nelems * size;
}

/** {@link resolveSize} that throws a `type` failure instead of returning an errno. */
export function sizeOrFail(type: Type, spec: Spec): number {
  const sz = resolveSize(type);
  if (sz < 0) {
    throw new CoreFail(
      'type',
      `[${spec.typeID(type)}] ${type.kind} '${type.name}': size does not resolve (${sz === -7 ? 'E2BIG' : 'EINVAL'})`,
    );
  }
  return sz;
}

/** Whether a type is a struct or union. */
export function isComposite(t: Type): t is Extract<Type, { kind: 'struct' | 'union' }> {
  return t.kind === 'struct' || t.kind === 'union';
}

/**
 * The 32-bit word of a type's record at `byteOff` (8: `size`/`type`; 12: the first word
 * after the common header), read from the blob as libbpf reads `*(u32 *)(t + 1)` whatever the
 * kind; 0 past the blob's end.
 */
export function recordWord(spec: Spec, type: Type, byteOff: number): number {
  const id = spec.typeID(type);
  if (id === 0) return 0;
  const raw = spec.raw.owner(id);
  if (!raw) return 0;
  const at = raw.typesOffset + raw.offsets[id - raw.firstTypeID]! + byteOff;
  if (at + 4 > raw.bytes.byteLength) return 0;
  return new DataView(raw.bytes.buffer, raw.bytes.byteOffset).getUint32(at, raw.littleEndian);
}

/** `x` as libbpf's `__u32` arithmetic leaves it (modulo 2^32), exact for any safe integer. */
export function u32(x: number): number {
  if (Number.isSafeInteger(x)) return ((x % 0x100000000) + 0x100000000) % 0x100000000;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(x))));
}

/** `a * b * 8` in 32-bit unsigned arithmetic, exact for large factors. */
export function bitsTimes(a: number, b: number): number {
  const p = a * b * 8;
  if (Number.isSafeInteger(p)) return u32(p);
  return Number(BigInt.asUintN(32, BigInt(a) * BigInt(b) * 8n));
}
