import { essentialName, type Spec, type Type } from '@btfkit/types';
import { BTF_KIND } from '@btfkit/wire';

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

/**
 * The wire kinds libbpf's `btf_kind_core_compat` accepts for a local type's kind: its own, and
 * ENUM and ENUM64 for either.
 */
function compatibleKinds(wireKind: number): readonly number[] {
  return wireKind === BTF_KIND.ENUM || wireKind === BTF_KIND.ENUM64
    ? [BTF_KIND.ENUM, BTF_KIND.ENUM64]
    : [wireKind];
}

/** The wire kind of a model type, as the candidate filter compares it. */
function wireKindOf(spec: Spec, type: Type): number {
  const id = spec.typeID(type);
  const raw = spec.raw.owner(id);
  return raw ? raw.kinds[id - raw.firstTypeID]! : BTF_KIND.UNKN;
}

/**
 * libbpf's `bpf_core_add_cands` over one Spec: every type (base types first, unless
 * `ownOnly`) whose kind is compatible with the local type's and whose essential name equals
 * the local type's, in ID order, found through the Spec's essential-name index.
 */
function addCandidates(
  out: Candidate[],
  essential: string,
  kinds: readonly number[],
  target: Spec,
  ownOnly: boolean,
): void {
  const first = ownOnly ? target.firstTypeID : 0;
  for (const id of target.typeIDsByEssentialName(essential, kinds)) {
    if (id >= first) out.push({ spec: target, type: target.typeByID(id) });
  }
}

/**
 * The candidates for a named local type, as libbpf's `bpf_core_find_cands` collects them:
 * `vmlinux` (or the one target, base types included) first; modules only when it has none.
 * An anonymous local type has none.
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
  const essential = essentialName(localType.name);
  const out: Candidate[] = [];
  if (essential === '') return out;
  const kinds = compatibleKinds(wireKindOf(local, localType));
  if ('vmlinux' in targets) {
    addCandidates(out, essential, kinds, targets.vmlinux, false);
    if (out.length > 0) return out;
    for (const m of modules()) addCandidates(out, essential, kinds, m, true);
    return out;
  }
  addCandidates(out, essential, kinds, targets, false);
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
