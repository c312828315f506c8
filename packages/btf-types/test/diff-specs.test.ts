import {
  Builder,
  diffSpecs,
  Enum,
  INT_SIGNED,
  Int,
  isEmptyDiff,
  Pointer,
  Spec,
  Struct,
  type Type,
  VOID,
} from '@btfkit/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from './helpers.js';

let vmlinux: Uint8Array;
let old: Spec;

beforeAll(() => {
  vmlinux = readFixture('vmlinux', 'vmlinux.btf.gz');
  old = Spec.parse(vmlinux);
});

/** Re-encodes every type of `spec` but `drop`, plus `extra`, through a Builder. */
function rebuild(spec: Spec, drop: ReadonlySet<Type> = new Set(), extra: Type[] = []): Spec {
  const b = new Builder();
  for (const t of spec) if (!drop.has(t)) b.add(t);
  for (const t of extra) b.add(t);
  return Spec.parse(b.marshal());
}

describe('diffSpecs', () => {
  it('finds nothing between the vmlinux and a re-encoded copy of it', () => {
    const d = diffSpecs(old, rebuild(old.copy()));
    expect(d).toEqual({ added: [], removed: [], changed: [] });
    expect(isEmptyDiff(d)).toBe(true);
  });

  it('reports every edit made through the Builder, and nothing else', () => {
    const edited = old.copy();
    // A member added at the end (and the size grown), a member removed, one moved, one
    // retyped, an enumerator changed and one
    // added, a typedef retargeted, a function removed and a struct added.
    const cb = edited.typeByName('callback_head', 'struct');
    const int = edited.typeByName('int', 'int');
    cb.members.push({ name: 'btfkit_extra', type: int, bitOffset: cb.size * 8, bitfieldSize: 0 });
    cb.size += 8;
    const lh = edited.typeByName('list_head', 'struct');
    const prev = lh.members.find((m) => m.name === 'prev')!;
    lh.members = lh.members.filter((m) => m !== prev);
    const hl = edited.typeByName('hlist_node', 'struct');
    const pprev = hl.members.find((m) => m.name === 'pprev')!;
    pprev.bitOffset += 64;
    hl.size += 8;
    const ts = edited.typeByName('timespec64', 'struct');
    const nsec = ts.members.find((m) => m.name === 'tv_nsec')!;
    nsec.type = int;
    const en = edited.typeByName('pid_type', 'enum');
    en.values[0]!.value += 100n;
    en.values.push({ name: 'BTFKIT_PID_EXTRA', value: 999n });
    const u64 = edited.typeByName('u64', 'typedef');
    const s64 = edited.typeByName('s64', 'typedef');
    const u32 = edited.typeByName('u32', 'typedef');
    u32.type = s64.type;
    const fn = edited.typeByName('do_sys_open', 'func');
    const added = new Struct('btfkit_new', 16, [
      { name: 'a', type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: 'p', type: new Pointer(VOID), bitOffset: 64, bitfieldSize: 0 },
    ]);
    const spec = rebuild(edited, new Set([fn]), [added]);
    const d = diffSpecs(old, spec);

    expect(d.added.map((t) => `${t.kind} ${t.name}`)).toEqual(['struct btfkit_new']);
    expect(d.added[0]!.id).toBe(spec.typeID(spec.typeByName('btfkit_new', 'struct')));
    expect(d.removed.map((t) => `${t.kind} ${t.name}`)).toEqual(['func do_sys_open']);
    expect(d.removed[0]!.id).toBe(old.typeID(old.typeByName('do_sys_open', 'func')));

    const byName = new Map(d.changed.map((c) => [`${c.kind} ${c.name}`, c]));
    expect([...byName.keys()].sort()).toEqual([
      'enum pid_type',
      'struct callback_head',
      'struct hlist_node',
      'struct list_head',
      'struct timespec64',
      'typedef u32',
    ]);

    const cbc = byName.get('struct callback_head')!;
    expect(cbc.details).toEqual(['size 16 -> 24']);
    expect(cbc.members).toEqual([
      {
        name: 'btfkit_extra',
        changes: ['added'],
        old: undefined,
        new: { bitOffset: 128, bitfieldSize: 0, type: 'int' },
      },
    ]);

    const lhc = byName.get('struct list_head')!;
    expect(lhc.details).toEqual([]);
    expect(lhc.members).toEqual([
      {
        name: 'prev',
        changes: ['removed'],
        old: { bitOffset: 64, bitfieldSize: 0, type: '*struct list_head' },
        new: undefined,
      },
    ]);

    const hlc = byName.get('struct hlist_node')!;
    expect(hlc.details).toEqual(['size 16 -> 24']);
    expect(hlc.members).toEqual([
      {
        name: 'pprev',
        changes: ['moved'],
        old: { bitOffset: 64, bitfieldSize: 0, type: '**struct hlist_node' },
        new: { bitOffset: 128, bitfieldSize: 0, type: '**struct hlist_node' },
      },
    ]);

    const tsc = byName.get('struct timespec64')!;
    expect(tsc.members.map((m) => [m.name, m.changes, m.old?.type, m.new?.type])).toEqual([
      ['tv_nsec', ['retyped'], 'long int', 'int'],
    ]);

    const enc = byName.get('enum pid_type')!;
    expect(enc.members).toEqual([]);
    const first = old.typeByName('pid_type', 'enum').values[0]!;
    expect(enc.details).toEqual([
      `enumerator ${first.name} ${first.value} -> ${first.value + 100n}`,
      'enumerator BTFKIT_PID_EXTRA added (999)',
    ]);
    expect(byName.get('typedef u32')!.details).toEqual([
      `type ${old.typeByName('u32', 'typedef').type.name} -> ${s64.type.name}`,
    ]);
  });

  it('compares the members of anonymous structs and unions inside the named one', () => {
    const a = new Builder();
    const b = new Builder();
    const int = new Int('int', 4, INT_SIGNED);
    const make = (at: number, width: number) =>
      new Struct('outer', 8, [
        { name: 'x', type: int, bitOffset: 0, bitfieldSize: 0 },
        {
          name: '',
          type: new Struct('', 4, [
            { name: 'flag', type: int, bitOffset: at, bitfieldSize: width },
          ]),
          bitOffset: 32,
          bitfieldSize: 0,
        },
      ]);
    a.add(make(0, 3));
    b.add(make(4, 5));
    const d = diffSpecs(Spec.parse(a.marshal()), Spec.parse(b.marshal()));
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]!.members).toEqual([
      {
        name: 'flag',
        changes: ['moved', 'retyped'],
        old: { bitOffset: 32, bitfieldSize: 3, type: 'int' },
        new: { bitOffset: 36, bitfieldSize: 5, type: 'int' },
      },
    ]);
  });

  it('pairs identical duplicates first and limits the comparison to the names asked for', () => {
    const int = new Int('int', 4, INT_SIGNED);
    const e = (v: bigint) => new Enum('dup', 4, [{ name: 'A', value: v }]);
    const a = new Builder();
    a.addAll([e(1n), e(2n), int]);
    const b = new Builder();
    b.addAll([e(2n), e(3n), new Int('int', 8, INT_SIGNED)]);
    const sa = Spec.parse(a.marshal());
    const sb = Spec.parse(b.marshal());
    const d = diffSpecs(sa, sb);
    expect(d.changed.map((c) => [c.name, c.oldId, c.newId, c.details])).toEqual([
      ['dup', 1, 2, ['enumerator A 1 -> 3']],
      ['int', 3, 3, ['size 4 -> 8', 'bits 32 -> 64']],
    ]);
    const only = diffSpecs(sa, sb, { names: ['int'] });
    expect(only.changed.map((c) => c.name)).toEqual(['int']);
  });
});
