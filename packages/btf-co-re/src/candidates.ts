import type { Spec, Type } from '@btfkit/types';
import { BTF_KIND, type RawBtf } from '@btfkit/wire';
import { coreEssentialNameLength } from './essential-name.js';

/**
 * Where CO-RE looks for target types: one Spec (a BTF file, a `vmlinux`, or split BTF with
 * its base), or the kernel's `vmlinux` with module Specs split over it. With modules, as in
 * libbpf, `vmlinux` is searched first and the modules (their own types only, in the order
 * given) only for a local type that has no candidate in `vmlinux`.
 */
export type CoreTargets = Spec | { readonly vmlinux: Spec; readonly modules?: readonly Spec[] };

/** A candidate target type: libbpf's `struct bpf_core_cand`. */
export interface Candidate {
  readonly spec: Spec;
  readonly type: Type;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const UNDERSCORE = 0x5f;

/**
 * A hash index of one blob's own types by libbpf's essential name (see
 * {@link coreEssentialNameLength}), read straight from the records' name offsets and the
 * string bytes: two Int32Arrays, no strings. Built on the first candidate search of a target;
 * each search then touches only the types whose essential name hashes alike.
 */
class EssentialNameIndex {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly mask: number;

  constructor(private readonly raw: RawBtf) {
    const n = raw.offsets.length;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    this.heads = new Int32Array(cap);
    this.next = new Int32Array(n);
    const view = new DataView(raw.types.buffer, raw.types.byteOffset, raw.types.byteLength);
    const le = raw.littleEndian;
    for (let i = n - 1; i >= 0; i--) {
      const nameOff = view.getUint32(raw.offsets[i]!, le);
      if (nameOff === 0) continue;
      const loc = locate(raw, nameOff);
      if (!loc) continue;
      const h = essentialHash(loc.bytes, loc.rel) & this.mask;
      this.next[i] = this.heads[h]!;
      this.heads[h] = i + 1;
    }
  }

  /** Own IDs (ascending) of kind-compatible types whose essential name is `essential`. */
  lookup(essential: Uint8Array, wireKind: number): number[] {
    const raw = this.raw;
    const out: number[] = [];
    const view = new DataView(raw.types.buffer, raw.types.byteOffset, raw.types.byteLength);
    const le = raw.littleEndian;
    const anyEnum = wireKind === BTF_KIND.ENUM || wireKind === BTF_KIND.ENUM64;
    const h = hashBytes(essential, 0, essential.byteLength) & this.mask;
    for (let i = this.heads[h]!; i !== 0; i = this.next[i - 1]!) {
      const k = raw.kinds[i - 1]!;
      if (k !== wireKind && !(anyEnum && (k === BTF_KIND.ENUM || k === BTF_KIND.ENUM64))) continue;
      const loc = locate(raw, view.getUint32(raw.offsets[i - 1]!, le));
      if (!loc) continue;
      if (essentialEquals(loc.bytes, loc.rel, essential)) out.push(raw.firstTypeId + i - 1);
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

function essentialHash(bytes: Uint8Array, start: number): number {
  return hashBytes(bytes, start, essentialLength(bytes, start));
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
  return raw ? raw.kinds[id - raw.firstTypeId]! : BTF_KIND.UNKN;
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
 */
export function findCandidates(local: Spec, localType: Type, targets: CoreTargets): Candidate[] {
  const name = localType.name;
  const essential = encoder.encode(name.slice(0, coreEssentialNameLength(name)));
  const wireKind = wireKindOf(local, localType);
  const out: Candidate[] = [];
  if ('vmlinux' in targets) {
    addCandidates(out, essential, wireKind, targets.vmlinux, false);
    if (out.length > 0) return out;
    for (const m of targets.modules ?? []) addCandidates(out, essential, wireKind, m, true);
    return out;
  }
  addCandidates(out, essential, wireKind, targets, false);
  return out;
}
