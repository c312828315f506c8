// `gen ts` of the kernel's task_struct and everything it holds by value: the generated module
// type-checks under strict and its codec round-trips a task_struct's worth of bytes.
import { formatTypeScript, Spec } from '@btfkit/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { biomeFormat, importTs, typecheck } from '../../../tooling/ts-compile.ts';
import { readFixture } from './helpers.ts';

describe('gen ts: vmlinux', () => {
  let spec: Spec;
  let source: string;
  beforeAll(() => {
    spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    source = formatTypeScript(spec, [spec.typeByName('task_struct', 'struct')], {
      source: 'vmlinux',
    });
  });

  it('task_struct and what it reaches type-checks under strict, formatted', () => {
    expect(source).toContain('export interface task_struct {');
    expect(typecheck({ 'task_struct.ts': source })).toEqual([]);
    expect(biomeFormat(source) === source).toBe(true);
  });

  it('task_struct decodes and re-encodes its own value', async () => {
    const mod = await importTs(source);
    const codec = mod.task_struct as {
      size: number;
      decode(v: DataView, o?: number): unknown;
      encode(x: unknown, v: DataView, o?: number): void;
    };
    const size = spec.typeByName('task_struct', 'struct').size;
    expect(codec.size).toBe(size);
    const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 151 + 7) & 0xff);
    const value = codec.decode(new DataView(bytes.buffer));
    const out = new Uint8Array(size + 1);
    codec.encode(value, new DataView(out.buffer), 1);
    expect(out[0]).toBe(0);
    expect(codec.decode(new DataView(out.buffer), 1)).toEqual(value);
  });

  it('every named type of vmlinux generates; task_struct the same from a fresh Spec', () => {
    const all = formatTypeScript(spec, undefined, { source: 'vmlinux' });
    expect(all.length).toBeGreaterThan(1_000_000);
    expect(all).toContain('export interface task_struct {');
    const fresh = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const again = formatTypeScript(fresh, [fresh.typeByName('task_struct', 'struct')], {
      source: 'vmlinux',
    });
    expect(again === source).toBe(true);
  });
});
