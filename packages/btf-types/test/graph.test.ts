import {
  ArrayType,
  alignof,
  BtfError,
  Builder,
  Const,
  Datasec,
  DeclTag,
  Enum,
  Float,
  Func,
  FuncProto,
  Fwd,
  formatType,
  INT_SIGNED,
  Int,
  MAX_RESOLVE_DEPTH,
  NotFoundError,
  Pointer,
  qualifiedType,
  Spec,
  Struct,
  sizeof,
  type Type,
  Typedef,
  TypeTag,
  Union,
  underlyingType,
  Var,
  VOID,
  Volatile,
} from '@btfkit/types';
import { BTF_KIND, EncodeError, FormatError, RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { parseRawGolden, readFixture, readText } from './helpers.js';

describe('deep and cyclic graphs', () => {
  it('a 1,000,000-long typedef chain encodes, decodes and walks without recursion', () => {
    const n = 1_000_000;
    const int = new Int('int', 4, INT_SIGNED);
    let top: Type = int;
    for (let i = 0; i < n; i++) top = new Typedef(`t${i}`, top);
    const b = new Builder();
    const topID = b.add(top);
    expect(b.types.length).toBe(n + 1);
    const spec = Spec.parse(b.marshal());
    const decoded = spec.typeByID(topID);
    let t: Type = decoded;
    let steps = 0;
    while (t.kind === 'typedef') {
      t = t.type;
      steps++;
    }
    expect(steps).toBe(n);
    expect(t.kind).toBe('int');
    expect(spec.typeID(t)).toBe(b.typeID(int));
    expect(() => underlyingType(decoded)).toThrow(/more than 32/);
    expect(() => sizeof(decoded)).toThrow(BtfError);
  });

  it('a self-referencing struct (struct A { struct A *next; }) round-trips', () => {
    const a = new Struct('A', 8, []);
    a.members.push({ name: 'next', type: new Pointer(a), bitOffset: 0, bitfieldSize: 0 });
    const b = new Builder();
    b.add(a);
    const bytes = b.marshal({ byteOrder: 'little' });
    const dump = rawDump(RawBtf.parse(bytes));
    expect(dump).toBe(
      "[1] STRUCT 'A' size=8 vlen=1\n\t'next' type_id=2 bits_offset=0\n[2] PTR '(anon)' type_id=1\n",
    );
    const spec = Spec.parse(bytes);
    const a2 = spec.typeByName('A', 'struct');
    const p = a2.members[0]!.type;
    expect(p.kind === 'pointer' && p.target === a2).toBe(true);
    expect(sizeof(a2)).toBe(8);
    expect(alignof(a2)).toBe(8);
  });

  it('cycles through typedefs and qualifiers are errors, not loops', () => {
    const td = new Typedef('loop', VOID);
    const c = new Const(td);
    td.type = c;
    expect(() => underlyingType(td)).toThrow(BtfError);
    expect(() => qualifiedType(new Volatile(new Const(c))).kind).not.toThrow();
    const q1 = new Const(VOID);
    const q2 = new Volatile(q1);
    q1.type = q2;
    expect(() => qualifiedType(q1)).toThrow(/more than 32/);
    expect(() => sizeof(td)).toThrow(BtfError);
    expect(() => alignof(td)).toThrow(BtfError);
    // And it still encodes and decodes: a cycle is a valid graph.
    const b = new Builder();
    b.add(td);
    const spec = Spec.parse(b.marshal());
    const td2 = spec.typeByName('loop', 'typedef');
    expect(td2.type.kind === 'const' && td2.type.type === td2).toBe(true);
  });
});

describe('hand-built types', () => {
  it('every kind marshals and re-parses to the same values', () => {
    const int = new Int('int', 4, INT_SIGNED);
    const u8 = new Int('unsigned char', 1);
    const s = new Struct('s', 8, [
      { name: 'a', type: int, bitOffset: 0, bitfieldSize: 3 },
      { name: 'b', type: u8, bitOffset: 32, bitfieldSize: 0 },
    ]);
    const proto = new FuncProto(int, [{ name: 'x', type: new Pointer(s) }], true);
    const fn = new Func('f', proto, 'global');
    const v = new Var('counter', new Volatile(int), 'global');
    const types: Type[] = [
      s,
      new Union('u', 4, [{ name: 'i', type: int, bitOffset: 0, bitfieldSize: 0 }]),
      new Enum(
        'e',
        4,
        [
          { name: 'A', value: -1n },
          { name: 'B', value: 2n },
        ],
        true,
      ),
      new Enum('e64', 8, [{ name: 'BIG', value: 1n << 40n }]),
      new Fwd('later', 'union'),
      new ArrayType(new Const(int), u8, 16),
      fn,
      new Datasec('.data', 4, [{ type: v, offset: 0, size: 4 }]),
      new Float('double', 8),
      new DeclTag('tag', fn, 0),
      new TypeTag('user', int),
    ];
    const b = new Builder();
    b.addAll(types);
    for (const order of ['little', 'big'] as const) {
      const spec = Spec.parse(b.marshal({ byteOrder: order }));
      expect(spec.byteOrder).toBe(order);
      const s2 = spec.typeByID(b.typeID(s));
      expect(s2).toMatchObject({ kind: 'struct', name: 's', size: 8 });
      if (s2.kind !== 'struct') throw new Error('unreachable');
      expect(s2.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize, m.type.name])).toEqual([
        ['a', 0, 3, 'int'],
        ['b', 32, 0, 'unsigned char'],
      ]);
      const e = spec.typeByName('e', 'enum');
      expect([e.signed, e.enum64, e.values]).toEqual([
        true,
        false,
        [
          { name: 'A', value: -1n },
          { name: 'B', value: 2n },
        ],
      ]);
      const e64 = spec.typeByName('e64', 'enum');
      expect([e64.enum64, e64.values[0]!.value]).toEqual([true, 1n << 40n]);
      const f = spec.typeByName('f', 'func');
      expect([f.linkage, f.type.variadic, f.type.params.length, f.type.params[0]!.name]).toEqual([
        'global',
        true,
        1,
        'x',
      ]);
      expect(spec.declTags(f).map((t) => [t.name, t.componentIdx])).toEqual([['tag', 0]]);
      expect(spec.typeByName('later', 'fwd').fwdKind).toBe('union');
      expect(spec.typeByName('.data', 'datasec').vars[0]!.type.name).toBe('counter');
      expect(spec.typeByName('user', 'type_tag').type.name).toBe('int');
      expect(spec.typeByName('double', 'float').size).toBe(8);
      // Strings are deduplicated: 'int' is stored once.
      const raw = spec.raw;
      expect([...raw.strings.entries()].filter(([, x]) => x === 'int')).toHaveLength(1);
    }
    expect(sizeof(types[5]!)).toBe(64);
    expect(alignof(s)).toBe(4);
    expect(formatType(s)).toBe("struct 's' size=8 vlen=2");
  });

  it('stable IDs: adding again returns the same ID; void is 0', () => {
    const int = new Int('int', 4);
    const b = new Builder();
    expect(b.add(VOID)).toBe(0);
    const p = new Pointer(int);
    const id = b.add(p);
    expect(b.add(p)).toBe(id);
    expect(b.add(int)).toBe(b.typeID(int));
    expect(() => b.typeID(new Int('other', 4))).toThrow(NotFoundError);
  });

  it('a Builder over a base Spec encodes split BTF referencing base IDs', () => {
    const base = Spec.parse(readFixture('pahole', 'base.btf'));
    const int = base.typeByName('int', 'int');
    const b = new Builder({ base });
    const id = b.add(new Pointer(int));
    expect(id).toBe(base.nextTypeID);
    const split = Spec.parse(b.marshal(), { base });
    const p = split.typeByID(id);
    expect(p.kind === 'pointer' && p.target === int).toBe(true);
    // Names already in the base's table are not repeated.
    expect(split.raw.strings.bytes.byteLength).toBe(0);
  });

  it('ENUM values outside 32 bits need enum64', () => {
    const e = new Enum('e', 4, [{ name: 'X', value: 1n << 33n }], false, false);
    const b = new Builder();
    b.add(e);
    expect(() => b.marshal()).toThrow(/type id 1: enumerator 'X'/);
    // The same value in an ENUM64 encodes, and decodes back as it was.
    const ok = new Builder();
    ok.add(new Enum('e', 8, [{ name: 'X', value: 1n << 33n }], false, true));
    const back = Spec.parse(ok.marshal()).typeByName('e', 'enum');
    expect([back.enum64, back.values[0]!.value]).toEqual([true, 1n << 33n]);
  });
});

describe('helpers', () => {
  // testdata/resolve: chains of 30 to 33 typedefs, qualifiers and type tags, arrays in
  // chains, sizes around 4 GiB, types without a size; built and resolved by libbpf 1.1 itself
  // (tooling/testdata/libbpf-resolve.c). Its limit: the start and 31 links resolve, 32 do not.
  it('sizeof and underlyingType resolve as far as libbpf 1.1 does, and fail where it fails', () => {
    expect(MAX_RESOLVE_DEPTH).toBe(32);
    const spec = Spec.parse(readFixture('resolve', 'resolve.btf'));
    const rows = readText('resolve', 'resolve.libbpf.golden')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(' ').map(Number) as [number, number, number]);
    expect(rows.length).toBe(spec.nextTypeID - 1);
    const outcome = { size: { ok: 0, err: 0 }, resolve: 0, refused: 0 };
    for (const [id, size, resolved] of rows) {
      const type = spec.typeByID(id);
      const where = `type id ${id} (${type.kind})`;
      if (size >= 0) {
        expect(sizeof(type), where).toBe(size);
        outcome.size.ok++;
      } else {
        expect(() => sizeof(type), where).toThrow(BtfError);
        outcome.size.err++;
      }
      // btf__resolve_type also steps over variables and refuses void; underlyingType does
      // neither, so only chains of typedefs and qualifiers are compared.
      if (!['typedef', 'const', 'volatile', 'restrict', 'type_tag'].includes(type.kind)) continue;
      if (resolved > 0) {
        expect(spec.typeID(underlyingType(type)), where).toBe(resolved);
        outcome.resolve++;
      } else {
        // libbpf refuses a chain past its limit, and one that ends in void or a forward
        // declaration (libbpf 1.1, observed here); underlyingType refuses the first and
        // returns the end of the second.
        let end: Type | undefined;
        try {
          end = underlyingType(type);
        } catch (err) {
          expect(err, where).toBeInstanceOf(BtfError);
          outcome.refused++;
        }
        if (end) expect(['void', 'fwd'], where).toContain(end.kind);
      }
    }
    // Both sides of every limit were reached.
    expect(outcome.size.ok).toBeGreaterThan(100);
    expect(outcome.size.err).toBeGreaterThan(20);
    expect(outcome.resolve).toBeGreaterThan(100);
    expect(outcome.refused).toBeGreaterThan(5);
  });

  it('anyTypesByEssentialName finds a name and its ___flavors, nothing else', () => {
    const b = new Builder();
    for (const name of ['foo___v1', 'foobar', 'foo', 'bar___foo', 'foo___v1___x']) {
      b.add(new Struct(name, 0, []));
    }
    const spec = Spec.parse(b.marshal());
    const names = (q: string) => spec.anyTypesByEssentialName(q).map((t) => t.name);
    // Twice: the first lookup of a Spec scans, later ones use the index.
    for (let i = 0; i < 2; i++) {
      expect(names('foo')).toEqual(['foo___v1', 'foo']);
      expect(names('foo___v1')).toEqual(['foo___v1', 'foo___v1___x']);
      expect(names('bar')).toEqual(['bar___foo']);
      expect(() => spec.anyTypesByEssentialName('fo')).toThrow(NotFoundError);
    }
  });

  it('sizeof equals the variable sizes libbpf filled into DATASECs', () => {
    let checked = 0;
    for (const f of [
      'basic-el.libbpf.btf',
      'programs-el.libbpf.btf',
      'enums-el.libbpf.btf',
      'layout-el.libbpf.btf',
    ]) {
      const spec = Spec.parse(readFixture('objects', f));
      for (const t of spec) {
        if (t.kind !== 'datasec') continue;
        for (const v of t.vars) {
          if (v.type.kind !== 'var' || v.size === 0) continue;
          expect([v.type.name, sizeof(v.type)]).toEqual([v.type.name, v.size]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('alignof says 1 for the structs bpftool prints as packed', () => {
    const spec = Spec.parse(readFixture('objects', 'layout-el.btf'));
    const c = readText('objects', 'layout-el.c.golden');
    const packed = [...c.matchAll(/struct (\w+) \{[^}]*\} __attribute__\(\(packed\)\);/g)].map(
      (m) => m[1]!,
    );
    expect(packed.length).toBeGreaterThan(0);
    for (const name of packed)
      expect([name, alignof(spec.typeByName(name, 'struct'))]).toEqual([name, 1]);
  });

  it('struct sizes of vmlinux agree with sizeof of their members', () => {
    const spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const golden = parseRawGolden(readText('vmlinux', 'vmlinux.raw.golden.gz'));
    let checked = 0;
    const bad: string[] = [];
    for (const g of golden) {
      if (g.kind !== 'STRUCT') continue;
      const t = spec.typeByID(g.id);
      if (t.kind !== 'struct' || t.members.length === 0) continue;
      const last = t.members[t.members.length - 1]!;
      if (last.bitfieldSize !== 0 || last.type.kind === 'array') continue;
      // The last member ends inside the struct, and the struct's size is a multiple of its alignment.
      const end = last.bitOffset / 8 + sizeof(last.type);
      if (end > t.size || t.size % alignof(t) !== 0) bad.push(t.name);
      checked++;
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });
});

/** A little-endian blob of what `build` adds to a Builder. */
function blob(build: (b: Builder) => void): Uint8Array {
  const b = new Builder();
  build(b);
  return b.marshal({ byteOrder: 'little' });
}

describe('bad input', () => {
  it('a reference past the last type is a FormatError naming the type ID', () => {
    const bytes = blob((b) => b.add(new Pointer(new Int('int', 4))));
    // Point the PTR (type 1) at type 99.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + 8, 99, true);
    const spec = Spec.parse(bytes);
    expect(() => spec.typeByID(1)).toThrow(FormatError);
    expect(() => spec.typeByID(1)).toThrow('btf: type id 1: pointee type id 99 out of range');
    // The failure leaves nothing half-built behind: the INT still decodes.
    expect(spec.typeByID(2).kind).toBe('int');
  });

  it('a FUNC whose type is not a FUNC_PROTO is a FormatError naming the type ID', () => {
    const bytes = blob((b) => b.add(new Func('f', new FuncProto(VOID, []))));
    // Make the FUNC_PROTO (type 2) an INT-less PTR: rewrite its kind.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(24 + 12 + 4, BTF_KIND.PTR << 24, true);
    const spec = Spec.parse(bytes);
    expect(() => spec.typeByID(1)).toThrow(/type id 1: FUNC type id 2 is not a FUNC_PROTO/);
  });

  it('a name offset past the string table is a FormatError naming the type ID', () => {
    const bytes = blob((b) => b.add(new Int('int', 4)));
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24, 9999, true);
    expect(() => Spec.parse(bytes).typeByID(1)).toThrow(/type id 1: name offset 9999/);
  });

  it('unknown IDs and foreign types are NotFoundErrors', () => {
    const spec = Spec.parse(blob((b) => b.add(new Int('int', 4))));
    expect(() => spec.typeByID(2)).toThrow(NotFoundError);
    expect(() => spec.typeByID(-1)).toThrow('btf: type id -1: not found');
    expect(() => spec.typeID(new Int('int', 4))).toThrow(NotFoundError);
    expect(spec.typeID(VOID)).toBe(0);
  });
});

describe('lazy children', () => {
  it('children decode on first read, with the IDs bpftool prints', () => {
    const spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const golden = parseRawGolden(readText('vmlinux', 'vmlinux.raw.golden.gz'));
    const task = spec.typeByName('task_struct', 'struct');
    const line = golden.find((g) => g.id === spec.typeID(task))!;
    expect(line.members).toHaveLength(task.members.length);
    task.members.forEach((m, i) => {
      // bpftool: `'name' type_id=N bits_offset=M`
      expect(line.members[i]).toContain(`'${m.name}' type_id=${spec.typeID(m.type)} `);
    });
    // The same object on every read and through typeByID.
    const first = task.members[0]!.type;
    expect(spec.typeByID(spec.typeID(first))).toBe(first);
    expect(task.members).toBe(task.members);
  });

  it('a malformed child fails where it is read, naming the child, not the parent', () => {
    const bytes = blob((b) =>
      b.add(
        new Struct('s', 4, [
          { name: 'a', type: new Typedef('t', new Int('int', 4)), bitOffset: 0, bitfieldSize: 0 },
        ]),
      ),
    );
    // Type 2 is the typedef: give it a name offset past the string table.
    const raw = RawBtf.parse(bytes);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + raw.offsets[1]!, 9999, true);
    const spec = Spec.parse(bytes);
    const s = spec.typeByID(1) as Struct;
    expect(s.name).toBe('s');
    expect(() => s.members).toThrow(/^btf: type id 2: name offset 9999/);
    // Still failing the same way on the next read; the record is not half-cached.
    expect(() => s.members).toThrow(FormatError);
    expect(() => spec.typeByID(2)).toThrow(/^btf: type id 2: name offset 9999/);
  });

  it('a type built by hand after decoding, even after a decode that failed, is no Spec type', () => {
    const bytes = blob((b) => b.add(new Pointer(new Int('int', 4))));
    const spec = Spec.parse(bytes);
    spec.typeByID(2);
    const a = new Int('int', 4);
    expect(spec.typeIDOrUndefined(a)).toBeUndefined();
    // Point the PTR (type 1) past the end: decoding it throws before its object is made.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + 8, 99, true);
    const broken = Spec.parse(bytes);
    expect(() => broken.typeByID(1)).toThrow(FormatError);
    const b = new Pointer(a);
    expect(broken.typeIDOrUndefined(b)).toBeUndefined();
    expect(spec.typeIDOrUndefined(b)).toBeUndefined();
    expect(() => new Builder().add(b)).not.toThrow();
  });

  it('a child set before the others were read is kept when they are decoded', () => {
    const int = new Int('int', 4);
    const spec = Spec.parse(blob((b) => b.add(new ArrayType(int, int, 3))));
    const arr = spec.typeByID(1) as ArrayType;
    const other = new Int('long', 8, INT_SIGNED);
    arr.type = other;
    expect(arr.index.kind).toBe('int');
    expect(arr.type).toBe(other);
  });

  it('a copy made while children are unread encodes the same bytes', () => {
    const bytes = readFixture('vmlinux', 'vmlinux.btf.gz');
    const spec = Spec.parse(bytes);
    spec.typeByName('task_struct', 'struct');
    const copy = spec.copy();
    expect(copy.typeByName('task_struct', 'struct')).not.toBe(
      spec.typeByName('task_struct', 'struct'),
    );
    expect(byteDiff(copy.marshal(), bytes)).toBeUndefined();
  });
});

describe('typeByNameOrUndefined', () => {
  it('finds what typeByName finds and returns undefined where it throws', () => {
    const spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const task = spec.typeByNameOrUndefined('task_struct', 'struct');
    expect(task).toBe(spec.typeByName('task_struct', 'struct'));
    expect(task?.name).toBe('task_struct');
    // Right name, wrong kind: a miss both ways.
    expect(spec.typeByNameOrUndefined('task_struct', 'union')).toBeUndefined();
    expect(() => spec.typeByName('task_struct', 'union')).toThrow(NotFoundError);
    expect(spec.typeByNameOrUndefined('btfkit_no_such_type', 'struct')).toBeUndefined();
  });

  it('still throws when several types match', () => {
    const b = new Builder();
    b.add(new Int('x', 4));
    b.add(new Int('x', 8));
    const spec = Spec.parse(b.marshal());
    expect(() => spec.typeByNameOrUndefined('x', 'int')).toThrow(/2 matches \(ids 1, 2\)/);
  });
});

describe('Spec.marshal of edited names', () => {
  it('refuses a name with a NUL even where the original bytes spell it', () => {
    // Two names side by side in the string section: 'ab' then 'cd'.
    const b = new Builder();
    b.add(new Int('ab', 4));
    b.add(new Int('cd', 8));
    const spec = Spec.parse(b.marshal());
    const first = spec.typeByID(1) as Int;
    // 'ab\0cd' is exactly the bytes at the first name's offset.
    first.name = 'ab\0cd';
    expect(() => spec.marshal()).toThrow(EncodeError);
    expect(() => spec.marshal()).toThrow(/contains NUL/);
  });
});
