import type { Spec, Type } from '@btfkit/types';
import { essentialNameLength } from '@btfkit/types';
import { BPF_CORE_RELO_KIND as K } from '@btfkit/wire';
import {
  bitsTimes,
  CoreFail,
  isComposite,
  recordWord,
  resolveSize,
  sizeOrFail,
  skipModsAndTypedefs,
  u32,
} from './btf-access.js';
import {
  checked,
  fieldsAreCompat,
  MAX_COMPAT_STEPS,
  typesAreCompat,
  typesMatchLevel,
} from './compat.js';

/** libbpf's `BPF_CORE_SPEC_MAX_LEN`: at most 64 access-string elements. */
export const MAX_SPEC_LEN = 64;

/** One accessor of a spec, with its type as an object (the ID is looked up when exported). */
export interface Accessor {
  type: Type;
  index: number;
  name: string | undefined;
}

/** libbpf's `struct bpf_core_spec`, mutable while it is built. */
export interface AccessSpec {
  spec: Spec;
  root: Type;
  kind: number;
  accessors: Accessor[];
  raw: number[];
  bitOffset: number;
}

/** Whether a kind is field-based (`core_relo_is_field_based`). */
export function isFieldKind(kind: number): boolean {
  return kind >= K.FIELD_BYTE_OFFSET && kind <= K.FIELD_RSHIFT_U64;
}

/** Whether a kind is type-based (`core_relo_is_type_based`). */
export function isTypeKind(kind: number): boolean {
  return (kind >= K.TYPE_ID_LOCAL && kind <= K.TYPE_SIZE) || kind === K.TYPE_MATCHES;
}

/** Whether a kind is enumerator-based (`core_relo_is_enumval_based`). */
export function isEnumKind(kind: number): boolean {
  return kind === K.ENUMVAL_EXISTS || kind === K.ENUMVAL_VALUE;
}

const INT_MAX = 0x7fffffff;

/** Whether a character is one C's `isspace` accepts (what `sscanf("%d")` skips). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Parses an access string as libbpf does (`sscanf("%d")` after an optional `:`), so `1:` and
 * `+1: 2` parse as they do there. Negative and out-of-range numbers are refused (libbpf reads
 * out of bounds with them).
 */
export function parseAccessString(s: string): number[] {
  if (s === '' || s.charCodeAt(0) === 0x3a)
    throw new CoreFail('access-string', 'empty or starts with a colon');
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    if (s.charCodeAt(i) === 0x3a) i++;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    let neg = false;
    if (s[i] === '+' || s[i] === '-') {
      neg = s[i] === '-';
      i++;
    }
    const start = i;
    let v = 0;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
      v = v * 10 + (s.charCodeAt(i) - 0x30);
      i++;
    }
    if (i === start) throw new CoreFail('access-string', `not a number at character ${i}`);
    if (neg && v !== 0) throw new CoreFail('access-string', `negative index -${v}`);
    if (v > INT_MAX) throw new CoreFail('access-string', `index ${v} out of range`);
    if (out.length === MAX_SPEC_LEN)
      throw new CoreFail('access-string', `more than ${MAX_SPEC_LEN} elements (E2BIG)`);
    out.push(v);
  }
  return out;
}

/** libbpf's `is_flex_arr`: an array of 0 elements that is the last member of its struct. */
function isFlexArray(acc: Accessor | undefined, nelems: number): boolean {
  if (!acc || acc.name === undefined || nelems > 0) return false;
  const t = acc.type;
  return isComposite(t) && acc.index === t.members.length - 1;
}

/**
 * libbpf's `bpf_core_parse_spec`: the local spec of a relocation.
 * @throws CoreFail (`access-string`) when the string does not fit the type
 */
export function parseSpec(spec: Spec, root: Type, accessString: string, kind: number): AccessSpec {
  const out: AccessSpec = { spec, root, kind, accessors: [], raw: [], bitOffset: 0 };
  if (isTypeKind(kind)) {
    if (accessString !== '0') {
      throw new CoreFail('access-string', `type relocation needs access string '0'`);
    }
    return out;
  }
  out.raw = parseAccessString(accessString);
  let t = skipModsAndTypedefs(root);
  const first = out.raw[0]!;
  out.accessors.push({ type: t, index: first, name: undefined });
  if (isEnumKind(kind)) {
    if (t.kind !== 'enum' || out.raw.length > 1 || first >= t.values.length) {
      throw new CoreFail('access-string', `does not name an enumerator of ${t.kind} '${t.name}'`);
    }
    out.accessors[0]!.name = t.values[first]!.name;
    return out;
  }
  if (!isFieldKind(kind)) throw new CoreFail('access-string', `unknown relocation kind ${kind}`);
  const rootSize = resolveSize(t);
  if (rootSize < 0) throw new CoreFail('access-string', `root ${t.kind} '${t.name}' has no size`);
  out.bitOffset = bitsTimes(first, rootSize);
  let cur: Type = t;
  for (let i = 1; i < out.raw.length; i++) {
    t = skipModsAndTypedefs(cur);
    const idx = out.raw[i]!;
    if (isComposite(t)) {
      const m = t.members[idx];
      if (!m) {
        throw new CoreFail(
          'access-string',
          `member ${idx} is past the ${t.members.length} members of ${t.kind} '${t.name}'`,
        );
      }
      out.bitOffset = u32(out.bitOffset + m.bitOffset);
      if (m.name !== '') out.accessors.push({ type: t, index: idx, name: m.name });
      cur = m.type;
    } else if (t.kind === 'array') {
      const elem = skipModsAndTypedefs(t.type);
      const flex = isFlexArray(out.accessors[out.accessors.length - 1], t.nelems);
      if (!flex && idx >= t.nelems) {
        throw new CoreFail(
          'access-string',
          `index ${idx} is past the ${t.nelems} elements of an array`,
        );
      }
      out.accessors.push({ type: elem, index: idx, name: undefined });
      const sz = resolveSize(elem);
      if (sz < 0)
        throw new CoreFail(
          'access-string',
          `array element ${elem.kind} '${elem.name}' has no size`,
        );
      out.bitOffset = u32(out.bitOffset + bitsTimes(idx, sz));
      cur = elem;
    } else {
      throw new CoreFail('access-string', `element ${i} indexes into a ${t.kind}`);
    }
  }
  return out;
}

interface Frame {
  type: Extract<Type, { kind: 'struct' | 'union' }>;
  i: number;
  added: number;
}

/**
 * libbpf's `bpf_core_match_member`, with an explicit stack for its recursion into anonymous
 * members, including its quirks: a named match whose type is incompatible leaves its bit
 * offset and raw index behind when it was found inside an anonymous member.
 * @returns 1 and the member's type, or 0
 */
function matchMember(
  localAcc: Accessor,
  targetType: Type,
  ts: AccessSpec,
): { found: number; next: Type | undefined } {
  const local = localAcc.type as Extract<Type, { kind: 'struct' | 'union' }>;
  const lm = local.members[localAcc.index]!;
  const start = skipModsAndTypedefs(targetType);
  if (!isComposite(start)) return { found: 0, next: undefined };
  const stack: Frame[] = [{ type: start, i: 0, added: 0 }];
  // libbpf's recursion into anonymous members is unbounded in breadth: shared anonymous
  // types make it exponential on crafted BTF. Real structs need a few hundred visits.
  let visits = 0;
  // Unwinds one frame that found nothing: its parent undoes the anonymous member it entered.
  const unwind = (): boolean => {
    stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) return false;
    ts.bitOffset = u32(ts.bitOffset - parent.added);
    ts.raw.pop();
    parent.i++;
    return true;
  };
  for (;;) {
    const f = stack[stack.length - 1]!;
    const members = f.type.members;
    if (f.i >= members.length) {
      if (!unwind()) return { found: 0, next: undefined };
      continue;
    }
    const m = members[f.i]!;
    if (++visits > MAX_COMPAT_STEPS) {
      throw new CoreFail(
        'type',
        `member search visited more than ${MAX_COMPAT_STEPS} members (anonymous members nested too widely)`,
      );
    }
    if (ts.raw.length === MAX_SPEC_LEN)
      throw new CoreFail('type', `target access path longer than ${MAX_SPEC_LEN} (E2BIG)`);
    ts.bitOffset = u32(ts.bitOffset + m.bitOffset);
    ts.raw.push(f.i);
    f.added = m.bitOffset;
    if (m.name === '') {
      const inner = skipModsAndTypedefs(m.type);
      if (isComposite(inner)) {
        stack.push({ type: inner, i: 0, added: 0 });
        continue;
      }
    } else if (m.name === lm.name) {
      ts.accessors.push({ type: f.type, index: f.i, name: m.name });
      const found = fieldsAreCompat(lm.type, m.type);
      if (found < 0) throw new CoreFail('type', 'field compatibility check nested too deep');
      if (found) return { found, next: m.type };
      ts.accessors.pop();
      // libbpf returns 0 here without undoing this member's offset and raw index.
      if (!unwind()) return { found: 0, next: undefined };
      continue;
    }
    ts.bitOffset = u32(ts.bitOffset - m.bitOffset);
    ts.raw.pop();
    f.i++;
  }
}

/**
 * libbpf's `bpf_core_spec_match`: matches a local spec against one candidate, building the
 * target spec.
 * @returns 1 when the candidate matches, 0 when not
 * @throws CoreFail where libbpf returns a negative errno
 */
export function matchSpec(
  local: AccessSpec,
  tspec: Spec,
  candidate: Type,
  out: AccessSpec,
): number {
  out.spec = tspec;
  out.root = candidate;
  out.kind = local.kind;
  out.accessors = [];
  out.raw = [];
  out.bitOffset = 0;
  if (isTypeKind(local.kind)) {
    const r = checked(() =>
      local.kind === K.TYPE_MATCHES
        ? typesMatchLevel(local.root, candidate, false, 32)
        : typesAreCompat(local.root, candidate),
    );
    if (r < 0) throw new CoreFail('type', 'type compatibility check nested too deep');
    return r;
  }
  const acc0 = local.accessors[0]!;
  if (isEnumKind(local.kind)) {
    const t = skipModsAndTypedefs(candidate);
    if (t.kind !== 'enum') return 0;
    const name = acc0.name!;
    const ln = essentialNameLength(name);
    for (let i = 0; i < t.values.length; i++) {
      const tn = t.values[i]!.name;
      if (essentialNameLength(tn) !== ln) continue;
      if (name.slice(0, ln) === tn.slice(0, ln)) {
        out.accessors.push({ type: t, index: i, name: tn });
        out.raw.push(i);
        return 1;
      }
    }
    return 0;
  }
  let cur: Type = candidate;
  for (let i = 0; i < local.accessors.length; i++) {
    const la = local.accessors[i]!;
    const t = skipModsAndTypedefs(cur);
    if (la.name !== undefined) {
      const { found, next } = matchMember(la, t, out);
      if (found <= 0) return found;
      cur = next!;
    } else {
      let elem = t;
      if (i > 0) {
        if (t.kind !== 'array') return 0;
        const flex = isFlexArray(out.accessors[out.accessors.length - 1], t.nelems);
        if (!flex && la.index >= t.nelems) return 0;
        elem = skipModsAndTypedefs(t.type);
      }
      if (out.raw.length === MAX_SPEC_LEN)
        throw new CoreFail('type', `target access path longer than ${MAX_SPEC_LEN} (E2BIG)`);
      out.accessors.push({ type: elem, index: la.index, name: undefined });
      out.raw.push(la.index);
      const sz = resolveSize(elem);
      if (sz < 0) throw new CoreFail('type', `target ${elem.kind} '${elem.name}' has no size`);
      out.bitOffset = u32(out.bitOffset + bitsTimes(la.index, sz));
      cur = elem;
    }
  }
  return 1;
}

/** What one side of a relocation computes (`bpf_core_calc_*_relo`). */
export interface SideValue {
  val: bigint;
  fieldSize: number;
  fieldType: Type | undefined;
  validate: boolean;
}

const POISON = Symbol('poison');

/**
 * libbpf's `bpf_core_calc_field_relo` / `_type_relo` / `_enumval_relo` for one side.
 * `bigEndian` picks the left-shift formula libbpf compiles for a host of that order.
 * @returns the value, or POISON when the relocation must poison (`-EUCLEAN`)
 * @throws CoreFail where libbpf returns another error
 */
export function calcSide(
  kind: number,
  s: AccessSpec | undefined,
  bigEndian: boolean,
  insnOff: number,
): SideValue | typeof POISON {
  const res: SideValue = { val: 0n, fieldSize: 0, fieldType: undefined, validate: true };
  if (isFieldKind(kind)) {
    if (kind === K.FIELD_EXISTS) {
      res.val = s ? 1n : 0n;
      return res;
    }
    if (!s) return POISON;
    const acc = s.accessors[s.accessors.length - 1]!;
    if (acc.name === undefined) {
      if (kind === K.FIELD_BYTE_OFFSET) {
        res.val = BigInt(Math.floor(s.bitOffset / 8));
        res.fieldSize = sizeOrFail(acc.type, s.spec);
        res.fieldType = acc.type;
      } else if (kind === K.FIELD_BYTE_SIZE) {
        res.val = BigInt(sizeOrFail(acc.type, s.spec));
      } else {
        throw new CoreFail(
          'unsupported',
          `relocation kind ${kind} cannot be applied to an array access (insn #${insnOff / 8})`,
        );
      }
      return res;
    }
    const t = acc.type as Extract<Type, { kind: 'struct' | 'union' }>;
    const m = t.members[acc.index]!;
    const mt = skipModsAndTypedefs(m.type);
    const bitOff = s.bitOffset;
    let bitSz = m.bitfieldSize;
    const bitfield = bitSz > 0;
    let byteSz: number;
    let byteOff: number;
    if (bitfield) {
      byteSz = 'size' in mt && typeof mt.size === 'number' ? mt.size : 0;
      if (byteSz === 0)
        throw new CoreFail('type', `bitfield of ${mt.kind} '${mt.name}' without a size`);
      byteOff = Math.floor(Math.floor(bitOff / 8) / byteSz) * byteSz;
      while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
        if (byteSz >= 8) {
          throw new CoreFail(
            'unsupported',
            `bitfield at bit ${bitOff} cannot be read with a 64-bit load (E2BIG)`,
          );
        }
        byteSz *= 2;
        byteOff = Math.floor(Math.floor(bitOff / 8) / byteSz) * byteSz;
      }
    } else {
      byteSz = sizeOrFail(mt, s.spec);
      byteOff = Math.floor(bitOff / 8);
      bitSz = u32(byteSz * 8);
    }
    res.validate = !bitfield;
    switch (kind) {
      case K.FIELD_BYTE_OFFSET:
        res.val = BigInt(byteOff);
        if (!bitfield) {
          res.fieldSize = byteSz;
          res.fieldType = mt;
        }
        break;
      case K.FIELD_BYTE_SIZE:
        res.val = BigInt(byteSz);
        break;
      case K.FIELD_SIGNED:
        res.val =
          (mt.kind === 'enum' && mt.signed) || (intEncoding(mt, s.spec) & 1) !== 0 ? 1n : 0n;
        res.validate = true;
        break;
      case K.FIELD_LSHIFT_U64:
        res.val = BigInt(
          bigEndian
            ? u32(u32((8 - byteSz) * 8) + u32(bitOff - byteOff * 8))
            : u32(64 - u32(bitOff + bitSz - byteOff * 8)),
        );
        break;
      case K.FIELD_RSHIFT_U64:
        res.val = BigInt(u32(64 - bitSz));
        res.validate = true;
        break;
      default:
        throw new CoreFail('unsupported', `unrecognized CO-RE relocation kind ${kind}`);
    }
    return res;
  }
  if (isTypeKind(kind)) {
    if (!s) return res;
    switch (kind) {
      case K.TYPE_ID_TARGET:
        res.val = BigInt(s.spec.typeID(s.root));
        res.validate = false;
        break;
      case K.TYPE_EXISTS:
      case K.TYPE_MATCHES:
        res.val = 1n;
        break;
      case K.TYPE_SIZE:
        res.val = BigInt(sizeOrFail(s.root, s.spec));
        break;
      default:
        throw new CoreFail('unsupported', `unrecognized CO-RE relocation kind ${kind}`);
    }
    return res;
  }
  if (isEnumKind(kind)) {
    if (kind === K.ENUMVAL_EXISTS) {
      res.val = s ? 1n : 0n;
      return res;
    }
    if (!s) return POISON;
    const acc = s.accessors[0]!;
    const e = acc.type as Extract<Type, { kind: 'enum' }>;
    const v = e.values[acc.index]!.value;
    // An ENUM value is an __s32 that libbpf widens to 64 bits with its sign.
    res.val = e.enum64 ? BigInt.asUintN(64, v) : BigInt.asUintN(64, BigInt.asIntN(32, v));
    return res;
  }
  throw new CoreFail('unsupported', `unrecognized CO-RE relocation kind ${kind}`);
}

/** libbpf's `btf_int_encoding(t)`: bits 24..27 of the word after the header, for any kind. */
function intEncoding(t: Type, spec: Spec): number {
  if (t.kind === 'int') return t.encoding;
  if (t.kind === 'void') return 0;
  return (recordWord(spec, t, 12) >>> 24) & 0x0f;
}

export { POISON };
