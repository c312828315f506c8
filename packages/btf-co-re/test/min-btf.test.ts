import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type CoreFixup,
  CoreRelocationError,
  minimalBtf,
  minimalBtfForObjects,
  relocateObject,
} from '@btfkit/co-re';
import { Builder, Spec, Struct } from '@btfkit/types';
import { BPF_CORE_RELO_KIND, BtfError, NotSupportedError, RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../../tooling/test-fixtures.ts';

const testdata = join(import.meta.dirname, '../../../testdata');
const dir = join(testdata, 'core-kernel');
const read = (path: string) => new Uint8Array(readFileSync(path));
const gunzip = (path: string) => new Uint8Array(gunzipSync(readFileSync(path)));

/** The targets of the goldens (see regen.sh's gen_core_kernel), each parsed once. */
const targets: Record<string, Spec> = {
  vmlinux: Spec.parse(gunzip(join(testdata, 'vmlinux/vmlinux.btf.gz'))),
  'host-vmlinux': Spec.parse(gunzip(join(testdata, 'core/targets/host-vmlinux.btf.gz'))),
  'synth-a': Spec.parse(read(join(testdata, 'core/targets/synth-a.btf'))),
  'synth-b': Spec.parse(read(join(testdata, 'core/targets/synth-b.btf'))),
  'synth-c': Spec.parse(read(join(testdata, 'core/targets/synth-c.btf'))),
};
const vmlinux = targets.vmlinux!;

/** The object sets of the goldens, as regen.sh names them. */
const SETS: Record<string, readonly string[]> = {
  'funcs-el': ['core-kernel/funcs-el.o'],
  'probe-el': ['core-kernel/probe-el.o'],
  'all-el': ['core-kernel/funcs-el.o', 'core-kernel/probe-el.o', 'objects/core-el.o'],
  'relos-el': ['core/relos-el.o'],
};

/** Every golden: `min/SET.TARGET.btf` (bpftool's output) or `.error` (bpftool refused). */
const goldens = readdirSync(join(dir, 'min'))
  .filter((f) => f.endsWith('.btf') || f.endsWith('.error'))
  .sort()
  .map((f) => {
    const [set, target] = f.replace(/\.(btf|error)$/, '').split('.') as [string, string];
    const objects = SETS[set]?.map((o) => join(testdata, o));
    const spec = targets[target];
    if (!objects || !spec) throw new Error(`min/${f}: unknown object set or target`);
    return { file: f, set, target, objects, spec, refused: f.endsWith('.error') };
  });

function fixupsOf(objects: readonly string[], target: Spec): CoreFixup[] {
  return objects.flatMap((path) => {
    const r = relocateObject(read(path), target);
    return r.relocations.map((x) => {
      if (!x.result.ok) throw x.result.error;
      return x.result.fixup;
    });
  });
}

describe('minimalBtf', () => {
  it('has a golden for every object set and target', () => {
    expect(goldens.length).toBe(Object.keys(SETS).length * Object.keys(targets).length);
  });

  for (const g of goldens.filter((x) => !x.refused)) {
    it(`${g.set} against ${g.target}: the bytes bpftool gen min_core_btf wrote`, () => {
      const got = minimalBtfForObjects(g.spec, g.objects.map(read));
      const stem = join(dir, 'min', `${g.set}.${g.target}`);
      expect(rawDump(RawBtf.parse(got))).toBe(readFileSync(`${stem}.raw.golden`, 'utf8'));
      expect(Buffer.from(got).equals(Buffer.from(read(`${stem}.btf`)))).toBe(true);
    });

    it(`${g.set} against ${g.target}: relocating against it gives what the target gives`, () => {
      const min = Spec.parse(minimalBtf(g.spec, fixupsOf(g.objects, g.spec)));
      for (const path of g.objects) {
        const full = relocateObject(read(path), g.spec).relocations;
        const viaMin = relocateObject(read(path), min).relocations;
        expect(viaMin.length).toBe(full.length);
        full.forEach((f, i) => {
          const m = viaMin[i]!;
          if (!f.result.ok || !m.result.ok) throw new Error(`${path}: relocation ${i} failed`);
          const a = f.result.fixup;
          const b = m.result.fixup;
          const where = `${path} ${f.relocation.section}#${f.relocation.index}`;
          expect({ where, poison: b.poison }).toEqual({ where, poison: a.poison });
          if (a.poison) return;
          if (f.relocation.kind === BPF_CORE_RELO_KIND.TYPE_ID_TARGET) {
            // IDs are the minimal BTF's own: the same type by name and kind.
            const ta = g.spec.typeByID(Number(a.targetValue));
            const tb = min.typeByID(Number(b.targetValue));
            expect({ where, kind: tb.kind, name: tb.name }).toEqual({
              where,
              kind: ta.kind,
              name: ta.name,
            });
          } else {
            expect({ where, value: b.targetValue }).toEqual({ where, value: a.targetValue });
            expect(m.patched).toEqual(f.patched);
          }
        });
      }
    });
  }

  for (const g of goldens.filter((x) => x.refused)) {
    it(`${g.set} against ${g.target}: fails on the relocation bpftool failed on`, () => {
      // bpftool's last libbpf line names the relocation by index ("prog 'S': relo #N: why")
      // or, for a bitfield no load can read, by instruction ("relo KIND at insn #I").
      const line = readFileSync(join(dir, 'min', g.file), 'utf8');
      const byIndex = /prog '([^']+)': relo #(\d+): /.exec(line);
      const byInsn = /prog '([^']+)': relo \d+ at insn #(\d+) /.exec(line);
      if (!byIndex && !byInsn) throw new Error(`min/${g.file}: no relocation named in ${line}`);
      let error: unknown;
      try {
        minimalBtfForObjects(g.spec, g.objects.map(read));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CoreRelocationError);
      const e = error as CoreRelocationError;
      if (byIndex) {
        expect({ section: e.section, index: e.index }).toEqual({
          section: byIndex[1],
          index: Number(byIndex[2]),
        });
      } else if (byInsn) {
        expect({ section: e.section, insn: e.insnOff / 8 }).toEqual({
          section: byInsn[1],
          insn: Number(byInsn[2]),
        });
      }
    });
  }

  it('all-el against vmlinux: minimalBtf over the fixups gives minimalBtfForObjects bytes', () => {
    const objects = SETS['all-el']!.map((o) => join(testdata, o));
    const got = minimalBtf(vmlinux, fixupsOf(objects, vmlinux));
    expect(Buffer.from(got).equals(Buffer.from(read(join(dir, 'min/all-el.vmlinux.btf'))))).toBe(
      true,
    );
  });

  it('fails, as bpftool does, when a relocation fails', () => {
    // Two candidates for probe.c's sk_buff that disagree on where len is: an ambiguity.
    const src = vmlinux.anyTypesByName('sk_buff').find((t) => t.kind === 'struct');
    if (src?.kind !== 'struct') throw new Error('vmlinux has no struct sk_buff');
    const b = new Builder();
    const len = src.members.find((m) => m.name === 'len')!;
    b.add(new Struct('sk_buff', src.size, [{ ...len, bitOffset: 0 }]));
    b.add(new Struct('sk_buff___two', src.size, [{ ...len, bitOffset: 32 }]));
    const target = Spec.parse(b.marshal());
    let error: unknown;
    try {
      minimalBtfForObjects(target, [read(join(dir, 'probe-el.o'))]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CoreRelocationError);
    expect((error as CoreRelocationError).reason).toBe('ambiguous');
  });

  it('refuses a fixup whose target path is in another Spec, and split BTF', () => {
    const fixups = fixupsOf([join(dir, 'probe-el.o')], vmlinux);
    const other = Spec.parse(vmlinux.raw.bytes);
    expect(() => minimalBtf(other, fixups)).toThrow(NotSupportedError);
    const split = Spec.parse(read(join(dir, 'min/funcs-el.vmlinux.btf')), { base: vmlinux });
    expect(() => minimalBtf(split, [])).toThrow(/split BTF/);
  });

  it('random target paths, on intact and corrupted targets, give a blob or a BtfError', () => {
    const seed = testSeed('min-btf random paths');
    const rand = rng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const synth = read(join(testdata, 'core/targets/synth-b.btf'));
    let blobs = 0;
    let errors = 0;
    for (let round = 0; round < 300; round++) {
      let target: Spec = round % 3 === 0 ? vmlinux : targets['synth-b']!;
      if (round % 3 === 2) {
        // Corrupt a few bytes past the header of synth-b.
        const bytes = synth.slice();
        for (let i = 0; i < 1 + int(4); i++) bytes[24 + int(bytes.length - 24)] = int(256);
        try {
          target = Spec.parse(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(BtfError);
          continue;
        }
      }
      const fixups: CoreFixup[] = [];
      for (let i = 0; i < 1 + int(6); i++) {
        const raw = Array.from({ length: 1 + int(6) }, () =>
          rand() < 0.1 ? int(1 << 20) : int(8),
        );
        const kind = int(15);
        fixups.push({
          relocation: {
            section: 'fuzz',
            index: i,
            insnOff: 0,
            typeID: 1,
            accessString: raw.join(':'),
            kind,
          },
          localValue: 0n,
          targetValue: 0n,
          poison: false,
          validate: false,
          localFieldSize: 0,
          targetFieldSize: 0,
          failMemSizeAdjust: false,
          local: { spec: target, rootTypeID: 1, accessors: [], raw, bitOffset: 0 },
          target: {
            spec: target,
            rootTypeID: int(target.nextTypeID + 4),
            accessors: [],
            raw,
            bitOffset: 0,
          },
        } as CoreFixup);
      }
      try {
        expect(minimalBtf(target, fixups)).toBeInstanceOf(Uint8Array);
        blobs++;
      } catch (e) {
        if (!(e instanceof BtfError))
          throw new Error(`seed ${seed}: round ${round}: ${e}`, { cause: e });
        errors++;
      }
    }
    // Both outcomes occur, or the generator tests too little.
    expect(blobs).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });
});

/** A small deterministic generator (mulberry32), so a seed reproduces a run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
