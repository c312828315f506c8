import { readFileSync } from 'node:fs';
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
import { BPF_CORE_RELO_KIND, NotSupportedError, RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';

const testdata = join(import.meta.dirname, '../../../testdata');
const dir = join(testdata, 'core-kernel');
const read = (path: string) => new Uint8Array(readFileSync(path));

/** The committed vmlinux the goldens were made from, parsed once. */
const vmlinux = Spec.parse(
  new Uint8Array(gunzipSync(readFileSync(join(testdata, 'vmlinux/vmlinux.btf.gz')))),
);

/** Each golden: what `bpftool gen min_core_btf` wrote for these objects (see regen.sh). */
const GOLDENS: Record<string, readonly string[]> = {
  'funcs-el': [join(dir, 'funcs-el.o')],
  'probe-el': [join(dir, 'probe-el.o')],
  'all-el': [join(dir, 'funcs-el.o'), join(dir, 'probe-el.o'), join(testdata, 'objects/core-el.o')],
};

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
  for (const [name, objects] of Object.entries(GOLDENS)) {
    it(`${name}: the bytes bpftool gen min_core_btf wrote`, () => {
      const got = minimalBtf(vmlinux, fixupsOf(objects, vmlinux));
      const golden = read(join(dir, `${name}.min.btf`));
      expect(rawDump(RawBtf.parse(got))).toBe(
        readFileSync(join(dir, `${name}.min.raw.golden`), 'utf8'),
      );
      expect(Buffer.from(got).equals(Buffer.from(golden))).toBe(true);
    });

    it(`${name}: relocating against it gives what relocating against vmlinux gives`, () => {
      const min = Spec.parse(minimalBtf(vmlinux, fixupsOf(objects, vmlinux)));
      for (const path of objects) {
        const full = relocateObject(read(path), vmlinux).relocations;
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
            const ta = vmlinux.typeByID(Number(a.targetValue));
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

  it('all-el: minimalBtfForObjects reads the objects itself and gives the same bytes', () => {
    const got = minimalBtfForObjects(vmlinux, GOLDENS['all-el']!.map(read));
    expect(Buffer.from(got).equals(Buffer.from(read(join(dir, 'all-el.min.btf'))))).toBe(true);
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
    const fixups = fixupsOf(GOLDENS['probe-el']!, vmlinux);
    const other = Spec.parse(vmlinux.raw.bytes);
    expect(() => minimalBtf(other, fixups)).toThrow(NotSupportedError);
    const split = Spec.parse(read(join(dir, 'funcs-el.min.btf')), { base: vmlinux });
    expect(() => minimalBtf(split, [])).toThrow(/split BTF/);
  });
});
