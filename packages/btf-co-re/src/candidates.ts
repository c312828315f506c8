import type { Spec, Type } from '@btfkit/types';
import { BTF_KIND, type RawBtf } from '@btfkit/wire';
import { coreEssentialNameLength } from './essential-name.js';

/**
 * Where CO-RE looks for target types: one Spec (a BTF file, a `vmlinux`, or split BTF with
 * its base), or the kernel's `vmlinux` with module Specs split over it. With modules, as in
 * libbpf, `vmlinux` is searched first and the modules (their own types only, in the order
 * given) only for a local type that has no candidate in `vmlinux`.
 */
export type CoreTargets =
  | Spec
  | {
      /** The kernel's vmlinux Spec, searched first. */
      readonly vmlinux: Spec;
      /**
       * Module Specs split over `vmlinux`, or a function that loads them: it is called (once
       * per {@link coreRelocate} call at most) only when a local type has no candidate in
       * `vmlinux`, as libbpf loads module BTF only then.
       */
      readonly modules?: readonly Spec[] | (() => readonly Spec[]);
    };

/** A candidate target type: libbpf's `struct bpf_core_cand`. */
export interface Candidate {
  /** The Spec that holds the candidate (vmlinux or a module's). */
  readonly spec: Spec;
  /** The candidate type. */
  readonly type: Type;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const UNDERSCORE = 0x5f;

/** ENUM and ENUM64 share one chain: libbpf's `btf_kind_core_compat` takes either for either. */
function kindGroup(wireKind: number): number {
  return wireKind === BTF_KIND.ENUM64 ? BTF_KIND.ENUM : wireKind;
}

/**
 * A hash index of one blob's own types by libbpf's essential name (see
 * {@link coreEssentialNameLength}), read straight from the records' name offsets and the
 * string bytes: Int32Arrays, no strings. Built per kind on the first candidate search for a
 * local type of that kind, so the tens of thousands of FUNC records of a vmlinux are never
 * hashed for struct relocations; a search then touches only the types whose essential name
 * hashes alike.
 */
class EssentialNameIndex {
  private readonly heads = new Map<number, Int32Array>();
  private readonly next: Int32Array;
  private readonly mask: number;
  private readonly view: DataView;

  constructor(private readonly raw: RawBtf) {
    const n = raw.offsets.length;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    this.next = new Int32Array(n);
    this.view = new DataView(raw.types.buffer, raw.types.byteOffset, raw.types.byteLength);
  }

  /** The chain heads of one kind group, hashing that group's names on first use. */
  private headsOf(group: number): Int32Array {
    let heads = this.heads.get(group);
    if (heads) return heads;
    const raw = this.raw;
    heads = new Int32Array(this.mask + 1);
    const next = this.next;
    const view = this.view;
    const le = raw.littleEndian;
    const kinds = raw.kinds;
    const own = raw.strings.bytes;
    const ownFirst = raw.strings.firstOffset;
    const other = group === BTF_KIND.ENUM ? BTF_KIND.ENUM64 : group;
    for (let i = kinds.length - 1; i >= 0; i--) {
      const k = kinds[i]!;
      if (k !== group && k !== other) continue;
      const nameOff = view.getUint32(raw.offsets[i]!, le);
      if (nameOff === 0) continue;
      let h: number;
      const rel = nameOff - ownFirst;
      if (rel >= 0 && rel < own.byteLength) {
        h = essentialHash(own, rel) & this.mask;
      } else {
        const loc = locate(raw, nameOff);
        if (!loc) continue;
        h = essentialHash(loc.bytes, loc.rel) & this.mask;
      }
      next[i] = heads[h]!;
      heads[h] = i + 1;
    }
    this.heads.set(group, heads);
    return heads;
  }

  /** Own IDs (ascending) of kind-compatible types whose essential name is `essential`. */
  lookup(essential: Uint8Array, wireKind: number): number[] {
    const raw = this.raw;
    const out: number[] = [];
    const heads = this.headsOf(kindGroup(wireKind));
    const h = hashBytes(essential, 0, essential.byteLength) & this.mask;
    for (let i = heads[h]!; i !== 0; i = this.next[i - 1]!) {
      const loc = locate(raw, this.view.getUint32(raw.offsets[i - 1]!, raw.littleEndian));
      if (!loc) continue;
      if (essentialEquals(loc.bytes, loc.rel, essential)) out.push(raw.firstTypeID + i - 1);
    }
    return out;
  }
}

const indexes = new WeakMap<RawBtf, EssentialNameIndex>();

function indexOf(raw: RawBtf): EssentialNameIndex {
  let idx = indexes.get(raw);
  if (!idx) {
    idx = new EssentialNameIndex(raw);
    indexes.set(raw, idx);
  }
  return idx;
}

function locate(raw: RawBtf, offset: number): { bytes: Uint8Array; rel: number } | undefined {
  for (let t: RawBtf['strings'] | undefined = raw.strings; t; t = t.base) {
    if (offset >= t.firstOffset) {
      const rel = offset - t.firstOffset;
      return rel < t.bytes.byteLength ? { bytes: t.bytes, rel } : undefined;
    }
  }
  return undefined;
}

/** The length of the NUL-terminated name at `start` and of its essential part, in bytes. */
function essentialLength(bytes: Uint8Array, start: number): number {
  let end = start;
  while (end < bytes.byteLength && bytes[end] !== 0) end++;
  const n = end - start;
  for (let i = n - 5; i >= 0; i--) {
    const p = start + i;
    if (
      bytes[p] !== UNDERSCORE &&
      bytes[p + 1] === UNDERSCORE &&
      bytes[p + 2] === UNDERSCORE &&
      bytes[p + 3] === UNDERSCORE &&
      bytes[p + 4] !== UNDERSCORE
    ) {
      return i + 1;
    }
  }
  return n;
}

function hashBytes(bytes: Uint8Array, start: number, n: number): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[start + i]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * {@link hashBytes} of the essential part of the NUL-terminated name at `start`, in one pass:
 * the hash as it stood after the `X` of the last `X___Y` separator (see
 * {@link essentialLength}), else of the whole name.
 */
function essentialHash(bytes: Uint8Array, start: number): number {
  let h = FNV_OFFSET;
  let cut = 0;
  let hasCut = false;
  const end = bytes.byteLength;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) break;
    h = Math.imul(h ^ b, FNV_PRIME);
    if (
      b !== UNDERSCORE &&
      bytes[i + 1] === UNDERSCORE &&
      bytes[i + 2] === UNDERSCORE &&
      bytes[i + 3] === UNDERSCORE
    ) {
      const y = bytes[i + 4];
      if (y !== undefined && y !== 0 && y !== UNDERSCORE) {
        cut = h;
        hasCut = true;
      }
    }
  }
  return (hasCut ? cut : h) >>> 0;
}

function essentialEquals(bytes: Uint8Array, start: number, essential: Uint8Array): boolean {
  const n = essential.byteLength;
  if (n === 0 || essentialLength(bytes, start) !== n) return false;
  for (let k = 0; k < n; k++) if (bytes[start + k] !== essential[k]) return false;
  return true;
}

const encoder = new TextEncoder();

/** The wire kind of a model type, as the candidate filter compares it. */
function wireKindOf(spec: Spec, type: Type): number {
  const id = spec.typeID(type);
  const raw = spec.raw.owner(id);
  return raw ? raw.kinds[id - raw.firstTypeID]! : BTF_KIND.UNKN;
}

/**
 * libbpf's `bpf_core_add_cands` over one Spec: every type from the first ID searched on
 * whose kind is compatible with the local type's (ENUM and ENUM64 alike) and whose essential
 * name equals the local type's, in ID order.
 */
function addCandidates(
  out: Candidate[],
  essential: Uint8Array,
  wireKind: number,
  target: Spec,
  ownOnly: boolean,
): void {
  const chain: Spec[] = [];
  for (let s: Spec | undefined = target; s; s = ownOnly ? undefined : s.base) chain.unshift(s);
  for (const s of chain) {
    for (const id of indexOf(s.raw).lookup(essential, wireKind)) {
      out.push({ spec: target, type: target.typeByID(id) });
    }
  }
}

/**
 * The candidates for a named local type, as libbpf's `bpf_core_find_cands` collects them:
 * `vmlinux` (or the one target, base types included) first; modules only when it has none.
 * @param modules - where the module Specs come from (default: the target's `modules`)
 * @throws FormatError / NotFoundError from decoding a malformed candidate type, or what a
 *   module loader throws
 */
export function findCandidates(
  local: Spec,
  localType: Type,
  targets: CoreTargets,
  modules: () => readonly Spec[] = () => moduleSpecs(targets),
): Candidate[] {
  const name = localType.name;
  const essential = encoder.encode(name.slice(0, coreEssentialNameLength(name)));
  const wireKind = wireKindOf(local, localType);
  const out: Candidate[] = [];
  if ('vmlinux' in targets) {
    addCandidates(out, essential, wireKind, targets.vmlinux, false);
    if (out.length > 0) return out;
    for (const m of modules()) addCandidates(out, essential, wireKind, m, true);
    return out;
  }
  addCandidates(out, essential, wireKind, targets, false);
  return out;
}

/** The module Specs of a target, loading them if they are given as a function. */
function moduleSpecs(targets: CoreTargets): readonly Spec[] {
  if (!('vmlinux' in targets)) return [];
  const m = targets.modules;
  return typeof m === 'function' ? m() : (m ?? []);
}

/**
 * A once-only loader of a target's module Specs, for one {@link coreRelocate} call.
 * @internal
 */
export function moduleLoader(targets: CoreTargets): () => readonly Spec[] {
  let loaded: readonly Spec[] | undefined;
  return () => {
    loaded ??= moduleSpecs(targets);
    return loaded;
  };
}
