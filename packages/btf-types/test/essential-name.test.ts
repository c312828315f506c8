// essentialName against libbpf's bpf_core_essential_name_len: testdata/core/essential-names.txt
// holds edge names, essential-names.libbpf.tsv libbpf 1.1.2's length of each in bytes
// (tooling/core-oracle/regen.sh). The Spec's essential-name index must cut names the same way
// in the string table's bytes, so each name is also looked up through a Spec.
import { Builder, essentialName, essentialNameLength, Spec, Struct, Union } from '@btfkit/types';
import { BTF_KIND } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { readText } from './helpers.js';

const utf8 = new TextEncoder();
const decoder = new TextDecoder();

/** libbpf's essential name of each name, from its byte length. */
const golden = readText('core/essential-names.libbpf.tsv')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => {
    const [name, len] = line.split('\t') as [string, string];
    return { name, essential: decoder.decode(utf8.encode(name).subarray(0, Number(len))) };
  });

describe('essentialName', () => {
  it('covers every name of essential-names.txt, and the edge cases that split the rules', () => {
    const names = readText('core/essential-names.txt').split('\n').filter(Boolean);
    expect(golden.map((g) => g.name)).toEqual(names);
    // Where libbpf and cilium/ebpf's `LastIndex("___") > 0` disagree: libbpf is the oracle.
    const of = new Map(golden.map((g) => [g.name, g.essential]));
    expect(of.get('a____b')).toBe('a____b');
    expect(of.get('foo___')).toBe('foo___');
    expect(of.get('task_struct___old')).toBe('task_struct');
  });

  it.each(golden)('$name → $essential, as libbpf cuts it', ({ name, essential }) => {
    expect(essentialName(name)).toBe(essential);
    expect(essentialNameLength(name)).toBe(essential.length);
  });

  it("the Spec's per-kind chains agree with its whole index", () => {
    // Each name as a struct and as a union. A fresh Spec asked for one kind first chains only
    // that kind; an overlapping kind set then falls back to the whole index.
    const b = new Builder();
    for (const { name } of golden) {
      b.add(new Struct(name, 0, []));
      b.add(new Union(name, 0, []));
    }
    const spec = Spec.parse(b.marshal());
    const firstID = spec.firstTypeID;
    const want = (e: string, odd: number[]) =>
      golden.flatMap((g, i) => (g.essential === e ? odd.map((o) => firstID + 2 * i + o) : []));
    for (const e of new Set(golden.map((g) => g.essential))) {
      expect(spec.typeIDsByEssentialName(e, [BTF_KIND.STRUCT]), e).toEqual(want(e, [0]));
      expect(spec.typeIDsByEssentialName(e, [BTF_KIND.UNION]), e).toEqual(want(e, [1]));
      expect(spec.typeIDsByEssentialName(e, [BTF_KIND.ENUM]), e).toEqual([]);
      const both = spec.typeIDsByEssentialName(e, [BTF_KIND.STRUCT, BTF_KIND.UNION]);
      expect(both, e).toEqual(want(e, [0, 1]));
    }
  });

  it("the Spec's index finds each name under libbpf's essential name, by scan and by index", () => {
    const b = new Builder();
    for (const { name } of golden) b.add(new Struct(name, 0, []));
    b.add(new Struct('unrelated', 0, []));
    const spec = Spec.parse(b.marshal());
    const firstID = spec.firstTypeID;
    const essentials = [...new Set(golden.map((g) => g.essential))];
    for (let round = 0; round < 2; round++) {
      for (const e of essentials) {
        const want = golden.flatMap((g, i) => (g.essential === e ? [firstID + i] : []));
        expect(spec.typeIDsByEssentialName(e), e).toEqual(want);
        expect(spec.typeIDsByEssentialName(e, [BTF_KIND.STRUCT]), e).toEqual(want);
        expect(spec.typeIDsByEssentialName(e, [BTF_KIND.UNION, BTF_KIND.ENUM]), e).toEqual([]);
        const named = golden.flatMap((g, i) =>
          g.essential === e || g.name === e ? [firstID + i] : [],
        );
        expect(
          spec.anyTypesByEssentialName(e).map((t) => spec.typeID(t)),
          e,
        ).toEqual(named);
      }
      // A full name that is not an essential name finds nothing by essential name alone.
      expect(spec.typeIDsByEssentialName('task_struct___old')).toEqual([]);
      // Full-name lookups bucket by the essential hash: every name is found as itself.
      for (const [i, { name }] of golden.entries()) {
        expect(
          spec.anyTypesByName(name).map((t) => spec.typeID(t)),
          name,
        ).toEqual([firstID + i]);
      }
    }
  });
});
