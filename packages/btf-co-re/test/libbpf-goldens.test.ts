// Every relocation of the fixture objects x targets against what libbpf 1.1.2 computes
// (tooling/core-oracle: relo_core.c's own bpf_core_calc_relo_insn and bpf_core_patch_insn):
// success or failure, poison, values, field sizes, the local and target access paths and
// the patched instruction bytes. One test per golden file, found by listing the folder.
import { type CoreAccessPath, type CoreInstructionResult, relocateObject } from '@btfkit/co-re';
import { Spec } from '@btfkit/types';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, readText } from '../../../tooling/test-fixtures.ts';

interface GoldenSpec {
  root: number;
  raw: number[];
  accessors: [number, number][];
  bitOffset: number;
}

interface Golden {
  section: string;
  index: number;
  insnOff: number;
  kind: number;
  typeId: number;
  access: string;
  error?: number;
  patchError?: number;
  poison?: boolean;
  validate?: boolean;
  orig?: string;
  new?: string;
  origSz?: number;
  newSz?: number;
  failMemsz?: boolean;
  local?: GoldenSpec;
  target?: GoldenSpec | null;
  patched?: string;
}

const TARGETS: Record<string, string[]> = {
  vmlinux: ['vmlinux', 'vmlinux.btf.gz'],
  'host-vmlinux': ['core', 'targets', 'host-vmlinux.btf.gz'],
  'synth-a': ['core', 'targets', 'synth-a.btf'],
  'synth-b': ['core', 'targets', 'synth-b.btf'],
  'synth-c': ['core', 'targets', 'synth-c.btf'],
};
/** Where an object's file is: `relos*` in testdata/core, `core` in testdata/objects. */
function objectDir(base: string): string[] {
  return base.startsWith('relos') ? ['core'] : ['objects'];
}

const targetCache = new Map<string, Spec>();
function target(name: string): Spec {
  let s = targetCache.get(name);
  if (!s) {
    s = Spec.parse(readFixture(...TARGETS[name]!));
    targetCache.set(name, s);
  }
  return s;
}

function path(p: CoreAccessPath): GoldenSpec {
  return {
    root: p.rootTypeID,
    raw: [...p.raw],
    accessors: p.accessors.map((a) => [a.typeID, a.index]),
    bitOffset: p.bitOffset,
  };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** What btfkit computed, in the golden's shape. */
function actual(r: CoreInstructionResult): Golden {
  const rel = r.relocation;
  const head: Golden = {
    section: rel.section,
    index: rel.index,
    insnOff: rel.insnOff,
    kind: rel.kind,
    typeId: rel.typeID,
    access: rel.accessString,
  };
  const f = r.fixup;
  if (!f) return { ...head, error: r.result.ok ? 0 : errno(r.result.error.message) };
  const fields: Golden = {
    ...head,
    poison: f.poison,
    validate: f.validate,
    orig: f.localValue.toString(),
    new: f.targetValue.toString(),
    origSz: f.localFieldSize,
    newSz: f.targetFieldSize,
    failMemsz: f.failMemSizeAdjust,
    local: path(f.local),
    target: f.target && !f.poison ? path(f.target) : null,
  };
  if (!r.result.ok) return { ...fields, patchError: errno(r.result.error.message) };
  return { ...fields, patched: hex(r.patched!) };
}

/**
 * libbpf's errno for an error message: the messages name ERANGE and E2BIG where libbpf
 * returns them; every other failure is EINVAL (-22) in libbpf 1.1's CO-RE code paths that the
 * fixtures reach.
 */
function errno(message: string): number {
  if (message.includes('ERANGE')) return -34;
  if (message.includes('E2BIG')) return -7;
  return -22;
}

const goldens = listFixtures('core/goldens', '.jsonl');

describe('CO-RE relocations equal libbpf 1.1.2', () => {
  it('has goldens for several hundred relocations', () => {
    const n = goldens.reduce(
      (sum, f) => sum + readText('core', 'goldens', f).trim().split('\n').length,
      0,
    );
    expect(n).toBeGreaterThan(500);
  });

  for (const file of goldens) {
    it(file, () => {
      const [objName, targetName] = file.replace(/\.jsonl$/, '').split('.') as [string, string];
      const base = objName.replace(/-e[lb]$/, '');
      const obj = readFixture(...objectDir(base), `${objName}.o`);
      const expected = readText('core', 'goldens', file)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Golden);
      const result = relocateObject(obj, target(targetName));
      expect(result.relocations.length).toBe(expected.length);
      const got = result.relocations.map(actual);
      for (let i = 0; i < expected.length; i++) {
        expect(got[i], `relocation ${i}`).toEqual(expected[i]);
      }
    });
  }
});
