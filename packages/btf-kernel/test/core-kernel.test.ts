import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimalBtf, relocateObject } from '@btfkit/co-re';
import { loadSpecFromBytes } from '@btfkit/elf';
import { Handle, loadKernelSpec } from '@btfkit/kernel';
import { type Member, Spec, sizeof, type Type } from '@btfkit/types';
import { BPF_CORE_RELO_KIND, RawBtf } from '@btfkit/wire';
import { describe, expect } from 'vitest';
import { kernelIt, TESTDATA } from './kernel.js';
import { loadObjectProgram, PROG_TYPE } from './prog-loader.js';

const PROBE = join(TESTDATA, 'core-kernel', 'probe-el.o');

/**
 * `PACKET_*` (include/uapi/linux/if_packet.h) by destination MAC, as eth_type_trans sets it
 * for the loopback device BPF_PROG_TEST_RUN builds the skb on: lo's address is all zeros and
 * it has no broadcast address, so ff:ff:ff:ff:ff:ff is just a multicast address there.
 */
const PKT_TYPES: readonly [string, readonly number[], number][] = [
  ['host (lo has MAC 0)', [0, 0, 0, 0, 0, 0], 0],
  ['all ones (multicast on lo)', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2],
  ['multicast', [0x01, 0x00, 0x5e, 0, 0, 1], 2],
  ['other host', [0x02, 0, 0, 0, 0, 1], 3],
];

/** An IPv4 Ethernet frame to `dest` whose first byte past the Ethernet header is `sel`. */
function packet(sel: number, dest: readonly number[] = [0x02, 0, 0, 0, 0, 1]): Uint8Array {
  const p = new Uint8Array(64);
  p.set(dest, 0);
  p.set([0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 6);
  p[14] = sel;
  return p;
}

interface Found {
  readonly bitOffset: number;
  readonly bitfieldSize: number;
  readonly type: Type;
}

/**
 * The member called `name` of a struct, looked for through anonymous members (as a C compiler
 * resolves `s.name`), with its bit offset from the start of `s`. Our Spec, not the relocation
 * engine, answers: this is the test's view of what the kernel's BTF says.
 */
function member(s: Type, name: string): Found {
  const stack: { members: readonly Member[]; base: number }[] = [];
  const push = (t: Type, base: number) => {
    let u = t;
    while (u.kind === 'typedef' || u.kind === 'const' || u.kind === 'volatile') u = u.type;
    if (u.kind !== 'struct' && u.kind !== 'union') throw new Error(`${name}: not in a struct`);
    stack.push({ members: u.members, base });
  };
  push(s, 0);
  while (stack.length > 0) {
    const { members, base } = stack.pop()!;
    for (const m of members) {
      if (m.name === name) {
        return { bitOffset: base + m.bitOffset, bitfieldSize: m.bitfieldSize, type: m.type };
      }
      if (m.name === '') push(m.type, base + m.bitOffset);
    }
  }
  throw new Error(`${s.name}: no member ${name}`);
}

function isSigned(t: Type): number {
  let u = t;
  while (u.kind === 'typedef' || u.kind === 'const' || u.kind === 'volatile') u = u.type;
  if (u.kind === 'int') return u.signed ? 1 : 0;
  if (u.kind === 'enum') return u.signed ? 1 : 0;
  return 0;
}

function intName(t: Type): string {
  let u = t;
  while (u.kind === 'typedef' || u.kind === 'const' || u.kind === 'volatile') u = u.type;
  return u.name;
}

function named(spec: Spec, kind: Type['kind'], name: string): Type {
  const t = spec.anyTypesByName(name).find((x) => x.kind === kind);
  if (!t) throw new Error(`${kind} ${name}: not in the spec`);
  return t;
}

function enumValue(spec: Spec, name: string, value: string): bigint {
  const e = named(spec, 'enum', name);
  if (e.kind !== 'enum') throw new Error('unreachable');
  const v = e.values.find((x) => x.name === value);
  if (!v) throw new Error(`${name}: no ${value}`);
  return v.value;
}

/**
 * libbpf's byte offset, size and shifts of a bitfield (`bpf_core_calc_field_relo`): the
 * smallest naturally aligned load, starting from the member type's size, that holds it.
 */
function bitfieldLoad(f: Found): { offset: number; size: number; lshift: number; rshift: number } {
  let size = sizeof(f.type);
  let offset = Math.floor(f.bitOffset / 8 / size) * size;
  while (f.bitOffset + f.bitfieldSize - offset * 8 > size * 8) {
    size *= 2;
    offset = Math.floor(f.bitOffset / 8 / size) * size;
  }
  return {
    offset,
    size,
    lshift: 64 - (f.bitOffset + f.bitfieldSize - offset * 8),
    rshift: 64 - f.bitfieldSize,
  };
}

/** What each selector of probe.c must return on this kernel, from its BTF. */
function expectations(kernel: Spec, local: Spec): Map<number, bigint | number> {
  const skb = named(kernel, 'struct', 'sk_buff');
  const task = named(kernel, 'struct', 'task_struct');
  const len = member(skb, 'len');
  const pkt = member(skb, 'pkt_type');
  const load = bitfieldLoad(pkt);
  const pid = member(task, 'pid');
  const se = member(task, 'se');
  const vruntime = member(se.type, 'vruntime');
  const user = enumValue(kernel, 'perf_callchain_context', 'PERF_CONTEXT_USER');
  const guestKernel = enumValue(kernel, 'perf_callchain_context', 'PERF_CONTEXT_GUEST_KERNEL');
  return new Map<number, bigint | number>([
    [0, len.bitOffset / 8],
    [1, sizeof(len.type)],
    [2, 1],
    [3, isSigned(len.type)],
    [4, member(skb, 'protocol').bitOffset / 8],
    [5, member(skb, 'cb').bitOffset / 8 + 5],
    [6, sizeof(member(skb, 'cb').type)],
    [8, load.offset],
    [9, load.size],
    [10, load.lshift],
    [11, load.rshift],
    [12, isSigned(pkt.type)],
    [13, len.bitOffset / 8],
    [14, 0],
    [15, pid.bitOffset / 8],
    [16, member(task, 'tgid').bitOffset / 8],
    [17, isSigned(pid.type)],
    [18, (se.bitOffset + vruntime.bitOffset) / 8],
    [19, sizeof(vruntime.type)],
    [20, 0],
    [21, process.pid],
    [22, kernel.typeID(skb)],
    [23, local.typeID(named(local, 'struct', 'sk_buff'))],
    [24, 1],
    [25, 0],
    [26, sizeof(skb)],
    [27, sizeof(task)],
    // list_head: two pointers to a struct list_head, as the kernel's.
    [28, 1],
    [29, enumValue(kernel, 'pid_type', 'PIDTYPE_MAX')],
    [30, enumValue(kernel, 'pid_type', 'PIDTYPE_SID')],
    [31, 1],
    [32, 0],
    [33, user & 0xffffffffn],
    [34, (user >> 32n) & 0xffffffffn],
    [35, (guestKernel >> 32n) & 0xffffffffn],
    [36, kernel.typeID(task)],
    // sched_entity___narrow's vruntime is 32 bits.
    [37, 0],
    // Matching compares the names of integers once typedefs are skipped: clang names the
    // local one 'unsigned long long', so it matches only if the kernel's compiler did too
    // (gcc says 'long long unsigned int').
    [38, intName(vruntime.type) === 'unsigned long long' ? 1 : 0],
    [39, sizeof(named(kernel, 'typedef', 'rcu_callback_t'))],
    [40, member(named(kernel, 'struct', 'callback_head'), 'func').bitOffset / 8],
    // The poisoned offset relocation sits behind the existence check, which the verifier
    // knows is 0 once relocated: the poisoned instruction is dead code.
    [41, 7],
  ]);
}

const u32 = (v: bigint | number) => Number(BigInt(v) & 0xffffffffn);

describe('CO-RE relocated by btfkit, run by the kernel', () => {
  const object = new Uint8Array(readFileSync(PROBE));

  /**
   * Relocates probe.c against `target`, loads it with its func and line info, and checks every
   * selector but those in `skip` against the running kernel's BTF.
   */
  function runAgainst(target: Spec, kernel: Spec, skip: ReadonlySet<number> = new Set()) {
    const relocated = relocateObject(object, target);
    const failed = relocated.relocations.filter((r) => !r.result.ok);
    expect(failed.map((r) => (r.result.ok ? '' : r.result.error.message))).toEqual([]);
    // Only the field offset of a member the kernel lacks is poisoned (selector 41).
    const poisoned = relocated.relocations.filter((r) => r.result.ok && r.result.fixup.poison);
    expect(poisoned.map((r) => `${r.relocation.kind} ${r.relocation.accessString}`)).toEqual([
      `${BPF_CORE_RELO_KIND.FIELD_BYTE_OFFSET} 0:3`,
    ]);
    const { program, btf } = loadObjectProgram(object, 'socket', {
      type: PROG_TYPE.SOCKET_FILTER,
      name: 'probe',
      relocate: (section, insns) => relocated.sections.get(section) ?? insns,
    });
    try {
      const local = loadSpecFromBytes(object);
      const results = new Map<number, number>();
      for (const [sel, want] of expectations(kernel, local)) {
        if (skip.has(sel)) continue;
        const got = program.testRun(packet(sel)).retval;
        results.set(sel, got);
        expect({ sel, value: got }).toEqual({ sel, value: u32(want) });
      }
      // The bitfield read from the sk_buff the kernel built, for each packet type.
      for (const [what, dest, want] of PKT_TYPES) {
        expect({ what, pktType: program.testRun(packet(7, dest)).retval }).toEqual({
          what,
          pktType: want,
        });
      }
      return { relocated, results };
    } finally {
      program.close();
      btf.close();
    }
  }

  kernelIt('every value probe.c computes equals what the running kernel BTF says', () => {
    runAgainst(loadKernelSpec(), loadKernelSpec());
  });

  kernelIt('relocated against btfkit minimal BTF: the same values, and the kernel loads it', () => {
    const kernel = loadKernelSpec();
    const full = relocateObject(object, kernel);
    const fixups = full.relocations.flatMap((r) => (r.result.ok ? [r.result.fixup] : []));
    const min = minimalBtf(kernel, fixups);
    Handle.load(min).close();
    const minSpec = Spec.parse(min);
    const viaMin = relocateObject(object, minSpec);
    // Every relocation gets the same value (type IDs differ by design: they are the minimal
    // BTF's own, so compare those through the types they name).
    expect(viaMin.relocations.length).toBe(full.relocations.length);
    viaMin.relocations.forEach((r, i) => {
      const a = full.relocations[i]!.result;
      const b = r.result;
      if (!a.ok || !b.ok) throw new Error(`relocation ${i} failed`);
      expect(b.fixup.poison).toBe(a.fixup.poison);
      if (r.relocation.kind === 7) {
        const name = (s: Spec, id: bigint) => s.typeByID(Number(id)).name;
        expect(name(minSpec, b.fixup.targetValue)).toBe(name(kernel, a.fixup.targetValue));
      } else {
        expect({ i, value: b.fixup.targetValue }).toEqual({ i, value: a.fixup.targetValue });
      }
    });
    // And the program relocated against it computes the kernel's values, but for the type IDs
    // of bpf_core_type_id_kernel (22, 36), which are the minimal BTF's.
    runAgainst(minSpec, kernel, new Set([22, 36]));
  });

  kernelIt('every minimal BTF of testdata/core-kernel/min loads, but an empty one', () => {
    // The co-re tests prove btfkit writes these bytes exactly (min-btf.test.ts).
    const dir = join(TESTDATA, 'core-kernel', 'min');
    const files = readdirSync(dir).filter((f) => f.endsWith('.btf'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      if (RawBtf.parse(bytes).typeCount === 0) {
        // Objects without relocations need no type; the kernel refuses BTF without one.
        expect(() => Handle.load(bytes)).toThrow(/No type found/);
        continue;
      }
      const h = Handle.load(bytes);
      expect({ f, size: h.info().size }).toEqual({ f, size: bytes.byteLength });
      h.close();
    }
  });
});
