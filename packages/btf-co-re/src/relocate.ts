import type { Spec, Type } from '@btfkit/types';
import { BtfError, BPF_CORE_RELO_KIND as K } from '@btfkit/wire';
import { CoreFail } from './btf-access.js';
import { type Candidate, type CoreTargets, findCandidates, moduleLoader } from './candidates.js';
import {
  type AccessSpec,
  calcSide,
  isFieldKind,
  matchSpec,
  POISON,
  parseSpec,
  type SideValue,
} from './core-spec.js';
import { CoreRelocationError, relocationError } from './errors.js';
import type { CoreAccessPath, CoreFixup, CoreRelocation, CoreResult } from './result.js';

/** Options for {@link coreRelocate}. */
export interface CoreRelocateOptions {
  /**
   * The byte order the object's code runs in, which decides the left shift that extracts a
   * bitfield (what libbpf computes on a host of that order). Default: the local Spec's.
   */
  readonly byteOrder?: 'little' | 'big';
}

/** The candidate lists of one object, by local type: libbpf's `cand_cache`. */
type CandidateCache = Map<number, Candidate[]>;

/**
 * Computes the CO-RE fixups of an object's relocations against a target, as libbpf does at
 * load time: cilium/ebpf's `CORERelocate`. Relocations are processed in the order given
 * (give them in `.BTF.ext` order), with one candidate list per local type for the whole
 * call, pruned by each relocation to the candidates that matched it — so later results
 * depend on earlier ones exactly as in libbpf. A failing relocation does not stop the others;
 * its result carries the error libbpf would fail the load with.
 * @param local - the object's Spec
 * @param relocations - the object's relocations (`.BTF.ext` order)
 * @param targets - where candidates are searched
 * @returns one result per relocation, in order
 */
export function coreRelocate(
  local: Spec,
  relocations: Iterable<CoreRelocation>,
  targets: CoreTargets,
  options: CoreRelocateOptions = {},
): CoreResult[] {
  const bigEndian = (options.byteOrder ?? local.byteOrder) === 'big';
  const cache: CandidateCache = new Map();
  const modules = moduleLoader(targets);
  const out: CoreResult[] = [];
  for (const relo of relocations) {
    try {
      out.push({ ok: true, fixup: relocateOne(local, relo, targets, modules, cache, bigEndian) });
    } catch (e) {
      out.push({ ok: false, error: toRelocationError(relo, e) });
    }
  }
  return out;
}

/**
 * Wraps an engine failure (or a decoding error of a malformed type) for a relocation; any
 * other exception is a bug and is rethrown.
 */
export function toRelocationError(relo: CoreRelocation, e: unknown): CoreRelocationError {
  if (e instanceof CoreRelocationError) return e;
  if (e instanceof CoreFail) return relocationError(relo, e.reason, e.message);
  // A malformed type met while decoding (FormatError, NotFoundError): the relocation fails.
  if (e instanceof BtfError) return relocationError(relo, 'type', e.message, { cause: e });
  throw e;
}

function describe(t: Type): string {
  return `${t.kind} '${t.name || '<anon>'}'`;
}

function relocateOne(
  local: Spec,
  relo: CoreRelocation,
  targets: CoreTargets,
  modules: () => readonly Spec[],
  cache: CandidateCache,
  bigEndian: boolean,
): CoreFixup {
  const localType = local.typeByID(relo.typeID);
  let cands: Candidate[] | undefined;
  if (relo.kind !== K.TYPE_ID_LOCAL) {
    cands = cache.get(relo.typeID);
    if (!cands) {
      if (localType.name === '') {
        throw new CoreFail(
          'unsupported',
          `target candidate search failed for [${relo.typeID}] ${describe(localType)}: anonymous types have no candidates`,
        );
      }
      cands = findCandidates(local, localType, targets, modules);
      cache.set(relo.typeID, cands);
    }
  }
  let localSpec: AccessSpec;
  try {
    localSpec = parseSpec(local, localType, relo.accessString, relo.kind);
  } catch (e) {
    if (e instanceof CoreFail) {
      throw new CoreFail(
        'access-string',
        `parsing [${relo.typeID}] ${describe(localType)} + ${relo.accessString} failed: ${e.message}`,
      );
    }
    throw e;
  }
  const localPath = exportPath(localSpec);
  if (relo.kind === K.TYPE_ID_LOCAL) {
    return fixup(relo, BigInt(relo.typeID), BigInt(relo.typeID), false, localPath, undefined);
  }
  if (localType.name === '') {
    throw new CoreFail('unsupported', 'relocation does not support anonymous types');
  }
  const list = cands!;
  let j = 0;
  let best: { spec: AccessSpec; res: Calc } | undefined;
  for (let i = 0; i < list.length; i++) {
    const cand = list[i]!;
    const candSpec = emptySpec(cand);
    const matched = matchSpec(localSpec, cand.spec, cand.type, candSpec);
    if (matched === 0) continue;
    const res = calc(relo, localSpec, candSpec, bigEndian);
    if (j === 0) {
      best = { spec: candSpec, res };
    } else if (candSpec.bitOffset !== best!.spec.bitOffset) {
      throw new CoreFail(
        'ambiguous',
        `field offset ambiguity: ${candSpec.bitOffset} != ${best!.spec.bitOffset}`,
      );
    } else if (res.poison !== best!.res.poison || res.targetValue !== best!.res.targetValue) {
      throw new CoreFail(
        'ambiguous',
        `relocation decision ambiguity: ${res.poison ? 'failure' : 'success'} ${res.targetValue} != ${best!.res.poison ? 'failure' : 'success'} ${best!.res.targetValue}`,
      );
    }
    // Compacted in place as libbpf does, so a later failure leaves the list as it leaves it.
    list[j++] = cand;
  }
  if (j > 0) list.length = j;
  if (!best) {
    const res = calc(relo, localSpec, undefined, bigEndian);
    return { relocation: relo, ...res, local: localPath, target: undefined };
  }
  return { relocation: relo, ...best.res, local: localPath, target: exportPath(best.spec) };
}

function emptySpec(c: Candidate): AccessSpec {
  return { spec: c.spec, root: c.type, kind: 0, accessors: [], raw: [], bitOffset: 0 };
}

type Calc = Omit<CoreFixup, 'relocation' | 'local' | 'target'>;

/** libbpf's `bpf_core_calc_relo`. */
function calc(
  relo: CoreRelocation,
  local: AccessSpec,
  target: AccessSpec | undefined,
  bigEndian: boolean,
): Calc {
  const res = {
    localValue: 0n,
    targetValue: 0n,
    poison: false,
    validate: true,
    localFieldSize: 0,
    targetFieldSize: 0,
    failMemSizeAdjust: false,
  };
  const l = calcSide(relo.kind, local, bigEndian, relo.insnOff);
  if (l === POISON) return { ...res, poison: true };
  res.localValue = l.val;
  res.validate = l.validate;
  res.localFieldSize = l.fieldSize;
  const t = calcSide(relo.kind, target, bigEndian, relo.insnOff);
  if (t === POISON) return { ...res, poison: true };
  res.targetValue = t.val;
  res.targetFieldSize = t.fieldSize;
  if (isFieldKind(relo.kind) && res.localFieldSize !== res.targetFieldSize) {
    res.failMemSizeAdjust = !resizable(l, t);
  }
  return res;
}

/** Whether a load or store may change size: pointers to pointers, unsigned to unsigned. */
function resizable(l: SideValue, t: SideValue): boolean {
  const a = l.fieldType;
  const b = t.fieldType;
  if (!a || !b) return false;
  if (a.kind === 'pointer' && b.kind === 'pointer') return true;
  return a.kind === 'int' && b.kind === 'int' && a.encoding !== 1 && b.encoding !== 1;
}

function fixup(
  relo: CoreRelocation,
  localValue: bigint,
  targetValue: bigint,
  validate: boolean,
  local: CoreAccessPath,
  target: CoreAccessPath | undefined,
): CoreFixup {
  return {
    relocation: relo,
    localValue,
    targetValue,
    poison: false,
    validate,
    localFieldSize: 0,
    targetFieldSize: 0,
    failMemSizeAdjust: false,
    local,
    target,
  };
}

function exportPath(s: AccessSpec): CoreAccessPath {
  return {
    spec: s.spec,
    rootTypeID: s.spec.typeID(s.root),
    accessors: s.accessors.map((a) => ({
      typeID: s.spec.typeID(a.type),
      index: a.index,
      name: a.name,
    })),
    raw: s.raw,
    bitOffset: s.bitOffset,
  };
}
