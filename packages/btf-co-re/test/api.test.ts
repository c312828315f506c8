// The public pieces on their own: candidates by libbpf's essential-name rule, compatibility
// checks on hand-built types, candidates across vmlinux and modules, patching refusals, and
// that the package bundles for a browser.
import { resolve } from 'node:path';
import {
  areMembersCompatible,
  areTypesCompatible,
  CoreRelocationError,
  checkTypeCompatibility,
  coreRelocate,
  findCandidates,
  IncompatibleTypesError,
  POISON_CALL_IMM,
  patchCoreInstruction,
  typesMatch,
} from '@btfkit/co-re';
import {
  Builder,
  Enum,
  FuncProto,
  Int,
  Pointer,
  Spec,
  Struct,
  type Type,
  Union,
} from '@btfkit/types';
import { BPF_CORE_RELO_KIND, BtfError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../tooling/browser-bundle.ts';

const u32 = new Int('unsigned int', 4);
const s32 = new Int('int', 4, 1);

function specOf(...types: ConstructorParameters<typeof Struct>[2][number]['type'][]): Spec {
  const b = new Builder();
  for (const t of types) b.add(t);
  return Spec.parse(b.marshal());
}

describe('candidates by essential name', () => {
  it("follow libbpf's essential-name rule and kind filter through the Spec's index", () => {
    const target = specOf(
      new Struct('foo', 4, []),
      new Union('foo___u', 4, []),
      new Struct('foo___v2', 4, []),
      new Struct('a_', 4, []),
      new Struct('a____b', 4, []),
      new Struct('bar___', 4, []),
      new Enum('e___x', 8, [{ name: 'A', value: 1n << 40n }]),
    );
    const local = specOf(
      new Struct('foo___v1', 4, []),
      new Struct('a____b', 4, []),
      new Struct('bar___', 4, []),
      new Enum('e', 4, [{ name: 'A', value: 1n }]),
    );
    const names = (name: string, kind: 'struct' | 'enum') =>
      findCandidates(local, local.typeByName(name, kind), target).map((c) => c.type.name);
    expect(names('foo___v1', 'struct')).toEqual(['foo', 'foo___v2']);
    // cilium/ebpf's rule would cut these to `a_` and `bar`; libbpf keeps them whole.
    expect(names('a____b', 'struct')).toEqual(['a____b']);
    expect(names('bar___', 'struct')).toEqual(['bar___']);
    // ENUM and ENUM64 are candidates for each other (btf_kind_core_compat).
    expect(names('e', 'enum')).toEqual(['e___x']);
  });
});

describe('compatibility', () => {
  it('compares kinds, pointees and int offsets, not names, for type relocations', () => {
    expect(areTypesCompatible(new Struct('a', 4, []), new Struct('b', 8, []))).toBe(true);
    expect(areTypesCompatible(new Struct('a', 4, []), new Union('a', 4, []))).toBe(false);
    expect(areTypesCompatible(new Pointer(u32), new Pointer(s32))).toBe(true);
    expect(areTypesCompatible(new Pointer(u32), new Pointer(new Struct('s', 4, [])))).toBe(false);
    expect(() => checkTypeCompatibility(u32, new Struct('s', 4, []))).toThrow(
      IncompatibleTypesError,
    );
  });

  it('matches enum members by essential name and int by size and sign for type matches', () => {
    const local = new Enum('e', 4, [{ name: 'A___x', value: 1n }]);
    expect(
      typesMatch(
        local,
        new Enum('e', 4, [
          { name: 'B', value: 0n },
          { name: 'A', value: 5n },
        ]),
      ),
    ).toBe(true);
    expect(typesMatch(local, new Enum('e', 8, [{ name: 'A', value: 5n }]))).toBe(false);
    expect(typesMatch(u32, new Int('unsigned int', 4))).toBe(true);
    expect(typesMatch(u32, new Int('unsigned int', 4, 1))).toBe(false);
  });

  it('takes any two composites and same-named enums as member types', () => {
    expect(areMembersCompatible(new Struct('a', 4, []), new Union('b', 4, []))).toBe(true);
    expect(areMembersCompatible(new Enum('x', 4, []), new Enum('y', 4, []))).toBe(false);
    expect(areMembersCompatible(new Enum('', 4, []), new Enum('y', 4, []))).toBe(true);
  });
});

describe('bounded work', () => {
  it('stops a check that would compare 2^32 type pairs with a BtfError', () => {
    // 32 levels of prototypes taking two pointers to the level below: libbpf's recursion
    // visits every path. Two copies, so nothing is shared between local and target.
    const tower = (): Type => {
      let t: Type = s32;
      for (let i = 0; i < 32; i++) {
        t = new FuncProto(s32, [
          { name: 'a', type: new Pointer(t) },
          { name: 'b', type: new Pointer(t) },
        ]);
      }
      return t;
    };
    expect(() => areTypesCompatible(tower(), tower())).toThrow(BtfError);
    expect(() => typesMatch(tower(), tower())).toThrow(BtfError);
  });
});

describe('candidates', () => {
  const local = specOf(
    new Struct('thing___v1', 4, [{ name: 'x', type: u32, bitOffset: 0, bitfieldSize: 0 }]),
  );
  const thing = local.typeByName('thing___v1', 'struct');
  const thingID = local.typeID(thing);
  const vmlinux = specOf(new Struct('other', 4, []));
  const module = Spec.parse(
    (() => {
      const b = new Builder({ base: vmlinux });
      b.add(new Struct('thing', 8, [{ name: 'x', type: u32, bitOffset: 32, bitfieldSize: 0 }]));
      return b.marshal();
    })(),
    { base: vmlinux },
  );

  it('looks in modules only when vmlinux has none', () => {
    const c = findCandidates(local, thing, { vmlinux, modules: [module] });
    expect(c.map((x) => [x.spec === module, x.type.name])).toEqual([[true, 'thing']]);
    expect(findCandidates(local, thing, { vmlinux: module })).toHaveLength(1);
    const r = coreRelocate(
      local,
      [
        {
          section: 's',
          index: 0,
          insnOff: 0,
          typeID: thingID,
          accessString: '0:0',
          kind: BPF_CORE_RELO_KIND.FIELD_BYTE_OFFSET,
        },
      ],
      { vmlinux, modules: [module] },
    );
    expect(r[0]!.ok && r[0]!.fixup.targetValue).toBe(4n);
  });

  it('loads modules given as a function only when vmlinux lacks a type, once', () => {
    let loads = 0;
    const modules = () => {
      loads++;
      return [module];
    };
    const relo = (typeID: number, index: number) => ({
      section: 's',
      index,
      insnOff: 8 * index,
      typeID,
      accessString: '0',
      kind: BPF_CORE_RELO_KIND.TYPE_EXISTS,
    });
    const other = local.typeID(local.anyTypeByName('unsigned int'));
    const inVmlinux = coreRelocate(local, [relo(other, 0)], { vmlinux: module, modules });
    expect(inVmlinux[0]!.ok && inVmlinux[0]!.fixup.targetValue).toBe(1n);
    expect(loads).toBe(0);
    const r = coreRelocate(local, [relo(thingID, 0), relo(thingID, 1)], { vmlinux, modules });
    expect(r.map((x) => x.ok && x.fixup.targetValue)).toEqual([1n, 1n]);
    expect(loads).toBe(1);
  });

  it('fails a member past the end and a malformed access string with typed errors', () => {
    const r = coreRelocate(
      local,
      [
        { section: 's', index: 0, insnOff: 8, typeID: thingID, accessString: '0:7', kind: 0 },
        { section: 's', index: 1, insnOff: 16, typeID: thingID, accessString: ':0', kind: 0 },
      ],
      vmlinux,
    );
    for (const x of r) {
      expect(x.ok).toBe(false);
      if (!x.ok) {
        expect(x.error).toBeInstanceOf(CoreRelocationError);
        expect(x.error.reason).toBe('access-string');
        expect(x.error.message).toMatch(/^co-re: section s: insn #\d+ \(offset \d+\): relo #\d '/);
      }
    }
  });
});

describe('patchCoreInstruction', () => {
  const relocation = {
    section: 's',
    index: 0,
    insnOff: 0,
    typeID: 1,
    accessString: '0:1',
    kind: 0,
  };
  const path = { spec: specOf(u32), rootTypeID: 1, accessors: [], raw: [], bitOffset: 0 };
  const fixup = (o: Partial<Parameters<typeof patchCoreInstruction>[2]>) => ({
    relocation,
    localValue: 4n,
    targetValue: 8n,
    poison: false,
    validate: true,
    localFieldSize: 0,
    targetFieldSize: 0,
    failMemSizeAdjust: false,
    local: path,
    target: undefined,
    ...o,
  });

  it('patches a load offset in either byte order and refuses what libbpf refuses', () => {
    const le = Uint8Array.of(0x61, 0x21, 4, 0, 0, 0, 0, 0);
    patchCoreInstruction(le, true, fixup({}));
    expect([...le]).toEqual([0x61, 0x21, 8, 0, 0, 0, 0, 0]);
    const be = Uint8Array.of(0x61, 0x12, 0, 4, 0, 0, 0, 0);
    patchCoreInstruction(be, false, fixup({}));
    expect([...be]).toEqual([0x61, 0x12, 0, 8, 0, 0, 0, 0]);
    expect(() =>
      patchCoreInstruction(Uint8Array.of(0x61, 0x21, 5, 0, 0, 0, 0, 0), true, fixup({})),
    ).toThrow(/unexpected LDX\/ST\/STX value/);
    expect(() =>
      patchCoreInstruction(
        Uint8Array.of(0x61, 0x21, 4, 0, 0, 0, 0, 0),
        true,
        fixup({ targetValue: 40000n }),
      ),
    ).toThrow(/ERANGE/);
    expect(() =>
      patchCoreInstruction(Uint8Array.of(0x85, 0, 0, 0, 4, 0, 0, 0), true, fixup({})),
    ).toThrow(CoreRelocationError);
  });

  it('poisons both halves of a ld_imm64', () => {
    const insn = Uint8Array.of(0x18, 1, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    patchCoreInstruction(insn, true, fixup({ poison: true }));
    const view = new DataView(insn.buffer);
    expect([insn[0], insn[8], view.getUint32(4, true), view.getUint32(12, true)]).toEqual([
      0x85,
      0x85,
      POISON_CALL_IMM,
      POISON_CALL_IMM,
    ]);
  });
});

describe('browser', () => {
  it('the built package bundles for a browser with no Node built-in', async () => {
    const pkg = resolve(import.meta.dirname, '..');
    const { inputs, code } = await bundleForBrowser("export * from './dist/index.js';", pkg);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(inputs.some((i) => /btf-elf|@btfkit\/elf/.test(i))).toBe(true);
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).not.toMatch(/require\(["']/);
  });
});
