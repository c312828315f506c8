import { type Spec, sizeof, type Type } from '@btfkit/types';
import { BtfError } from '@btfkit/wire';

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

/**
 * libbpf's `btf__resolve_size` (`sizeof` of `@btfkit/types`, which follows it), or -1 where
 * libbpf returns an error: every caller in the engine only asks whether there is a size.
 */
export function resolveSize(type: Type): number {
  try {
    return sizeof(type);
  } catch (err) {
    if (err instanceof BtfError) return -1;
    throw err;
  }
}

/** `sizeof` that throws a `type` failure naming the type instead of a `BtfError`. */
export function sizeOrFail(type: Type, spec: Spec): number {
  try {
    return sizeof(type);
  } catch (err) {
    if (!(err instanceof BtfError)) throw err;
    throw new CoreFail(
      'type',
      `[${spec.typeID(type)}] ${type.kind} '${type.name}': size does not resolve (${err.message})`,
    );
  }
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
