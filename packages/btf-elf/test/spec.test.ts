import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  decodeExtInfos,
  ElfFile,
  loadRawBtfFromElf,
  loadSpecAndExtInfosFromBytes,
  loadSpecFromBytes,
  loadSplitSpecFromBytes,
  SHT,
  STT,
} from '@btfkit/elf';
import { loadSpec, loadSpecAndExtInfos, loadSplitSpec } from '@btfkit/elf/node';
import { Spec } from '@btfkit/types';
import {
  BTF_KIND,
  BTF_VAR_LINKAGE,
  BtfError,
  type BtfRecord,
  FormatError,
  NotFoundError,
  NotSupportedError,
  RawBtf,
  rawDump,
} from '@btfkit/wire';
import { openFile } from '@btfkit/wire/node';
import { describe, expect, it } from 'vitest';
import { blob, intRecord, refRecord } from '../../../tooling/test-blobs.ts';
import { writeElf } from './elf-writer.js';
import { objectFixtures, readBytes, testdata } from './helpers.js';

const fixtures = objectFixtures();

describe('loadSpecFromBytes', () => {
  for (const fx of fixtures) {
    it(`${fx.id}: the re-marshalled Spec dumps as libbpf's fixed-up BTF`, () => {
      const spec = loadSpecFromBytes(readBytes(fx.path));
      expect(spec.byteOrder).toBe(fx.order === 'el' ? 'little' : 'big');
      const golden = readFileSync(
        join(testdata, 'objects', `${fx.name}-el.libbpf.raw.golden`),
        'utf8',
      );
      expect(rawDump(spec.raw)).toBe(golden);
      expect(rawDump(RawBtf.parse(spec.marshal()))).toBe(golden);
    });

    it(`${fx.id}: every DATASEC has the size of its ELF section and sorted, in-bounds entries`, () => {
      const elf = ElfFile.open(readBytes(fx.path));
      const spec = loadSpecFromBytes(elf);
      let n = 0;
      for (const t of spec) {
        if (t.kind !== 'datasec') continue;
        n++;
        const sec = elf.section(t.name);
        if (t.name === '.ksyms' || t.name === '.kconfig') expect(sec).toBeUndefined();
        else expect(t.size).toBe(sec!.size);
        let end = 0;
        for (const v of t.vars) {
          expect(v.offset).toBeGreaterThanOrEqual(end);
          end = v.offset + v.size;
          expect(v.type.kind).toBe('var');
        }
        expect(end).toBeLessThanOrEqual(t.size);
      }
      expect(n).toBeGreaterThan(0);
    });
  }

  it('global variables sit at their ELF symbol', () => {
    const elf = ElfFile.open(readBytes(join(testdata, 'objects', 'basic-el.o')));
    const spec = loadSpecFromBytes(elf);
    const symbols = elf.symbolTable();
    let n = 0;
    for (const t of spec) {
      if (t.kind !== 'datasec') continue;
      for (const v of t.vars) {
        const sym = symbols.find((s) => s.name === v.type.name && s.type === STT.OBJECT);
        expect(sym, v.type.name).toBeDefined();
        expect(elf.sections[sym!.sectionIndex]!.name).toBe(t.name);
        expect(v.offset).toBe(Number(sym!.value));
        n++;
      }
    }
    expect(n).toBeGreaterThan(5);
  });

  it('.kconfig and .ksyms externs load with usable DATASECs', () => {
    const spec = loadSpecFromBytes(readBytes(join(testdata, 'objects', 'programs-eb.o')));
    const kconfig = spec.typeByName('.kconfig', 'datasec');
    expect(kconfig.vars.map((v) => [v.type.name, v.offset, v.size])).toEqual([
      ['LINUX_KERNEL_VERSION', 0, 4],
      ['CONFIG_BPF_SYSCALL', 4, 1],
    ]);
    expect(kconfig.size).toBe(5);
    const ksyms = spec.typeByName('.ksyms', 'datasec');
    expect(ksyms.size).toBe(16);
    expect(ksyms.vars.map((v) => [v.type.name, v.offset, v.size])).toEqual([
      ['dummy_ksym', 0, 4],
      ['dummy_ksym', 4, 4],
      ['bpf_prog_active', 8, 4],
      ['bpf_link_fops', 12, 4],
    ]);
    for (const v of [...kconfig.vars, ...ksyms.vars]) {
      expect(v.type.kind === 'var' && v.type.linkage).toBe('global');
    }
    const acquire = spec.typeByName('bpf_task_acquire', 'func');
    expect(acquire.linkage).toBe('global');
    // The marshalled Spec parses back as valid BTF.
    expect(() => Spec.parse(spec.marshal())).not.toThrow();
  });
});

describe('loadSpecFromBytes (raw BTF or ELF)', () => {
  const fx = fixtures.find((f) => f.id === 'enums-eb')!;

  it('takes an ELF file as bytes, a source or opened, with the same result', () => {
    const bytes = readBytes(fx.path);
    const dump = rawDump(loadSpecFromBytes(bytes).raw);
    expect(dump).toBe(rawDump(loadSpecFromBytes(ElfFile.open(bytes)).raw));
    using file = openFile(fx.path);
    expect(rawDump(loadSpecFromBytes(file).raw)).toBe(dump);
  });

  it('takes a raw BTF blob as it is, without fixup', () => {
    expect(rawDump(loadSpecFromBytes(readBytes(`${fx.stem}.btf`)).raw)).toBe(
      readFileSync(`${fx.stem}.raw.golden`, 'utf8'),
    );
  });

  it('takes raw split BTF with a base, from bytes and from a path', () => {
    const base = loadSpecFromBytes(readBytes(join(testdata, 'pahole', 'base.btf')));
    const splitPath = join(testdata, 'pahole', 'split.btf');
    const golden = readFileSync(join(testdata, 'pahole', 'split.raw.golden'), 'utf8');
    expect(rawDump(loadSpecFromBytes(readBytes(splitPath), { base }).raw)).toBe(golden);
    expect(rawDump(loadSplitSpecFromBytes(readBytes(splitPath), base).raw)).toBe(golden);
    expect(rawDump(loadSplitSpec(splitPath, base).raw)).toBe(golden);
  });

  it('unpacks a gzipped file, and names the file when it is corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'btfkit-elf-'));
    try {
      const gz = join(dir, 'enums.btf.gz');
      writeFileSync(gz, gzipSync(readBytes(`${fx.stem}.btf`)));
      expect(rawDump(loadSpec(gz).raw)).toBe(readFileSync(`${fx.stem}.raw.golden`, 'utf8'));
      const bad = join(dir, 'bad.gz');
      writeFileSync(bad, Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
      expect(() => loadSpec(bad)).toThrow(/^btf: file .*bad\.gz: offset 0: gzip: /);
      expect(() => loadSpec(bad)).toThrow(FormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects what is neither', () => {
    expect(() => loadSpecFromBytes(new TextEncoder().encode('hello world'))).toThrow(FormatError);
    expect(() => loadSpecFromBytes(new Uint8Array(1))).toThrow(FormatError);
  });

  it('loads from a path with the Node entry point', () => {
    expect(rawDump(loadSpec(fx.path).raw)).toBe(rawDump(loadSpecFromBytes(readBytes(fx.path)).raw));
    expect(rawDump(loadSpec(`${fx.stem}.btf`).raw)).toBe(
      readFileSync(`${fx.stem}.raw.golden`, 'utf8'),
    );
    expect(() => loadSpec(join(testdata, 'objects', 'enums.c'))).toThrow(FormatError);
  });
});

describe('kernel module split BTF', () => {
  const base = Spec.parse(readBytes(join(testdata, 'pahole', 'base.btf')));
  const split = readBytes(join(testdata, 'pahole', 'split.btf'));
  const ko = writeElf(
    [
      { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(16) },
      { name: '.BTF', type: SHT.PROGBITS, data: split },
    ],
    { is64: true, littleEndian: true, machine: 62 },
  ).bytes;

  it('loads the .BTF of a .ko over a base Spec', () => {
    const spec = loadSpecFromBytes(ko, { base });
    expect(spec.base).toBe(base);
    expect(spec.firstTypeID).toBe(base.nextTypeID);
    expect(rawDump(spec.raw)).toBe(
      readFileSync(join(testdata, 'pahole', 'split.raw.golden'), 'utf8'),
    );
  });

  it('fails without the base, as split BTF refers to it', () => {
    expect(() => rawDump(loadSpecFromBytes(ko).raw)).toThrow(BtfError);
  });

  it('an ELF without .BTF gives NotFoundError', () => {
    const none = writeElf([{ name: '.text', type: SHT.PROGBITS, data: new Uint8Array(8) }], {
      is64: true,
      littleEndian: true,
    }).bytes;
    expect(() => loadSpecFromBytes(none)).toThrow(NotFoundError);
  });
});

describe('loadSpecAndExtInfosFromBytes', () => {
  for (const fx of fixtures) {
    it(`${fx.id}: func infos are FUNC objects named as their ELF symbols`, () => {
      const { spec, extInfos, elf } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
      const symbols = elf.symbolTable();
      let n = 0;
      for (const sec of extInfos.values()) {
        const index = elf.section(sec.section)!.index;
        for (const fi of sec.funcInfos) {
          expect(fi.func.kind).toBe('func');
          expect(spec.typeID(fi.func)).toBeGreaterThan(0);
          const sym = symbols.find(
            (s) =>
              s.type === STT.FUNC && s.sectionIndex === index && s.value === BigInt(fi.insnOff),
          );
          expect(sym?.name).toBe(fi.func.name);
          n++;
        }
      }
      expect(n).toBeGreaterThan(0);
    });
  }

  it('the /node entry returns the main entry’s classes, not copies of them', () => {
    const { elf } = loadSpecAndExtInfos(join(testdata, 'objects', 'core-el.o'));
    expect(elf).toBeInstanceOf(ElfFile);
  });

  it('CO-RE access strings resolve to the members core.c reads', () => {
    const { extInfos } = loadSpecAndExtInfos(join(testdata, 'objects', 'core-el.o'));
    const fields = new Set<string>();
    const enums = new Set<string>();
    const types = new Set<string>();
    for (const sec of extInfos.values()) {
      for (const r of sec.coreRelos) {
        expect(r.accessor.join(':')).toBe(r.accessString);
        if (r.kindName.startsWith('FIELD_')) fields.add(`${r.type.name}.${r.member!.name}`);
        else if (r.kindName.startsWith('ENUMVAL_')) enums.add(r.enumValue!.name);
        else types.add(r.type.name);
      }
    }
    // What core.c reads, from its source.
    expect([...fields].sort()).toEqual(
      expect.arrayContaining([
        'task_struct.real_parent',
        'task_struct.tgid',
        'task_struct.mm',
        'mm_struct.total_vm',
        'task_struct.in_execve',
        'task_struct.sched_prio',
        'task_struct.comm',
        'task_struct.flags',
      ]),
    );
    expect([...enums].sort()).toEqual(['PIDTYPE_SID', 'PIDTYPE_TGID']);
    expect([...types].sort()).toEqual(expect.arrayContaining(['task_struct', 'mm_t', 'mm_struct']));
  });

  it('matches the raw ext infos record for record', () => {
    const bytes = readBytes(join(testdata, 'objects', 'programs-el.o'));
    const raw = loadRawBtfFromElf(bytes);
    const rawInfos = decodeExtInfos(raw.btfExt!, raw.btf);
    const { extInfos } = loadSpecAndExtInfosFromBytes(bytes);
    expect([...extInfos.keys()]).toEqual([...rawInfos.keys()]);
    for (const [name, sec] of extInfos) {
      const r = rawInfos.get(name)!;
      expect(sec.funcInfos.map((f) => [f.insnOff, f.func.name])).toEqual(
        r.funcInfos.map((f) => [f.insnOff, f.name]),
      );
      expect(sec.lineInfos).toEqual(r.lineInfos);
    }
  });
});

describe('.kconfig layout through the shared alignment resolver', () => {
  /** An ELF holding only a .BTF whose .kconfig DATASEC lists a VAR of each type given. */
  function kconfigElf(types: (name: (s: string) => number) => BtfRecord[]): Uint8Array {
    const btf = blob((name) => {
      const recs = types(name);
      const vars = recs.map(
        (_, i): BtfRecord => ({
          kind: BTF_KIND.VAR,
          nameOff: name(`v${i}`),
          kflag: false,
          type: i + 1,
          linkage: BTF_VAR_LINKAGE.GLOBAL_EXTERN,
        }),
      );
      const datasec: BtfRecord = {
        kind: BTF_KIND.DATASEC,
        nameOff: name('.kconfig'),
        kflag: false,
        size: 0,
        entries: vars.map((_, i) => ({ type: recs.length + 1 + i, offset: 0, size: 0 })),
      };
      return [...recs, ...vars, datasec];
    });
    return writeElf([{ name: '.BTF', type: SHT.PROGBITS, data: btf }], {
      is64: true,
      littleEndian: true,
    }).bytes;
  }

  // libbpf 1.1 bpf_object__collect_externs: align = btf__align_of (capped at the pointer
  // size, 8 here from `long`), then cmp_externs sorts by alignment descending, size, name.
  it('lays VARs out by alignment as libbpf does, through typedefs', () => {
    const bytes = kconfigElf((name) => [
      intRecord(name('int')), // 1, v0: align 4
      { ...intRecord(name('long')), size: 8, bits: 64 }, // 2, v1: align 8
      refRecord(BTF_KIND.TYPEDEF, 2, name('long_t')), // 3, v2: align 8 through the typedef
    ]);
    const { btf } = loadRawBtfFromElf(bytes);
    const ds = [...btf.records()].find((r) => r.kind === BTF_KIND.DATASEC);
    expect(ds?.kind === BTF_KIND.DATASEC && ds.entries.map((e) => [e.type, e.offset])).toEqual([
      [5, 0],
      [6, 8],
      [4, 16],
    ]);
    expect(ds?.kind === BTF_KIND.DATASEC && ds.size).toBe(20);
  });

  // libbpf: "failed to determine alignment" when btf__align_of gives 0.
  it('a VAR whose type has no alignment is NotSupportedError', () => {
    const bytes = kconfigElf((name) => [{ ...intRecord(name('int')), size: 0, bits: 0 }]);
    expect(() => loadRawBtfFromElf(bytes)).toThrow(NotSupportedError);
    expect(() => loadRawBtfFromElf(bytes)).toThrow(/has a type without an alignment/);
  });
});
