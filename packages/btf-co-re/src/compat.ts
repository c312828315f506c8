import { essentialNameLength, type Type, VOID } from '@btfkit/types';
import { BtfError } from '@btfkit/wire';
import { CoreFail, isComposite, skipModsAndTypedefs } from './btf-access.js';

/** How deep libbpf's compatibility checks go (`level` 32, and 32 steps per pointer chain). */
const MAX_LEVEL = 32;

/**
 * How many type pairs one check may compare. libbpf has no such limit, and its recursion
 * over prototype parameters and same-named members can take exponential time on crafted BTF
 * (32 levels of two-parameter prototypes: 2^32 comparisons); real types need a few hundred.
 */
export const MAX_COMPAT_STEPS = 1_000_000;

let steps = 0;

/** Counts one comparison of the check in progress. */
function step(): void {
  if (++steps > MAX_COMPAT_STEPS) {
    throw new CoreFail(
      'type',
      `type compatibility check compared more than ${MAX_COMPAT_STEPS} type pairs`,
    );
  }
}

/** Runs a whole check (not a nested call) with a fresh step count. */
export function checked(f: () => number): number {
  steps = 0;
  return f();
}

/** libbpf's `btf_kind_core_compat`: same kind, with ENUM and ENUM64 as one (they are here). */
function kindCompat(a: Type, b: Type): boolean {
  return a.kind === b.kind;
}

/** A prototype's parameter types as BTF lists them: a variadic one ends with void. */
function paramTypes(p: Extract<Type, { kind: 'func_proto' }>): Type[] {
  const out = p.params.map((x) => x.type);
  if (p.variadic) out.push(VOID);
  return out;
}

function intOffset(t: Type): number {
  return t.kind === 'int' ? t.bitOffset : 0;
}

/**
 * libbpf's `__bpf_core_types_are_compat`: 1 compatible, 0 not, negative on a chain too deep.
 * @internal
 */
export function typesAreCompat(local: Type, target: Type, level = MAX_LEVEL): number {
  if (!kindCompat(local, target)) return 0;
  let l = local;
  let t = target;
  for (let depth = 32; ; ) {
    depth--;
    if (depth < 0) return -22;
    step();
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (!kindCompat(l, t)) return 0;
    switch (l.kind) {
      case 'void':
      case 'struct':
      case 'union':
      case 'enum':
      case 'fwd':
        return 1;
      case 'int':
        return intOffset(l) === 0 && intOffset(t) === 0 ? 1 : 0;
      case 'pointer':
        l = l.target;
        t = (t as typeof l & { kind: 'pointer' }).target;
        continue;
      case 'array':
        l = l.type;
        t = (t as Extract<Type, { kind: 'array' }>).type;
        continue;
      case 'func_proto': {
        const tp = t as Extract<Type, { kind: 'func_proto' }>;
        const lps = paramTypes(l);
        const tps = paramTypes(tp);
        if (lps.length !== tps.length) return 0;
        for (let i = 0; i < lps.length; i++) {
          if (level <= 0) return -22;
          const err = typesAreCompat(
            skipModsAndTypedefs(lps[i]!),
            skipModsAndTypedefs(tps[i]!),
            level - 1,
          );
          if (err <= 0) return err;
        }
        l = skipModsAndTypedefs(l.returnType);
        t = skipModsAndTypedefs(tp.returnType);
        continue;
      }
      default:
        return 0;
    }
  }
}

/**
 * libbpf's `bpf_core_fields_are_compat`: whether a local field's type can be relocated to a
 * target field's type. 1, 0, or negative (a chain too deep).
 * @internal
 */
export function fieldsAreCompat(local: Type, target: Type): number {
  let l = local;
  let t = target;
  for (let depth = 0; depth < MAX_LEVEL * 2; depth++) {
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (isComposite(l) && isComposite(t)) return 1;
    if (!kindCompat(l, t)) return 0;
    switch (l.kind) {
      case 'pointer':
      case 'float':
        return 1;
      case 'fwd':
      case 'enum': {
        const ln = essentialNameLength(l.name);
        const tn = essentialNameLength(t.name);
        return ln === 0 || tn === 0 || (ln === tn && l.name.slice(0, ln) === t.name.slice(0, tn))
          ? 1
          : 0;
      }
      case 'int':
        return intOffset(l) === 0 && intOffset(t) === 0 ? 1 : 0;
      case 'array':
        l = l.type;
        t = (t as Extract<Type, { kind: 'array' }>).type;
        continue;
      default:
        return 0;
    }
  }
  throw new CoreFail('type', `array of array nested more than ${MAX_LEVEL * 2} deep (a cycle?)`);
}

/** libbpf's `bpf_core_names_match`: both empty, or the same essential name. */
function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  const tn = essentialNameLength(target);
  return tn === essentialNameLength(local) && local.slice(0, tn) === target.slice(0, tn);
}

/**
 * The key under which {@link namesMatch} finds a name: the essential name, or a key of its own
 * for the empty name (which only matches itself). One map of these turns libbpf's nested
 * loops over enumerators and members into lookups with the same answers.
 */
function matchKey(name: string): string {
  return name === '' ? '\0' : name.slice(0, essentialNameLength(name));
}

function enumsMatch(
  l: Extract<Type, { kind: 'enum' }>,
  t: Extract<Type, { kind: 'enum' }>,
): number {
  if (l.size !== t.size) return 0;
  if (l.values.length > t.values.length) return 0;
  const keys = new Set(t.values.map((v) => matchKey(v.name)));
  for (const lv of l.values) if (!keys.has(matchKey(lv.name))) return 0;
  return 1;
}

function compositesMatch(
  l: Extract<Type, { kind: 'struct' | 'union' }>,
  t: Extract<Type, { kind: 'struct' | 'union' }>,
  behindPtr: boolean,
  level: number,
): number {
  if (l.members.length > t.members.length) return 0;
  const byKey = new Map<string, Type[]>();
  for (const tm of t.members) {
    const k = matchKey(tm.name);
    const list = byKey.get(k);
    if (list) list.push(tm.type);
    else byKey.set(k, [tm.type]);
  }
  for (const lm of l.members) {
    let matched = false;
    for (const tt of byKey.get(matchKey(lm.name)) ?? []) {
      const err = typesMatchLevel(lm.type, tt, behindPtr, level - 1);
      if (err < 0) return err;
      if (err > 0) {
        matched = true;
        break;
      }
    }
    if (!matched) return 0;
  }
  return 1;
}

function fwdFlag(t: Type): boolean {
  return t.kind === 'fwd' && t.fwdKind === 'union';
}

/**
 * libbpf's `__bpf_core_types_match` (the `type matches` relocation): 1, 0, or negative.
 * @internal
 */
export function typesMatchLevel(
  local: Type,
  target: Type,
  behindPtrIn: boolean,
  level: number,
): number {
  if (level <= 0) return -22;
  let l = local;
  let t = target;
  let behindPtr = behindPtrIn;
  for (let depth = 32; ; ) {
    depth--;
    if (depth < 0) return -22;
    step();
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (!namesMatch(l.name, t.name)) return 0;
    switch (l.kind) {
      case 'void':
        return t.kind === 'void' ? 1 : 0;
      case 'fwd': {
        const lf = fwdFlag(l);
        if (behindPtr) {
          if (t.kind === 'fwd') return lf === fwdFlag(t) ? 1 : 0;
          return (t.kind === 'struct' && !lf) || (t.kind === 'union' && lf) ? 1 : 0;
        }
        if (t.kind !== 'fwd') return 0;
        return lf === fwdFlag(t) ? 1 : 0;
      }
      case 'enum':
        if (t.kind !== 'enum') return 0;
        return enumsMatch(l, t);
      case 'struct':
      case 'union':
        if (behindPtr) {
          if (l.kind === t.kind) return 1;
          if (t.kind !== 'fwd') return 0;
          return (l.kind === 'union') === fwdFlag(t) ? 1 : 0;
        }
        if (l.kind !== t.kind) return 0;
        return compositesMatch(l, t as typeof l, behindPtr, level);
      case 'int':
        if (t.kind !== 'int') return 0;
        return l.size === t.size && l.signed === t.signed ? 1 : 0;
      case 'pointer':
        if (t.kind !== 'pointer') return 0;
        behindPtr = true;
        l = l.target;
        t = t.target;
        continue;
      case 'array':
        if (t.kind !== 'array') return 0;
        if (l.nelems !== t.nelems) return 0;
        l = l.type;
        t = t.type;
        continue;
      case 'func_proto': {
        if (t.kind !== 'func_proto') return 0;
        const lps = paramTypes(l);
        const tps = paramTypes(t);
        if (lps.length !== tps.length) return 0;
        for (let i = 0; i < lps.length; i++) {
          const err = typesMatchLevel(lps[i]!, tps[i]!, behindPtr, level - 1);
          if (err <= 0) return err;
        }
        l = l.returnType;
        t = t.returnType;
        continue;
      }
      default:
        return 0;
    }
  }
}

function verdict(r: number, what: string, local: Type, target: Type): boolean {
  if (r < 0) {
    throw new BtfError(
      `co-re: ${what} of ${local.kind} '${local.name}' and ${target.kind} '${target.name}': nesting deeper than ${MAX_LEVEL} levels`,
    );
  }
  return r > 0;
}

/**
 * Whether a local type and a target type are compatible for CO-RE type relocations (type
 * exists, type size, type ID target), by libbpf's `bpf_core_types_are_compat`: same kind
 * (ENUM and ENUM64 alike) behind typedefs and qualifiers; structs, unions, enums and forward
 * declarations match by kind alone; integers need bit offset 0; pointers, arrays and function
 * prototypes compare what they point to, hold or take. Names are not compared.
 * @throws BtfError when pointer or prototype nesting exceeds libbpf's 32 levels, or a
 *   typedef/qualifier chain loops
 */
export function areTypesCompatible(local: Type, target: Type): boolean {
  return verdict(
    wrap(() => checked(() => typesAreCompat(local, target))),
    'compatibility',
    local,
    target,
  );
}

/**
 * Whether a local field's type can be relocated to a target field's type, by libbpf's
 * `bpf_core_fields_are_compat`: any two structs or unions; pointers and floats of the same
 * kind; enums and forward declarations with the same essential name (or an anonymous one);
 * integers with bit offset 0; arrays by element type. Cilium's `coreAreMembersCompatible`.
 * @throws BtfError when a typedef/qualifier or array chain loops
 */
export function areMembersCompatible(local: Type, target: Type): boolean {
  return verdict(
    wrap(() => fieldsAreCompat(local, target)),
    'member compatibility',
    local,
    target,
  );
}

/**
 * Whether a target type matches a local type in the sense of the `type matches` relocation
 * (`bpf_core_type_matches`), by libbpf's `bpf_core_types_match`: names (essential), kinds,
 * integer size and signedness, array lengths, every local member and enumerator found in the
 * target, and struct/forward declaration equivalence behind pointers.
 * @throws BtfError when nesting exceeds libbpf's 32 levels, or a typedef/qualifier chain loops
 */
export function typesMatch(local: Type, target: Type): boolean {
  return verdict(
    wrap(() => checked(() => typesMatchLevel(local, target, false, MAX_LEVEL))),
    'match',
    local,
    target,
  );
}

/** A local type that is not compatible with a target type ({@link checkTypeCompatibility}). */
export class IncompatibleTypesError extends BtfError {}
Object.defineProperty(IncompatibleTypesError.prototype, 'name', {
  value: 'IncompatibleTypesError',
  writable: true,
  configurable: true,
});

/**
 * cilium/ebpf's `CheckTypeCompatibility`: {@link areTypesCompatible} as a check.
 * @throws IncompatibleTypesError when the types are not compatible
 * @throws BtfError as {@link areTypesCompatible}
 */
export function checkTypeCompatibility(local: Type, target: Type): void {
  if (!areTypesCompatible(local, target)) {
    throw new IncompatibleTypesError(
      `co-re: ${local.kind} '${local.name}' and ${target.kind} '${target.name}' are not compatible`,
    );
  }
}

function wrap(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof CoreFail) throw new BtfError(`co-re: ${e.message}`);
    throw e;
  }
}
