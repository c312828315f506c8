import {
  ArrayType,
  Const,
  FuncProto,
  INT_CHAR,
  INT_SIGNED,
  Int,
  Pointer,
  Struct,
  Typedef,
  VOID,
} from 'btfkit';
import { describe, expect, it } from 'vitest';
import { typeDetail } from '../src/model/detail.js';
import { spellType } from '../src/model/spell.js';
import { readText, vmlinuxSpec } from './helpers.js';

describe('spelling types', () => {
  it('spells pointers, arrays, qualifiers and prototypes as C does', () => {
    const char = new Int('char', 1, INT_SIGNED | INT_CHAR);
    const int = new Int('int', 4, INT_SIGNED);
    const s = new Struct('list_head', 16, []);
    expect(spellType(new Pointer(new Const(char)))).toBe('const char *');
    expect(spellType(new Const(new Pointer(char)))).toBe('char *const');
    expect(spellType(new ArrayType(char, int, 16))).toBe('char [16]');
    expect(spellType(new Pointer(new ArrayType(int, int, 4)))).toBe('int (*)[4]');
    expect(spellType(new ArrayType(new Pointer(s), int, 2))).toBe('struct list_head *[2]');
    expect(spellType(new Pointer(new FuncProto(int, [{ name: 'a', type: int }])))).toBe(
      'int (*)(...)',
    );
    expect(spellType(new Pointer(new FuncProto(VOID, [])))).toBe('void (*)(void)');
    expect(spellType(new Typedef('u32', int))).toBe('u32');
    expect(spellType(new Struct('', 8, []))).toBe('struct {...}');
  });

  it("declares a function with the parameter names and types of bpftool's raw dump", () => {
    const spec = vmlinuxSpec();
    const id = spec.typeID(spec.typeByName('do_sys_open', 'func'));
    const d = typeDetail(spec, id);
    // From the raw dump: the prototype's return type and each parameter's name and type.
    const raw = readText('vmlinux', 'vmlinux.raw.golden.gz');
    const line = new RegExp(`^\\[${id}\\] FUNC 'do_sys_open' type_id=(\\d+)`, 'm').exec(raw)!;
    const lines = raw.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`[${line[1]}] FUNC_PROTO`));
    const ret = /ret_type_id=(\d+)/.exec(lines[at]!)![1];
    const retName = /^\[\d+\] \w+ '([^']*)'/.exec(
      lines.find((l) => l.startsWith(`[${ret}] `))!,
    )![1];
    const params = [];
    for (let i = at + 1; lines[i]!.startsWith('\t'); i++)
      params.push(/^\t'([^']*)'/.exec(lines[i]!)![1]);
    expect(d.c).toBeUndefined();
    expect(d.decl).toMatch(
      new RegExp(`^${retName} do_sys_open\\(${params.map((p) => `[^,]+[ *]${p}`).join(', ')}\\);$`),
    );
    expect(d.decl).toContain('const char *filename');
  });
});
