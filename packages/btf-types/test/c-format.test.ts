import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { BTF_KIND, type BtfRecord, FormatError, NotFoundError, RawBtf } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { blob as buildBlob, intRecord } from '../../../tooling/test-blobs.ts';
import { MAX_DECL_DEPTH } from '../src/c-format/c-dumper.js';
import {
  C_EPILOGUE,
  C_PREAMBLE,
  formatC,
  formatCBytes,
  formatCChunks,
} from '../src/c-format/index.js';

const testdata = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata');

function read(...parts: string[]): Uint8Array {
  const path = join(testdata, ...parts);
  const raw = readFileSync(path);
  return new Uint8Array(path.endsWith('.gz') ? gunzipSync(raw) : raw);
}

/** Compares bytes, reporting the first differing line rather than two megabytes of text. */
function expectSameBytes(actual: Uint8Array, golden: Uint8Array): void {
  if (Buffer.compare(Buffer.from(actual), Buffer.from(golden)) === 0) return;
  const a = new TextDecoder().decode(actual).split('\n');
  const g = new TextDecoder().decode(golden).split('\n');
  let i = 0;
  while (i < a.length && i < g.length && a[i] === g[i]) i++;
  expect({ line: i + 1, actual: a[i], golden: g[i] }).toEqual({
    line: i + 1,
    actual: g[i],
    golden: g[i],
  });
  expect(actual.byteLength).toBe(golden.byteLength);
}

describe('formatC matches bpftool 7.1.0 `format c`', () => {
  const objects = readdirSync(join(testdata, 'objects'))
    .filter((f) => f.endsWith('.c.golden'))
    .sort();

  it('finds the object fixtures', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
  });

  for (const golden of objects) {
    const btf = golden.replace(/\.c\.golden$/, '.btf');
    it(`objects/${btf}`, () => {
      const raw = RawBtf.parse(read('objects', btf));
      expectSameBytes(formatCBytes(raw), read('objects', golden));
    });
  }

  it('pahole/base.btf', () => {
    const base = RawBtf.parse(read('pahole', 'base.btf'));
    expectSameBytes(formatCBytes(base), read('pahole', 'base.c.golden'));
  });

  it('pahole/split.btf over base.btf prints base and split types, as bpftool -B does', () => {
    const base = RawBtf.parse(read('pahole', 'base.btf'));
    const split = RawBtf.parse(read('pahole', 'split.btf'), { base });
    expectSameBytes(formatCBytes(split), read('pahole', 'split.c.golden'));
  });

  it('vmlinux/vmlinux.btf.gz', () => {
    const raw = RawBtf.parse(read('vmlinux', 'vmlinux.btf.gz'));
    expectSameBytes(formatCBytes(raw), read('vmlinux', 'vmlinux.c.golden.gz'));
  });
});

describe('formatC variants', () => {
  const raw = RawBtf.parse(read('objects', 'layout-el.btf'));
  const golden = read('objects', 'layout-el.c.golden');

  it('formatCChunks yields the same bytes in chunks', () => {
    const chunks = [...formatCChunks(raw, {}, 64)];
    expect(chunks.length).toBeGreaterThan(3);
    expectSameBytes(Buffer.concat(chunks), golden);
  });

  it('formatC returns the same text as a string', () => {
    expect(formatC(raw)).toBe(new TextDecoder().decode(golden));
  });

  it('roots: every ID in order is the default', () => {
    const all = Array.from({ length: raw.nextTypeID - 1 }, (_, i) => i + 1);
    expectSameBytes(formatCBytes(raw, { roots: all }), golden);
  });

  it('roots: one struct prints it and what it needs, nothing else', () => {
    const base = RawBtf.parse(read('pahole', 'base.btf'));
    const split = RawBtf.parse(read('pahole', 'split.btf'), { base });
    const walker = findType(split, 'split_walker');
    const text = formatC(split, { roots: [walker] });
    expect(text.startsWith(C_PREAMBLE)).toBe(true);
    expect(text.endsWith(C_EPILOGUE)).toBe(true);
    const body = text.slice(C_PREAMBLE.length, -C_EPILOGUE.length);
    expect(body).toContain('struct split_walker {\n\tvisit_fn visit;');
    expect(body).toContain('typedef int (*visit_fn)(struct node *, void *);');
    // Reached only through a pointer: a forward declaration is enough.
    expect(body).toContain('struct node;\n\n');
    expect(body).not.toContain('struct table');
    expect(body).not.toContain('enum state');
  });

  it('roots: an ID past the end throws NotFoundError', () => {
    expect(() => formatC(raw, { roots: [raw.nextTypeID] })).toThrow(NotFoundError);
  });
});

function findType(raw: RawBtf, name: string): number {
  for (let id = 1; id < raw.nextTypeID; id++) {
    if (raw.strings.tryAt(raw.nameOffOf(id)) === name) return id;
  }
  throw new Error(`no type ${name}`);
}

/** Builds a little-endian blob from records whose names are given as strings. */
function blob(build: (name: (s: string) => number) => BtfRecord[]): RawBtf {
  return RawBtf.parse(buildBlob(build));
}

const INT = intRecord;

function body(raw: RawBtf): string {
  const text = formatC(raw);
  return text.slice(C_PREAMBLE.length, -C_EPILOGUE.length);
}

describe('formatC on built BTF', () => {
  it('suffixes clashing struct names and enumerators with ___N', () => {
    const raw = blob((n) => [
      INT(n('int')),
      { kind: BTF_KIND.STRUCT, nameOff: n('foo'), kflag: false, size: 4, members: [] },
      {
        kind: BTF_KIND.STRUCT,
        nameOff: n('foo'),
        kflag: false,
        size: 4,
        members: [{ nameOff: n('x'), type: 1, offset: 0 }],
      },
      {
        kind: BTF_KIND.ENUM,
        nameOff: n('e1'),
        kflag: false,
        size: 4,
        values: [{ nameOff: n('A'), value: 1 }],
      },
      {
        kind: BTF_KIND.ENUM,
        nameOff: n('e2'),
        kflag: true,
        size: 4,
        values: [{ nameOff: n('A'), value: -2 }],
      },
    ]);
    expect(body(raw)).toBe(
      'struct foo {\n\tint: 32;\n};\n\n' +
        'struct foo___2 {\n\tint x;\n};\n\n' +
        'enum e1 {\n\tA = 1,\n};\n\n' +
        'enum e2 {\n\tA___2 = -2,\n};\n\n',
    );
  });

  it('prints arrays of arrays, function pointers and qualifiers', () => {
    const raw = blob((n) => [
      INT(n('int')), // 1
      { kind: BTF_KIND.ARRAY, nameOff: 0, kflag: false, type: 1, indexType: 1, nelems: 3 }, // 2
      { kind: BTF_KIND.ARRAY, nameOff: 0, kflag: false, type: 2, indexType: 1, nelems: 2 }, // 3
      { kind: BTF_KIND.CONST, nameOff: 0, kflag: false, type: 1 }, // 4
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 4 }, // 5
      {
        kind: BTF_KIND.FUNC_PROTO,
        nameOff: 0,
        kflag: false,
        returnType: 5,
        params: [
          { nameOff: 0, type: 1 },
          { nameOff: 0, type: 0 },
        ],
      }, // 6
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 6 }, // 7
      { kind: BTF_KIND.ARRAY, nameOff: 0, kflag: false, type: 7, indexType: 1, nelems: 4 }, // 8
      { kind: BTF_KIND.VOLATILE, nameOff: 0, kflag: false, type: 5 }, // 9
      {
        kind: BTF_KIND.STRUCT,
        nameOff: n('s'),
        kflag: false,
        size: 96,
        members: [
          { nameOff: n('grid'), type: 3, offset: 0 },
          { nameOff: n('fns'), type: 8, offset: 192 },
          { nameOff: n('vp'), type: 9, offset: 448 },
        ],
      },
    ]);
    expect(body(raw)).toBe(
      'struct s {\n' +
        '\tint grid[2][3];\n' +
        '\tconst int * (*fns[4])(int, ...);\n' +
        '\tconst int * volatile vp;\n' +
        '\tlong: 64;\n' +
        '\tlong: 64;\n' +
        '\tlong: 64;\n' +
        '\tlong: 64;\n' +
        '};\n\n',
    );
  });

  it('follows a typedef chain of 100000 without overflowing the stack', () => {
    const n = 100_000;
    const raw = blob((name) => {
      const recs: BtfRecord[] = [INT(name('int'))];
      for (let i = 0; i < n; i++) {
        recs.push({ kind: BTF_KIND.TYPEDEF, nameOff: name(`t${i}`), kflag: false, type: i + 1 });
      }
      return recs;
    });
    const text = body(raw);
    expect(text.startsWith('typedef int t0;\n\ntypedef t0 t1;\n\n')).toBe(true);
    expect(text.endsWith(`typedef t${n - 2} t${n - 1};\n\n`)).toBe(true);
  });

  it('throws FormatError naming the type for a struct that contains itself', () => {
    const raw = blob((n) => [
      {
        kind: BTF_KIND.STRUCT,
        nameOff: n('loop'),
        kflag: false,
        size: 8,
        members: [{ nameOff: n('self'), type: 1, offset: 0 }],
      },
    ]);
    expect(() => formatC(raw)).toThrow(FormatError);
    expect(() => formatC(raw)).toThrow(/type id 1: unsatisfiable type cycle/);
  });

  it('throws FormatError for a pointer cycle with no type to end it', () => {
    const raw = blob(() => [
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 2 },
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 1 },
    ]);
    const err = catchError(() => formatC(raw));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).typeID).toBeGreaterThan(0);
  });

  it('throws FormatError naming the type for a reference to a missing type', () => {
    const raw = blob((n) => [
      INT(n('int')),
      { kind: BTF_KIND.TYPEDEF, nameOff: n('t'), kflag: false, type: 7 },
    ]);
    const err = catchError(() => formatC(raw));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).typeID).toBe(2);
    expect((err as Error).message).toMatch(/^btf: type id 2: TYPEDEF .*type id 7 out of range/);
  });

  it('throws FormatError for a declaration nested past MAX_DECL_DEPTH', () => {
    const depth = MAX_DECL_DEPTH + 10;
    const raw = blob((n) => {
      const recs: BtfRecord[] = [INT(n('int'))];
      for (let i = 0; i < depth; i++) {
        recs.push({
          kind: BTF_KIND.ARRAY,
          nameOff: 0,
          kflag: false,
          type: i + 1,
          indexType: 1,
          nelems: 1,
        });
      }
      recs.push({ kind: BTF_KIND.TYPEDEF, nameOff: n('deep'), kflag: false, type: depth + 1 });
      return recs;
    });
    expect(() => formatC(raw)).toThrow(/declaration nested more than/);
  });

  it('throws FormatError, not RangeError, for anonymous structs nested 5000 deep', () => {
    const depth = 5000;
    const raw = blob((n) => {
      const recs: BtfRecord[] = [INT(n('int'))];
      for (let i = 0; i < depth; i++) {
        recs.push({
          kind: BTF_KIND.STRUCT,
          nameOff: i === depth - 1 ? n('outer') : 0,
          kflag: false,
          size: 4,
          members: [{ nameOff: n('m'), type: i + 1, offset: 0 }],
        });
      }
      return recs;
    });
    const err = catchError(() => formatC(raw));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/declaration nested more than/);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const clang = 'clang-16';
const hasClang = spawnSync(clang, ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasClang)('the generated vmlinux.h compiles', () => {
  it(`with ${clang} -target bpf, used by a program that reads struct task_struct`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'btfkit-vmlinux-h-'));
    try {
      const raw = RawBtf.parse(read('vmlinux', 'vmlinux.btf.gz'));
      writeFileSync(join(dir, 'vmlinux.h'), formatCBytes(raw));
      writeFileSync(
        join(dir, 'prog.c'),
        [
          '#include "vmlinux.h"',
          '',
          '__attribute__((section("tracepoint/sched/sched_switch"), used))',
          'int on_switch(struct task_struct *task)',
          '{',
          '\treturn task->pid + (int)sizeof(struct task_struct);',
          '}',
          '',
          '__attribute__((section("license"), used)) char LICENSE[] = "GPL";',
          '',
        ].join('\n'),
      );
      execFileSync(clang, ['-target', 'bpf', '-O2', '-g', '-c', 'prog.c', '-o', 'prog.o'], {
        cwd: dir,
        stdio: 'pipe',
      });
      const obj = readFileSync(join(dir, 'prog.o'));
      // An ELF object with BTF in it.
      expect(obj.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
      expect(obj.includes(Buffer.from('.BTF'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
