import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import * as kernel from '@btfkit/kernel';
import {
  BPF_CMD,
  BTF_FEATURES,
  type BtfFeatureName,
  featureProbeBlob,
  haveBTF,
  haveEnum64,
  haveFloat,
  haveFuncLinkage,
  kernelFeatures,
  kernelMarshalOptions,
  NotSupportedError,
  PermissionError,
  probeFeature,
  type SyscallResult,
  setSyscallForTesting,
} from '@btfkit/kernel';
import { HOST_BYTE_ORDER } from '@btfkit/types';
import { BTF_KIND, KIND_NAMES, RawBtf, rawDump } from '@btfkit/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelIt } from './kernel.js';

const NAMES = Object.keys(BTF_FEATURES) as BtfFeatureName[];

/** The package's `have*` probes, as its entry exports them (the one list of them). */
const HAVE_EXPORTS = new Map(
  Object.entries(kernel).filter(
    (e): e is [string, () => void] => e[0].startsWith('have') && typeof e[1] === 'function',
  ),
);

/** The `have*` probe of each feature: `haveFloat` for `float`, `haveBTF` for `btf`. */
const HAVE = Object.fromEntries(
  NAMES.map((name) => {
    const fn =
      HAVE_EXPORTS.get(`have${name[0]!.toUpperCase()}${name.slice(1)}`) ??
      HAVE_EXPORTS.get(`have${name.toUpperCase()}`);
    if (!fn) throw new Error(`no have* export for feature ${name}`);
    return [name, fn];
  }),
) as Record<BtfFeatureName, () => void>;

const fail = (errno: number): SyscallResult => ({ ret: -1, errno });

/** Counts BTF_LOAD calls and fails them with `errno` while `failing()` says so. */
function injectBtfLoad(errno: number, failing: () => boolean = () => true) {
  const calls = { n: 0 };
  setSyscallForTesting((cmd, attr, size, next) => {
    if (cmd !== BPF_CMD.BTF_LOAD.cmd) return next(cmd, attr, size);
    calls.n++;
    return failing() ? fail(errno) : next(cmd, attr, size);
  });
  return calls;
}

afterEach(() => setSyscallForTesting());

describe('probe blobs', () => {
  it('one have* export per feature, and no other', () => {
    expect(new Set(Object.values(HAVE)).size).toBe(NAMES.length);
    expect(HAVE_EXPORTS.size).toBe(NAMES.length);
  });

  it('are libbpf’s probe blobs, kind by kind', () => {
    const kinds = (name: BtfFeatureName) =>
      [...RawBtf.parse(featureProbeBlob(name)).records()].map((r) => KIND_NAMES[r.kind]);
    expect(kinds('btf')).toEqual(['INT']);
    expect(kinds('progBTF')).toEqual(['INT', 'FUNC_PROTO', 'FUNC']);
    expect(kinds('datasec')).toEqual(['INT', 'VAR', 'DATASEC']);
    expect(kinds('declTags')).toEqual(['INT', 'VAR', 'DECL_TAG']);
    expect(kinds('typeTags')).toEqual(['INT', 'TYPE_TAG', 'PTR']);
    expect(kinds('enum64')).toEqual(['ENUM64']);
    expect(rawDump(RawBtf.parse(featureProbeBlob('funcLinkage')))).toContain(
      "[3] FUNC 'x' type_id=2 linkage=global",
    );
    expect(rawDump(RawBtf.parse(featureProbeBlob('qmarkDatasec')))).toContain("DATASEC '?.data'");
    const le = RawBtf.parse(featureProbeBlob('btf')).littleEndian;
    expect(le).toBe(HOST_BYTE_ORDER === 'little');
  });

  it('name the kernel that added each kind', () => {
    expect(BTF_FEATURES.enum64.since).toBe('6.0');
    expect(BTF_FEATURES.float.since).toBe('5.13');
    expect(BTF_FEATURES.funcLinkage.since).toBe('5.6');
    expect(BTF_FEATURES.btf.since).toBe('4.18');
    expect(BTF_KIND.ENUM64).toBe(19);
  });

  it('the kernel that accepts a DATASEC named ?x is 6.9 (commit bd70a8fb7ca4)', () => {
    expect(BTF_FEATURES.qmarkDatasec.since).toBe('6.9');
  });

  it('name the same kernel as the marshal option that stands in for each', () => {
    // @btfkit/types documents each sanitization with the kernel that added the feature; the
    // probes here name it too. Read the published declarations so the two cannot drift.
    const dts = readFileSync(
      join(dirname(createRequire(import.meta.url).resolve('@btfkit/types')), 'index.d.ts'),
      'utf8',
    );
    const featureOf: Record<string, BtfFeatureName> = {
      func: 'progBTF',
      datasec: 'datasec',
      qmarkDatasec: 'qmarkDatasec',
      float: 'float',
      declTag: 'declTags',
      typeTag: 'typeTags',
      enum64: 'enum64',
      stripFuncLinkage: 'funcLinkage',
    };
    for (const [field, feature] of Object.entries(featureOf)) {
      const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*readonly ${field}\\?:`).exec(
        dts,
      );
      expect(doc, field).not.toBeNull();
      const since = /Linux (?:before )?(\d+\.\d+)/.exec(doc?.[1] ?? '');
      expect(since?.[1], `${field} (probe ${feature})`).toBe(BTF_FEATURES[feature].since);
    }
  });
});

describe('on this kernel', () => {
  kernelIt('every feature probe reports supported', () => {
    for (const name of NAMES) expect(() => HAVE[name](), name).not.toThrow();
    expect(kernelFeatures()).toEqual(Object.fromEntries(NAMES.map((n) => [n, true])));
  });

  kernelIt('probes are memoized: asking again makes no syscall', () => {
    for (const name of NAMES) probeFeature(name);
    let calls = 0;
    // Installing a hook starts a new memo, so warm it through the hook first.
    setSyscallForTesting((cmd, attr, size, next) => {
      calls++;
      return next(cmd, attr, size);
    });
    for (const name of NAMES) probeFeature(name);
    expect(calls).toBe(NAMES.length);
    for (const name of NAMES) probeFeature(name);
    kernelFeatures();
    kernelMarshalOptions();
    expect(calls).toBe(NAMES.length);
  });

  kernelIt('the marshal options sanitize nothing', () => {
    expect(kernelMarshalOptions()).toEqual({
      byteOrder: HOST_BYTE_ORDER,
      stripFuncLinkage: false,
      sanitize: {
        func: false,
        datasec: false,
        qmarkDatasec: false,
        float: false,
        declTag: false,
        typeTag: false,
        enum64: false,
      },
    });
  });
});

describe('injected failures', () => {
  it('EINVAL makes every probe NotSupportedError naming the kernel version', () => {
    const calls = injectBtfLoad(constants.errno.EINVAL);
    for (const name of NAMES) {
      const f = BTF_FEATURES[name];
      expect(() => HAVE[name]()).toThrow(NotSupportedError);
      expect(() => HAVE[name]()).toThrow(`needs Linux ${f.since}`);
    }
    // Unsupported is an answer: remembered, one syscall per probe.
    expect(calls.n).toBe(NAMES.length);
    expect(kernelFeatures()).toEqual(Object.fromEntries(NAMES.map((n) => [n, false])));
    expect(() => kernelMarshalOptions()).toThrow(
      /BTF is not supported by this kernel \(needs Linux 4\.18\)/,
    );
  });

  it('ENOSYS (no bpf(2)) is NotSupportedError', () => {
    injectBtfLoad(constants.errno.ENOSYS);
    expect(() => haveBTF()).toThrow(NotSupportedError);
    expect(() => haveBTF()).toThrow(/bpf\(2\) is not implemented/);
  });

  it('EPERM is a PermissionError naming CAP_BPF, and is not remembered', () => {
    let failing = true;
    const calls = injectBtfLoad(constants.errno.EPERM, () => failing);
    let err: unknown;
    try {
      haveFloat();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).capability).toBe('CAP_BPF');
    expect((err as Error).message).toMatch(/needs CAP_BPF \(or CAP_SYS_ADMIN\)/);
    expect(() => haveFloat()).toThrow(PermissionError);
    expect(calls.n).toBe(2);
    failing = false;
    if (process.getuid?.() === 0) {
      haveFloat();
      expect(calls.n).toBe(3);
    }
  });

  kernelIt('one missing feature turns on exactly its sanitization', () => {
    let failing = false;
    injectBtfLoad(constants.errno.EINVAL, () => failing);
    for (const name of NAMES) if (name !== 'enum64' && name !== 'funcLinkage') probeFeature(name);
    failing = true;
    expect(() => haveEnum64()).toThrow(
      'BTF_KIND_ENUM64 is not supported by this kernel (needs Linux 6.0)',
    );
    expect(() => haveFuncLinkage()).toThrow(NotSupportedError);
    const opts = kernelMarshalOptions();
    expect(opts.stripFuncLinkage).toBe(true);
    expect(opts.sanitize).toEqual({
      func: false,
      datasec: false,
      qmarkDatasec: false,
      float: false,
      declTag: false,
      typeTag: false,
      enum64: true,
    });
  });
});
