import { constants } from 'node:os';
import { HOST_BYTE_ORDER, type MarshalOptions } from '@btfkit/types';
import {
  BTF_FUNC_LINKAGE,
  BTF_INT_SIGNED,
  BTF_KIND,
  BTF_VAR_LINKAGE,
  type BtfRecord,
  encodeBtf,
  KIND_SINCE,
  NotSupportedError,
  StringTableBuilder,
} from '@btfkit/wire';
import { btfLoad } from './bpf-attr.js';
import { BPF_CMD, closeFdQuietly, syscallError, syscallGeneration } from './syscall.js';

/**
 * Feature probes: each loads its own tiny BTF blob with `BPF_BTF_LOAD`, the same blobs
 * libbpf's `src/features.c` loads (`probe_kern_btf*`), and remembers the answer.
 */

/** A BTF feature the running kernel may lack. */
export interface BtfFeature {
  /** What the feature is, for messages. */
  readonly description: string;
  /** The first Linux release with the feature. */
  readonly since: string;
}

type Strings = StringTableBuilder;

/** A signed 32-bit INT, as every libbpf probe starts. */
function int(nameOff: number): BtfRecord {
  return {
    kind: BTF_KIND.INT,
    nameOff,
    kflag: false,
    size: 4,
    encoding: BTF_INT_SIGNED,
    bitOffset: 0,
    bits: 32,
  };
}

/** `void x(int a)`: INT [1], FUNC_PROTO [2], FUNC [3] with the given linkage. */
function func(s: Strings, linkage: number): BtfRecord[] {
  return [
    int(s.add('int')),
    {
      kind: BTF_KIND.FUNC_PROTO,
      nameOff: 0,
      kflag: false,
      returnType: 0,
      params: [{ nameOff: s.add('a'), type: 1 }],
    },
    { kind: BTF_KIND.FUNC, nameOff: s.add('x'), kflag: false, type: 2, linkage },
  ];
}

/** `static int x;` in a DATASEC named `name`: INT [1], VAR [2], DATASEC [3]. */
function datasec(s: Strings, name: string): BtfRecord[] {
  return [
    int(0),
    {
      kind: BTF_KIND.VAR,
      nameOff: s.add('x'),
      kflag: false,
      type: 1,
      linkage: BTF_VAR_LINKAGE.STATIC,
    },
    {
      kind: BTF_KIND.DATASEC,
      nameOff: s.add(name),
      kflag: false,
      size: 4,
      entries: [{ type: 2, offset: 0, size: 4 }],
    },
  ];
}

interface FeatureDef extends BtfFeature {
  readonly records: (s: Strings) => BtfRecord[];
}

const FEATURES = {
  /** Any BTF at all: `int` (libbpf `probe_kern_btf`). */
  btf: {
    description: 'BTF',
    since: KIND_SINCE[BTF_KIND.INT]!,
    records: (s) => [int(s.add('int'))],
  },
  /** BTF for maps: a VAR (cilium/ebpf `haveMapBTF`). */
  mapBTF: {
    description: 'map BTF (BTF_KIND_VAR)',
    since: KIND_SINCE[BTF_KIND.VAR]!,
    records: (s) => [
      int(0),
      { kind: BTF_KIND.VAR, nameOff: s.add('x'), kflag: false, type: 1, linkage: 0 },
    ],
  },
  /** BTF for programs: FUNC and FUNC_PROTO (libbpf `probe_kern_btf_func`). */
  progBTF: {
    description: 'program BTF (BTF_KIND_FUNC)',
    since: KIND_SINCE[BTF_KIND.FUNC]!,
    records: (s) => func(s, BTF_FUNC_LINKAGE.STATIC),
  },
  /** A FUNC with global linkage (libbpf `probe_kern_btf_func_global`). */
  funcLinkage: {
    description: 'BTF function linkage (global BTF_KIND_FUNC)',
    since: '5.6',
    records: (s) => func(s, BTF_FUNC_LINKAGE.GLOBAL),
  },
  /** VAR in a DATASEC (libbpf `probe_kern_btf_datasec`). */
  datasec: {
    description: 'BTF_KIND_DATASEC',
    since: KIND_SINCE[BTF_KIND.DATASEC]!,
    records: (s) => datasec(s, '.data'),
  },
  /**
   * A DATASEC named `?.data` (libbpf `probe_kern_btf_qmark_datasec`). Linux 6.9: kernel commit
   * bd70a8fb7ca4, "bpf: Allow all printable characters in BTF DATASEC names".
   */
  qmarkDatasec: {
    description: "BTF_KIND_DATASEC names starting with '?'",
    since: '6.9',
    records: (s) => datasec(s, '?.data'),
  },
  /** FLOAT (libbpf `probe_kern_btf_float`). */
  float: {
    description: 'BTF_KIND_FLOAT',
    since: KIND_SINCE[BTF_KIND.FLOAT]!,
    records: (s) => [{ kind: BTF_KIND.FLOAT, nameOff: s.add('float'), kflag: false, size: 4 }],
  },
  /** DECL_TAG on a VAR (libbpf `probe_kern_btf_decl_tag`). */
  declTags: {
    description: 'BTF_KIND_DECL_TAG',
    since: KIND_SINCE[BTF_KIND.DECL_TAG]!,
    records: (s) => [
      int(0),
      { kind: BTF_KIND.VAR, nameOff: s.add('tag'), kflag: false, type: 1, linkage: 0 },
      { kind: BTF_KIND.DECL_TAG, nameOff: s.add('tag'), kflag: false, type: 2, componentIdx: -1 },
    ],
  },
  /** A pointer to a TYPE_TAG (libbpf `probe_kern_btf_type_tag`). */
  typeTags: {
    description: 'BTF_KIND_TYPE_TAG',
    since: KIND_SINCE[BTF_KIND.TYPE_TAG]!,
    records: (s) => [
      int(0),
      { kind: BTF_KIND.TYPE_TAG, nameOff: s.add('tag'), kflag: false, type: 1 },
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 2 },
    ],
  },
  /** An empty 8-byte ENUM64 (libbpf `probe_kern_btf_enum64`). */
  enum64: {
    description: 'BTF_KIND_ENUM64',
    since: KIND_SINCE[BTF_KIND.ENUM64]!,
    records: (s) => [
      { kind: BTF_KIND.ENUM64, nameOff: s.add('enum64'), kflag: false, size: 8, values: [] },
    ],
  },
} as const satisfies Record<string, FeatureDef>;

/** The name of a BTF feature probe. */
export type BtfFeatureName = keyof typeof FEATURES;

/** Every BTF feature probe, with what it tests and the Linux release that added it. */
export const BTF_FEATURES: Readonly<Record<BtfFeatureName, BtfFeature>> = Object.fromEntries(
  Object.entries(FEATURES).map(([k, v]) => [k, { description: v.description, since: v.since }]),
) as Record<BtfFeatureName, BtfFeature>;

/** The blob a probe loads, in the host's byte order. */
export function featureProbeBlob(name: BtfFeatureName): Uint8Array {
  const s = new StringTableBuilder();
  const records = FEATURES[name].records(s);
  return encodeBtf({ records, strings: s.finish(), littleEndian: HOST_BYTE_ORDER === 'little' });
}

const results = new Map<BtfFeatureName, NotSupportedError | undefined>();
let resultsGeneration = -1;

/**
 * Probes one feature: loads its blob and closes the fd. The answer (supported or not) is
 * remembered; other failures (no permission) are not, so a later call asks again.
 * @throws NotSupportedError naming the minimum Linux release when the kernel lacks it
 * @throws PermissionError without CAP_BPF: probing needs BPF_BTF_LOAD
 */
export function probeFeature(name: BtfFeatureName): void {
  if (resultsGeneration !== syscallGeneration()) {
    results.clear();
    resultsGeneration = syscallGeneration();
  }
  if (results.has(name)) {
    const err = results.get(name);
    if (err) throw err;
    return;
  }
  const f = FEATURES[name];
  const r = btfLoad(featureProbeBlob(name));
  if (r.ret >= 0) {
    closeFdQuietly(r.ret);
    results.set(name, undefined);
    return;
  }
  const err = syscallError(BPF_CMD.BTF_LOAD, r.errno, `probing ${f.description}`);
  if (r.errno === constants.errno.EPERM) throw err;
  const unsupported =
    err instanceof NotSupportedError
      ? err
      : new NotSupportedError(
          `btf: ${f.description} is not supported by this kernel (needs Linux ${f.since})`,
          { cause: err },
        );
  results.set(name, unsupported);
  throw unsupported;
}

/**
 * Whether the kernel has BTF at all (Linux 4.18).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveBTF(): void {
  probeFeature('btf');
}

/**
 * Whether the kernel takes BTF for maps, i.e. VAR (Linux 5.2).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveMapBTF(): void {
  probeFeature('mapBTF');
}

/**
 * Whether the kernel takes BTF for programs, i.e. FUNC and FUNC_PROTO (Linux 5.0).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveProgBTF(): void {
  probeFeature('progBTF');
}

/**
 * Whether the kernel takes FUNCs with global linkage (Linux 5.6).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveFuncLinkage(): void {
  probeFeature('funcLinkage');
}

/**
 * Whether the kernel takes DATASEC (Linux 5.2).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveDatasec(): void {
  probeFeature('datasec');
}

/**
 * Whether the kernel takes DATASEC names starting with `?` (Linux 6.9).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveQmarkDatasec(): void {
  probeFeature('qmarkDatasec');
}

/**
 * Whether the kernel takes FLOAT (Linux 5.13).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveFloat(): void {
  probeFeature('float');
}

/**
 * Whether the kernel takes DECL_TAG (Linux 5.16).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveDeclTags(): void {
  probeFeature('declTags');
}

/**
 * Whether the kernel takes TYPE_TAG (Linux 5.17).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveTypeTags(): void {
  probeFeature('typeTags');
}

/**
 * Whether the kernel takes ENUM64 (Linux 6.0).
 * @throws NotSupportedError when it does not; PermissionError without CAP_BPF
 */
export function haveEnum64(): void {
  probeFeature('enum64');
}

/** Whether a feature is supported, as a boolean. */
function supported(name: BtfFeatureName): boolean {
  try {
    probeFeature(name);
    return true;
  } catch (err) {
    if (err instanceof NotSupportedError) return false;
    throw err;
  }
}

/**
 * Every BTF feature probe's answer on the running kernel.
 * @throws PermissionError without CAP_BPF
 */
export function kernelFeatures(): Record<BtfFeatureName, boolean> {
  const out = {} as Record<BtfFeatureName, boolean>;
  for (const name of Object.keys(FEATURES) as BtfFeatureName[]) out[name] = supported(name);
  return out;
}

/**
 * The marshal options that make any Spec loadable on the running kernel: the host's byte
 * order, and each of libbpf's sanitizations (`bpf_object__sanitize_btf`) for a feature the
 * kernel lacks.
 * @throws NotSupportedError when the kernel has no BTF at all; PermissionError without CAP_BPF
 */
export function kernelMarshalOptions(): MarshalOptions {
  haveBTF();
  return {
    byteOrder: HOST_BYTE_ORDER,
    stripFuncLinkage: !supported('funcLinkage'),
    sanitize: {
      func: !supported('progBTF'),
      datasec: !supported('datasec'),
      qmarkDatasec: !supported('qmarkDatasec'),
      float: !supported('float'),
      declTag: !supported('declTags'),
      typeTag: !supported('typeTags'),
      enum64: !supported('enum64'),
    },
  };
}
