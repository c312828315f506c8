import { deflateSync, inflateSync } from 'node:zlib';
import { type CoreResult, coreRelocate, objectRelocations, relocateObject } from '@btfkit/co-re';
import {
  decodeExtInfos,
  decompressSection,
  ELFCOMPRESS,
  ElfFile,
  loadRawBtfFromElf,
  loadSpecAndExtInfosFromBytes,
  resolveExtInfos,
} from '@btfkit/elf';
import {
  alignof,
  dedupBtf,
  formatC,
  formatType,
  pushChildren,
  qualifiedType,
  Spec,
  sizeof,
  type Type,
  underlyingType,
} from '@btfkit/types';
import {
  BTF_TYPE_SIZE,
  BtfError,
  type BtfExt,
  decodeBtfExt,
  type ExtSubsection,
  encodeBtfExt,
  jsonDump,
  RawBtf,
  rawDump,
} from '@btfkit/wire';
import { ContractViolation, tolerate } from './contract.js';
import { listTestdata, readTestdata } from './paths.js';
import { typeShape } from './type-shape.js';

/** The names of the fuzz targets. */
export const TARGET_NAMES = [
  'wire',
  'types',
  'elf',
  'btf-ext',
  'split',
  'c-format',
  'zlib',
  'co-re',
  'dedup',
] as const;

/** One of {@link TARGET_NAMES}. */
export type TargetName = (typeof TARGET_NAMES)[number];

/** A parser under test: its seed inputs and what to do with one input. */
export interface FuzzTarget {
  readonly name: TargetName;
  /** What the target does, for the runner's output. */
  readonly description: string;
  /** The seed corpus, read from `testdata/`. */
  seeds(): Uint8Array[];
  /**
   * Runs one input. Returns normally or throws; only a `BtfError` is an allowed failure. Adds
   * strings to `features` as a cheap coverage signal (kinds decoded, errors hit).
   */
  run(input: Uint8Array, features: Set<string>): void;
}

function objectFiles(match: (name: string) => boolean): Uint8Array[] {
  return listTestdata('objects', match).map((f) => readTestdata('objects', f));
}

/** Every BTF blob of the fixtures that stands alone (not split). */
function btfSeeds(): Uint8Array[] {
  return [...objectFiles((f) => f.endsWith('.btf')), readTestdata('pahole', 'base.btf')];
}

/** Claimed counts must have been checked against the bytes before anything was allocated. */
function checkBound(what: string, claimed: number, available: number): void {
  if (claimed > available) {
    throw new ContractViolation(
      'alloc',
      `fuzz: ${what}: ${claimed} bytes of records decoded from ${available} bytes`,
    );
  }
}

/** Decodes every record of a blob, then dumps it both ways. */
function exerciseRaw(raw: RawBtf, bytes: Uint8Array, f: Set<string>): void {
  checkBound('type records', raw.typeCount * BTF_TYPE_SIZE, bytes.byteLength);
  f.add(`hdr:${raw.header.hdrLen === 24 ? 24 : 'x'}:${raw.layout ? 'layout' : '-'}`);
  for (let id = raw.firstTypeID; id < raw.nextTypeID; id++) {
    const rec = tolerate(f, 'record', () => raw.record(id));
    if (!rec) continue;
    f.add(`rec:${rec.kind}:${rec.kflag ? 1 : 0}`);
    raw.name(rec.nameOff);
  }
  tolerate(f, 'raw-dump', () => rawDump(raw));
  tolerate(f, 'json-dump', () => jsonDump(raw));
}

/** Whether every character of a name is ASCII and not NUL. */
function isAsciiName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/**
 * Inflates every type of a Spec (its own, not a base's) and runs every query on it. When all
 * of them decode, the Spec is marshalled and parsed again, and every type must come back the
 * same.
 */
function exerciseSpec(spec: Spec, f: Set<string>, base?: Spec): void {
  let clean = true;
  for (let id = spec.firstTypeID; id < spec.nextTypeID; id++) {
    const t = tolerate(f, 'inflate', () => spec.typeByID(id));
    if (!t) {
      clean = false;
      continue;
    }
    f.add(`type:${t.kind}`);
    // Children are decoded when first read: a malformed child record fails here.
    const read = tolerate(f, 'children', () => {
      pushChildren(t, []);
      return true;
    });
    if (!read) {
      clean = false;
      continue;
    }
    formatType(t);
    tolerate(f, 'sizeof', () => sizeof(t));
    tolerate(f, 'alignof', () => alignof(t));
    tolerate(f, 'underlying', () => underlyingType(t));
    tolerate(f, 'qualified', () => qualifiedType(t));
    tolerate(f, 'decl-tags', () => spec.declTags(t));
    if (t.name !== '') {
      const found = tolerate(f, 'by-name', () => spec.anyTypesByName(t.name));
      // An ASCII name reads back as its bytes, so a lookup of it must find this very type
      // (whichever way the Spec answers: scan, prefix column or hash index).
      if (found && isAsciiName(t.name) && !found.includes(t)) {
        throw new ContractViolation(
          'mismatch',
          `fuzz: type id ${id}: anyTypesByName(${JSON.stringify(t.name)}) does not find it`,
        );
      }
    }
  }
  if (!clean) return;
  const out = tolerate(f, 'marshal', () => spec.marshal());
  if (!out) return;
  f.add('marshal:ok');
  let back: Spec;
  try {
    back = Spec.parse(out, base ? { base } : {});
  } catch (err) {
    throw new ContractViolation('mismatch', `fuzz: marshalled Spec does not parse: ${err}`, {
      cause: err,
    });
  }
  if (back.nextTypeID !== spec.nextTypeID) {
    throw new ContractViolation(
      'mismatch',
      `fuzz: marshal: ${spec.nextTypeID - spec.firstTypeID} types became ${back.nextTypeID - back.firstTypeID}`,
    );
  }
  const idOf = (s: Spec) => (t: Type) => s.typeID(t);
  for (let id = spec.firstTypeID; id < spec.nextTypeID; id++) {
    let again: string;
    try {
      again = typeShape(back.typeByID(id), idOf(back));
    } catch (err) {
      throw new ContractViolation('mismatch', `fuzz: type id ${id}: marshalled type: ${err}`, {
        cause: err,
      });
    }
    const before = typeShape(spec.typeByID(id), idOf(spec));
    if (again !== before) {
      throw new ContractViolation(
        'mismatch',
        `fuzz: type id ${id}: marshal changed ${before} into ${again}`,
      );
    }
  }
}

const wire: FuzzTarget = {
  name: 'wire',
  description: 'RawBtf.parse, decode every record, rawDump, jsonDump',
  seeds: btfSeeds,
  run(input, f) {
    exerciseRaw(RawBtf.parse(input), input, f);
  },
};

const types: FuzzTarget = {
  name: 'types',
  description:
    'Spec.parse, inflate every type, formatType/sizeof/alignof/underlyingType, name and tag lookups, marshal round trip',
  seeds: btfSeeds,
  run(input, f) {
    exerciseSpec(Spec.parse(input), f);
  },
};

const elf: FuzzTarget = {
  name: 'elf',
  description:
    'ElfFile.open, section sizes, symbols, loadRawBtfFromElf, rawDump, decodeExtInfos, loadSpecAndExtInfosFromBytes, inflate every type',
  seeds: () => objectFiles((f) => f.endsWith('.o')),
  run(input, f) {
    // The caller's bound on decompressed sections is how the 64x allocation limit is kept.
    const maxSectionSize = Math.max(64 * 1024, 64 * input.byteLength);
    const file = ElfFile.open(input, { maxSectionSize });
    f.add(`elf:${file.is64 ? 64 : 32}:${file.littleEndian ? 'le' : 'be'}`);
    for (const s of file.sections) {
      tolerate(f, 'content-size', () => file.contentSize(s));
    }
    tolerate(f, 'symbols', () => file.symbolTable());
    const raw = loadRawBtfFromElf(file);
    exerciseRaw(raw.btf, raw.original, f);
    const ext = raw.btfExt;
    if (ext) tolerate(f, 'ext-infos', () => decodeExtInfos(ext, raw.btf));
    const loaded = tolerate(f, 'spec-ext', () => loadSpecAndExtInfosFromBytes(file));
    if (!loaded) return;
    f.add(`ext-sections:${Math.min(loaded.extInfos.size, 8)}`);
    for (let id = 1; id < loaded.spec.nextTypeID; id++) {
      const t = tolerate(f, 'inflate', () => loaded.spec.typeByID(id));
      if (t) f.add(`type:${t.kind}`);
    }
  },
};

interface ExtPartner {
  readonly raw: RawBtf;
  readonly spec: Spec;
}

let partners: ExtPartner[] | undefined;

/** The fixtures' `.BTF` blobs, which `.BTF.ext` string offsets and type IDs resolve against. */
function extPartners(): ExtPartner[] {
  partners ??= objectFiles((f) => f.endsWith('.btf') && !f.includes('libbpf')).map((b) => {
    const raw = RawBtf.parse(b);
    return { raw, spec: new Spec(raw) };
  });
  return partners;
}

function extShape(ext: BtfExt): string {
  // The record size of an empty subsection is not encoded, so it does not survive.
  const sub = (s: ExtSubsection<unknown> | undefined) =>
    s === undefined || s.sections.length === 0
      ? 'none'
      : JSON.stringify(s, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  return `${sub(ext.funcInfo)}\n${sub(ext.lineInfo)}\n${sub(ext.coreRelos)}`;
}

const btfExt: FuzzTarget = {
  name: 'btf-ext',
  description: 'decodeBtfExt, encodeBtfExt round trip, decodeExtInfos against each fixture .BTF',
  seeds: () => objectFiles((f) => f.endsWith('.btf.ext')),
  run(input, f) {
    const ext = decodeBtfExt(input);
    let records = 0;
    const subs: (ExtSubsection<unknown> | undefined)[] = [
      ext.funcInfo,
      ext.lineInfo,
      ext.coreRelos,
    ];
    for (const sub of subs) {
      if (!sub) continue;
      // Bucketed: a feature per record size would reward every random size.
      const size = sub.recordSize <= 32 ? sub.recordSize : 'big';
      f.add(`ext-sub:${size}:${Math.min(sub.sections.length, 4)}`);
      for (const s of sub.sections) records += s.records.length;
    }
    // A record is at least 8 bytes (a func info).
    checkBound('.BTF.ext records', records * 8, input.byteLength);
    const again = tolerate(f, 'ext-encode', () => encodeBtfExt(ext));
    if (again) {
      let back: BtfExt;
      try {
        back = decodeBtfExt(again);
      } catch (err) {
        throw new ContractViolation(
          'mismatch',
          `fuzz: re-encoded .BTF.ext does not decode: ${err}`,
          {
            cause: err,
          },
        );
      }
      if (extShape(back) !== extShape(ext)) {
        throw new ContractViolation('mismatch', 'fuzz: .BTF.ext changed in a round trip');
      }
    }
    for (const p of extPartners()) {
      if (p.raw.littleEndian !== ext.littleEndian) continue;
      const infos = tolerate(f, 'ext-infos', () => decodeExtInfos(ext, p.raw));
      if (infos) tolerate(f, 'ext-resolve', () => resolveExtInfos(infos, p.spec));
    }
  },
};

let splitBase: { raw: RawBtf; spec: Spec } | undefined;

/** pahole's base BTF, which every split input is parsed over. */
function paholeBase(): { raw: RawBtf; spec: Spec } {
  if (!splitBase) {
    const raw = RawBtf.parse(readTestdata('pahole', 'base.btf'));
    splitBase = { raw, spec: new Spec(raw) };
  }
  return splitBase;
}

const split: FuzzTarget = {
  name: 'split',
  description:
    'split BTF over testdata/pahole/base.btf: RawBtf.parse, records, dumps, Spec, inflate, marshal round trip',
  seeds: () => [readTestdata('pahole', 'split.btf')],
  run(input, f) {
    const base = paholeBase();
    exerciseRaw(RawBtf.parse(input, { base: base.raw }), input, f);
    exerciseSpec(Spec.parse(input, { base: base.spec }), f, base.spec);
  },
};

const cFormat: FuzzTarget = {
  name: 'c-format',
  description:
    'formatC (bpftool format c) of the blob standalone, and as split BTF over testdata/pahole/base.btf',
  seeds: () => [...btfSeeds(), readTestdata('pahole', 'split.btf')],
  run(input, f) {
    const alone = tolerate(f, 'parse', () => RawBtf.parse(input));
    if (alone) tolerate(f, 'format-c', () => formatC(alone));
    const split = tolerate(f, 'parse-split', () => RawBtf.parse(input, { base: paholeBase().raw }));
    if (split) tolerate(f, 'format-c-split', () => formatC(split));
    // Neither parses: the input's result is the standalone parse's error.
    if (!alone && !split) RawBtf.parse(input);
  },
};

/**
 * A zlib input: the expected decompressed size (32-bit little-endian, capped at 64x the input)
 * and then the stream, as an `SHF_COMPRESSED` section gives them.
 */
function zlibInput(input: Uint8Array): { size: number; stream: Uint8Array } {
  const raw =
    input.byteLength >= 4 ? new DataView(input.buffer, input.byteOffset).getUint32(0, true) : 0;
  return { size: Math.min(raw, 64 * input.byteLength), stream: input.subarray(4) };
}

const zlib: FuzzTarget = {
  name: 'zlib',
  description:
    'decompressSection(ELFCOMPRESS_ZLIB) against node:zlib: both succeed with the same bytes, or ours throws FormatError',
  seeds: () =>
    btfSeeds().flatMap((btf) =>
      [0, 1, 9].map((level) => {
        const z = deflateSync(btf, { level });
        const seed = new Uint8Array(4 + z.byteLength);
        new DataView(seed.buffer).setUint32(0, btf.byteLength, true);
        seed.set(z, 4);
        return seed;
      }),
    ),
  run(input, f) {
    const { size, stream } = zlibInput(input);
    let expected: Uint8Array | undefined;
    try {
      const out = inflateSync(stream, { maxOutputLength: Math.max(1, size + 1) });
      if (out.byteLength === size) expected = out;
    } catch {
      // zlib refuses it (or it inflates past size + 1): ours must refuse it too.
    }
    let ours: Uint8Array;
    try {
      ours = decompressSection(ELFCOMPRESS.ZLIB, stream, size, 0);
    } catch (err) {
      // Refused by both: the FormatError is this input's (allowed) result.
      if (expected && err instanceof BtfError) {
        throw new ContractViolation('mismatch', 'zlib inflates the stream but btfkit refuses it', {
          cause: err,
        });
      }
      throw err;
    }
    if (!expected) {
      throw new ContractViolation('mismatch', 'zlib refuses the stream but btfkit inflates it');
    }
    if (!Buffer.from(ours).equals(expected)) {
      throw new ContractViolation('mismatch', 'btfkit and zlib inflate to different bytes');
    }
    f.add('inflated');
  },
};

const dedup: FuzzTarget = {
  name: 'dedup',
  description:
    'dedupBtf of the blob, of the blob appended to itself, and as split BTF over testdata/pahole/base.btf; every output deduplicates again to as many types',
  seeds: () => [
    ...btfSeeds(),
    ...['dedup/cases', 'dedup/newer/typedef-loops'].flatMap((dir) =>
      listTestdata(
        dir,
        (n) => n.endsWith('.btf') && !n.includes('base') && !n.includes('.dedup.'),
      ).map((n) => readTestdata(dir, n)),
    ),
  ],
  run(input, f) {
    const runs = [
      () => dedupBtf([input]),
      () => dedupBtf([input, input]),
      () => dedupBtf([input], { base: paholeBase().raw.bytes }),
    ];
    let ok = false;
    for (const [i, run] of runs.entries()) {
      const r = tolerate(f, `dedup-${i}`, run);
      if (!r) continue;
      ok = true;
      f.add(`dedup-${i}:${r.typesOut < r.typesIn ? 'merged' : 'kept'}`);
      if (i === 2) continue;
      const again = dedupBtf([r.btf]);
      if (again.typesOut !== r.typesOut) {
        throw new ContractViolation(
          'mismatch',
          `fuzz: dedup of dedup output: ${again.typesOut} types, not ${r.typesOut}`,
        );
      }
    }
    // Nothing deduplicated: the input's result is the plain run's error.
    if (!ok) dedupBtf([input]);
  },
};

/** Every target by name. */
let coreFixed:
  | { targets: Spec[]; spec: Spec; relos: ReturnType<typeof objectRelocations> }
  | undefined;

/** The synthetic CO-RE targets and one fixture object's relocations, read once. */
function coreFixtures(): NonNullable<typeof coreFixed> {
  if (!coreFixed) {
    const { btf, btfExt } = loadRawBtfFromElf(readTestdata('core', 'relos-el.o'));
    const spec = new Spec(btf);
    coreFixed = {
      targets: ['synth-a.btf', 'synth-b.btf'].map((f) =>
        Spec.parse(readTestdata('core', 'targets', f)),
      ),
      spec,
      relos: objectRelocations(spec, btfExt),
    };
  }
  return coreFixed;
}

function recordResults(f: Set<string>, results: readonly CoreResult[], kinds: number[]): void {
  results.forEach((x, i) => {
    if (x.ok) f.add(`co-re:ok:${kinds[i]}:${x.fixup.poison}`);
    else f.add(`co-re:err:${x.error.reason}:${kinds[i]}`);
  });
}

const coRe: FuzzTarget = {
  name: 'co-re',
  description:
    'relocateObject of the input against a synthetic target (patching included), coreRelocate against the other and against its own BTF (random local and target), and a fixture object against the input BTF as target',
  seeds: () => [
    ...listTestdata('core', (f) => f.endsWith('.o')).map((f) => readTestdata('core', f)),
    ...objectFiles((f) => f.startsWith('core-') && f.endsWith('.o')),
  ],
  run(input, f) {
    const fixed = coreFixtures();
    // A malformed object throws its BtfError here: the input is rejected.
    const r = relocateObject(input, fixed.targets[0]!);
    const kinds = r.relocations.map((x) => x.relocation.kind);
    recordResults(
      f,
      r.relocations.map((x) => x.result),
      kinds,
    );
    const relos = r.relocations.map((x) => x.relocation);
    const other = tolerate(f, 'co-re-b', () => coreRelocate(r.spec, relos, fixed.targets[1]!));
    if (other) recordResults(f, other, kinds);
    const self = tolerate(f, 'co-re-self', () => coreRelocate(r.spec, relos, r.spec));
    if (self) recordResults(f, self, kinds);
    const res = tolerate(f, 'co-re-target', () => coreRelocate(fixed.spec, fixed.relos, r.spec));
    if (res)
      recordResults(
        f,
        res,
        fixed.relos.map((x) => x.kind),
      );
  },
};

export const TARGETS: Readonly<Record<TargetName, FuzzTarget>> = {
  wire,
  types,
  elf,
  'btf-ext': btfExt,
  split,
  'c-format': cFormat,
  zlib,
  'co-re': coRe,
  dedup,
};

/** Whether a string names a target. */
export function isTargetName(s: string): s is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(s);
}
