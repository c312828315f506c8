import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadRawBtfFromElf } from '@btfkit/elf';
import {
  featureProbeBlob,
  Handle,
  iterateHandles,
  kernelMarshalOptions,
  listHandleInfos,
  MIN_LOG_SIZE,
  SyscallError,
  setSyscallForTesting,
  VerifierError,
} from '@btfkit/kernel';
import { Builder, INT_SIGNED, Int, Spec, Struct } from '@btfkit/types';
import {
  BTF_KIND,
  BtfError,
  type BtfRecord,
  encodeBtf,
  FormatError,
  RawBtf,
  rawDump,
  StringTableBuilder,
} from '@btfkit/wire';
import { afterEach, describe, expect } from 'vitest';
import { blob, intRecord } from '../../../tooling/test-blobs.ts';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { kernelIt, openFdCount, TESTDATA } from './kernel.js';

const OBJECTS = join(TESTDATA, 'objects');

/**
 * Fixture BTF the kernel (6.18) rejects, and the verifier's words for why. Raw clang output
 * leaves every DATASEC at size 0 (libbpf fixes that when it opens the object) and keeps
 * extern kfuncs as FUNCs with extern linkage; `enums.c`'s forward-declared enum is an ENUM of
 * size 0 that no fixup touches, so even libbpf's version is rejected.
 */
const REJECTED: Record<string, string> = {
  'basic-el.btf': 'DATASEC .bss size=0 vlen=6 size == 0',
  'core-el.btf': 'DATASEC .bss size=0 vlen=1 size == 0',
  'layout-el.btf': 'DATASEC .bss size=0 vlen=6 size == 0',
  'tags-el.btf': 'DATASEC .bss size=0 vlen=2 size == 0',
  'programs-el.btf': 'FUNC bpf_task_acquire type_id=44 Invalid func linkage',
  'enums-el.btf': 'ENUM pending size=0 vlen=0 Unexpected size',
  'enums-el.libbpf.btf': 'ENUM pending size=0 vlen=0 Unexpected size',
};

const fixtures = readdirSync(OBJECTS)
  .filter((f) => /-el(\.libbpf)?\.btf$/.test(f))
  .sort();

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Loads a blob, reads it back and checks bytes and bpftool-style dump are the same. */
function roundTrip(blob: Uint8Array): void {
  const h = Handle.load(blob);
  try {
    const back = h.bytes();
    expect(h.info().size).toBe(blob.byteLength);
    expect(byteDiff(back, blob)).toBeUndefined();
    expect(rawDump(h.raw())).toBe(rawDump(RawBtf.parse(blob)));
  } finally {
    h.close();
  }
}

/** `struct s { int x; }` whose member type is `badType`: past the end when it is 3. */
function structBlob(badType: number): Uint8Array {
  const s = new StringTableBuilder();
  const records: BtfRecord[] = [
    intRecord(s.add('int')),
    {
      kind: BTF_KIND.STRUCT,
      nameOff: s.add('s'),
      kflag: false,
      size: 4,
      members: [{ nameOff: s.add('x'), type: badType, offset: 0 }],
    },
  ];
  return encodeBtf({ records, strings: s.finish(), littleEndian: true });
}

afterEach(() => setSyscallForTesting());

describe('fixture objects', () => {
  kernelIt('the REJECTED table names only fixtures that exist', () => {
    for (const name of Object.keys(REJECTED)) expect(fixtures).toContain(name);
    expect(fixtures.length).toBe(12);
  });

  for (const name of fixtures) {
    const why = REJECTED[name];
    if (why) {
      kernelIt(`${name} is rejected: ${why}`, () => {
        const err = catchError(() => Handle.load(read(join(OBJECTS, name))));
        expect(err).toBeInstanceOf(VerifierError);
        expect((err as VerifierError).log).toContain(why);
      });
    } else {
      kernelIt(`${name} loads and reads back identically`, () => {
        roundTrip(read(join(OBJECTS, name)));
      });
    }
  }

  for (const name of readdirSync(OBJECTS).filter((f) => f.endsWith('-el.o'))) {
    const rejected = REJECTED[name.replace('.o', '.libbpf.btf')];
    kernelIt(
      `${name} read with @btfkit/elf (DATASEC fixup) ${rejected ? 'is rejected' : 'loads'}`,
      () => {
        const { btf } = loadRawBtfFromElf(read(join(OBJECTS, name)));
        if (rejected) {
          expect(() => Handle.load(btf.bytes)).toThrow(VerifierError);
        } else {
          roundTrip(btf.bytes);
        }
      },
    );
  }
});

kernelIt(
  'the whole vmlinux, re-encoded from its Spec, loads and reads back identically',
  () => {
    const original = new Uint8Array(
      gunzipSync(readFileSync(join(TESTDATA, 'vmlinux/vmlinux.btf.gz'))),
    );
    const spec = Spec.parse(original);
    const h = Handle.load(spec);
    try {
      const back = h.bytes();
      expect(back.byteLength).toBe(spec.marshal(kernelMarshalOptions()).byteLength);
      expect(rawDump(RawBtf.parse(back))).toBe(rawDump(RawBtf.parse(original)));
      const info = h.info();
      expect(info).toMatchObject({ isKernel: false, isVmlinux: false, isModule: false, name: '' });
      expect(h.spec().typeByName('task_struct', 'struct').name).toBe('task_struct');
    } finally {
      h.close();
    }
  },
  300_000,
);

kernelIt('a Builder loads with the kernel marshal options', () => {
  const b = new Builder();
  const int = new Int('int', 4, INT_SIGNED);
  b.add(
    new Struct('pair', 8, [
      { name: 'a', type: int, bitOffset: 0, bitfieldSize: 0 },
      { name: 'b', type: int, bitOffset: 32, bitfieldSize: 0 },
    ]),
  );
  const h = Handle.load(b);
  try {
    expect(
      h
        .spec()
        .typeByName('pair', 'struct')
        .members.map((m) => m.name),
    ).toEqual(['a', 'b']);
  } finally {
    h.close();
  }
});

describe('verifier errors', () => {
  // The reason btfkit's readers agree on a 24-bit vlen without expecting the kernel to take
  // one (packages/btf-wire/test/record-format.test.ts): kernels up to 6.18 keep bits 16-23
  // of the info word reserved.
  kernelIt('a struct of 65,538 members is refused for its info word, not misread', () => {
    const n = 65_538;
    const bytes = blob((name) => [
      intRecord(name('int')),
      {
        kind: BTF_KIND.STRUCT,
        nameOff: name('big'),
        kflag: false,
        size: 4 * n,
        members: Array.from({ length: n }, (_, i) => ({ nameOff: 0, type: 1, offset: 32 * i })),
      },
    ]);
    const err = catchError(() => Handle.load(bytes));
    expect(err).toBeInstanceOf(VerifierError);
    expect((err as VerifierError).log).toContain(
      `[2] Invalid btf_info:${(0x04000000 | n).toString(16)}`,
    );
  });

  kernelIt(
    'a member whose type ID is past the end throws VerifierError with the kernel log',
    () => {
      const err = catchError(() => Handle.load(structBlob(3)));
      expect(err).toBeInstanceOf(VerifierError);
      const v = err as VerifierError;
      expect(v.log).toContain('[2] STRUCT s size=4 vlen=1');
      expect(v.log).toContain('Invalid member');
      expect(v.message).toMatch(/^btf: load: EINVAL: .*Invalid member/);
      expect(v.truncated).toBe(false);
      // The same blob with a valid member type loads.
      Handle.load(structBlob(1)).close();
    },
  );

  kernelIt('retries with a 64 KiB log, then the size the kernel reports', () => {
    // 4000 valid structs before a bad one: the level-1 log lists every type, > 64 KiB.
    const s = new StringTableBuilder();
    const records: BtfRecord[] = [intRecord(s.add('int'))];
    for (let i = 0; i < 4000; i++) {
      records.push({
        kind: BTF_KIND.STRUCT,
        nameOff: s.add(`s${i}`),
        kflag: false,
        size: 4,
        members: [{ nameOff: s.add('x'), type: i === 3999 ? 99999 : 1, offset: 0 }],
      });
    }
    const blob = encodeBtf({ records, strings: s.finish(), littleEndian: true });
    const logSizes: number[] = [];
    setSyscallForTesting((cmd, attr, size, next) => {
      if (cmd === 18) logSizes.push(new DataView(attr.buffer).getUint32(20, true));
      return next(cmd, attr, size);
    });
    const err = catchError(() => Handle.load(blob)) as VerifierError;
    expect(err).toBeInstanceOf(VerifierError);
    expect(logSizes.length).toBe(3);
    expect(logSizes[0]).toBe(0);
    expect(logSizes[1]).toBe(MIN_LOG_SIZE);
    expect(logSizes[2]).toBeGreaterThan(MIN_LOG_SIZE);
    // The last buffer was exactly the size the kernel asked for, and the log filled it.
    expect(err.log.length + 1).toBe(logSizes[2]);
    expect(err.truncated).toBe(false);
    expect(err.log).toContain('[4001] STRUCT s3999');
    expect(err.log).toContain('Invalid member');

    // With a cap below what the log needs, the error says the log was truncated; the kernel
    // keeps the end of the log, where the verdict is.
    const capped = catchError(() => Handle.load(blob, { maxLogSize: 4096 })) as VerifierError;
    expect(capped).toBeInstanceOf(VerifierError);
    expect(capped.truncated).toBe(true);
    expect(capped.log.length).toBeLessThan(4096);
    expect(capped.log).toContain('Invalid member');
  });

  kernelIt('a log cap below the kernel minimum is refused', () => {
    expect(() => Handle.load(structBlob(3), { maxLogSize: 64 })).toThrow(RangeError);
  });

  kernelIt('a big-endian blob is refused before the kernel sees it', () => {
    const be = read(join(OBJECTS, 'basic-eb.btf'));
    expect(() => Handle.load(be)).toThrow(FormatError);
  });
});

describe('handles', () => {
  kernelIt('info, fd, fromID, close', () => {
    const blob = featureProbeBlob('btf');
    const h = Handle.load(blob);
    const info = h.info();
    expect(info.size).toBe(blob.byteLength);
    expect(info.id).toBeGreaterThan(0);
    expect(h.fd).toBeGreaterThan(0);
    const again = Handle.fromID(info.id);
    expect(again.fd).not.toBe(h.fd);
    expect(again.info()).toEqual(info);
    again.close();
    h.close();
    h.close();
    expect(h.closed).toBe(true);
    expect(() => h.fd).toThrow(BtfError);
    expect(() => h.info()).toThrow(/used after close/);
  });

  kernelIt('fromID of an ID nobody has is ENOENT', () => {
    const err = catchError(() => Handle.fromID(0x7ffffff0));
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).code).toBe('ENOENT');
  });

  kernelIt('using disposes', () => {
    // Counts, not fd numbers: listing /proc/self/fd opens the lowest free fd itself.
    const before = openFdCount();
    let handle: Handle | undefined;
    {
      using h = Handle.load(featureProbeBlob('btf'));
      handle = h;
      expect(openFdCount()).toBe(before + 1);
    }
    expect(handle.closed).toBe(true);
    expect(openFdCount()).toBe(before);
  });

  kernelIt('iteration finds vmlinux and the objects this test loaded', () => {
    const mine = [Handle.load(featureProbeBlob('btf')), Handle.load(featureProbeBlob('float'))];
    try {
      const ids = mine.map((h) => h.info().id);
      const infos = listHandleInfos();
      const vmlinux = infos.find((i) => i.isVmlinux);
      expect(vmlinux).toMatchObject({ name: 'vmlinux', isKernel: true, isModule: false });
      expect(vmlinux?.size).toBe(readFileSync('/sys/kernel/btf/vmlinux').byteLength);
      for (const id of ids) expect(infos.map((i) => i.id)).toContain(id);
      expect(infos.map((i) => i.id)).toEqual([...infos.map((i) => i.id)].sort((a, b) => a - b));
      // The generator hands out open handles; stopping early leaks none.
      const before = openFdCount();
      for (const h of iterateHandles()) {
        expect(h.info().id).toBeGreaterThan(0);
        h.close();
        break;
      }
      expect(openFdCount()).toBe(before);
    } finally {
      for (const h of mine) h.close();
    }
  });

  kernelIt('10,000 load/close cycles leave the open fd count unchanged', () => {
    const blob = featureProbeBlob('btf');
    Handle.load(blob).close();
    const before = openFdCount();
    for (let i = 0; i < 10_000; i++) Handle.load(blob).close();
    expect(openFdCount()).toBe(before);
    // And the count does move while handles are open, so the check above can fail.
    const open = Array.from({ length: 10 }, () => Handle.load(blob));
    expect(openFdCount()).toBe(before + 10);
    for (const h of open) h.close();
    expect(openFdCount()).toBe(before);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
