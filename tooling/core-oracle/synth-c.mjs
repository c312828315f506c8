// Writes testdata/core/targets/synth-c.btf: a CO-RE target no C compiler emits, built with
// btfkit's Builder (the built @btfkit/types; `pnpm build` first). Its corners:
// - `struct corner` holds, inside an anonymous struct, a member `b` of another type before
//   the real `b`: libbpf's member search returns "no match" from the anonymous struct without
//   undoing that member's bit offset, so the real `b`'s offset comes out shifted, and btfkit
//   must shift it the same way;
// - names that look flavored but are not by libbpf's rule (`corner____x`, `corner___`), a
//   union named like the struct: none is a candidate;
// - two identical `struct amb` (candidates that agree), `enum corner_state` twice (ENUM64
//   and a flavored ENUM that agree), `enum corner_big` as a signed 32-bit ENUM;
// - `task_struct.pid` an int with a nonzero bit offset (not a compatible field).
//
// usage: node synth-c.mjs OUT
import { writeFileSync } from 'node:fs';

const types = await import(new URL('../../packages/btf-types/dist/index.js', import.meta.url).href);
const { ArrayType, Builder, Enum, Int, Pointer, Struct, Union, Typedef } = types;

const m = (name, type, bitOffset, bitfieldSize = 0) => ({ name, type, bitOffset, bitfieldSize });
const char = new Int('char', 1, 1 | 2);
const int = new Int('int', 4, 1);
const uint = new Int('unsigned int', 4);
const u16 = new Int('unsigned short', 2);
const s64 = new Int('long long', 8, 1);
const u64 = new Int('unsigned long long', 8);
const idx = uint;

const xb = new Struct('xb', 4, [m('z', int, 0)]);
const inner = new Struct('', 12, [m('q', int, 0), m('b', xb, 32), m('a', char, 64)]);
const cunion = new Union('', 8, [m('d', int, 0), m('e', s64, 0)]);
const cstruct = new Struct('', 16, [m('c', u16, 0), m('', cunion, 64)]);
const pt = new Struct('', 8, [m('x', int, 0), m('y', int, 32)]);
const corner = new Struct('corner', 160, [
  m('', inner, 64),
  m('b', int, 256),
  m('', cstruct, 320),
  m('bf1', uint, 448, 3),
  m('bf2', int, 451, 7),
  m('bf3', u64, 458, 40),
  m('bf4', s64, 498, 20),
  m('arr', new ArrayType(new ArrayType(u16, idx, 3), idx, 4), 576),
  m('pts', new ArrayType(pt, idx, 5), 768),
  m('flex_len', int, 1088),
  m('flex', new ArrayType(int, idx, 0), 1120),
]);
const notCandidates = [
  new Struct('corner____x', 8, [m('b', int, 0)]),
  new Struct('corner___', 8, [m('b', int, 32)]),
  new Union('corner', 8, [m('b', int, 0)]),
];
const amb1 = new Struct('amb', 8, [m('a', int, 0), m('x', int, 32)]);
const amb2 = new Struct('amb', 8, [m('a', int, 0), m('x', int, 32)]);
const states = [
  new Enum(
    'corner_state',
    8,
    [
      { name: 'CS_IDLE', value: 0n },
      { name: 'CS_BUSY', value: 7n },
    ],
    false,
    true,
  ),
  new Enum('corner_state___v', 4, [{ name: 'CS_BUSY', value: 7n }], false, false),
  new Enum(
    'corner_big',
    4,
    [
      { name: 'CB_SMALL', value: 1n },
      { name: 'CB_HUGE', value: -2n },
    ],
    true,
    false,
  ),
];
const task = new Struct('task_struct', 16, [
  m('pid', new Int('int', 4, 1, 24, 8), 0),
  m('tgid', int, 32),
  m('mm', new Pointer(new Struct('mm_struct', 8, [m('total_vm', u64, 0)])), 64),
]);
const mmT = new Typedef('mm_t', new Typedef('mm_alias', new Struct('mm_struct', 16, [])));

const b = new Builder();
b.addAll([corner, ...notCandidates, amb1, amb2, ...states, task, mmT]);
writeFileSync(process.argv[2], b.marshal());
