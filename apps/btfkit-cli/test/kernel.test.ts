import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { btfkit, kernelIt, scratch, testdata } from './helpers.js';

describe('btfkit and the running kernel', () => {
  kernelIt('load prints the new BTF object, which list then no longer shows', () => {
    const r = btfkit('load', join(testdata, 'objects', 'basic-el.o'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const id = /^id (\d+)$/m.exec(r.stdout);
    expect(id).not.toBeNull();
    expect(r.stdout).toMatch(/^kernel false$/m);
    // The object lived only as long as that process.
    const listed = JSON.parse(btfkit('list', '--json').stdout) as { id: number }[];
    expect(listed.some((i) => i.id === Number(id![1]))).toBe(false);
  });

  kernelIt("load prints the verifier's log when the kernel rejects the BTF", () => {
    // INT 'int', then a struct whose member's type ID (99) is past the end.
    const strings = Buffer.from('\0int\0s\0m\0');
    const types = Buffer.alloc(16 + 24);
    types.writeUInt32LE(1, 0);
    types.writeUInt32LE(1 << 24, 4);
    types.writeUInt32LE(4, 8);
    types.writeUInt32LE(0x01000020, 12);
    types.writeUInt32LE(5, 16);
    types.writeUInt32LE((4 << 24) | 1, 20);
    types.writeUInt32LE(4, 24);
    types.writeUInt32LE(7, 28);
    types.writeUInt32LE(99, 32);
    types.writeUInt32LE(0, 36);
    const hdr = Buffer.alloc(24);
    hdr.writeUInt16LE(0xeb9f, 0);
    hdr.writeUInt8(1, 2);
    hdr.writeUInt32LE(24, 4);
    hdr.writeUInt32LE(0, 8);
    hdr.writeUInt32LE(types.length, 12);
    hdr.writeUInt32LE(types.length, 16);
    hdr.writeUInt32LE(strings.length, 20);
    const bad = join(scratch, 'bad-member.btf');
    writeFileSync(bad, Buffer.concat([hdr, types, strings]));
    // The raw form of the same file dumps fine: only the kernel objects.
    expect(btfkit('dump', bad).status).toBe(0);
    const r = btfkit('load', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Invalid member/);
    expect(r.stderr).toMatch(/\[2\] STRUCT s size=4 vlen=1/);
  });

  kernelIt('list shows vmlinux, as bpftool btf list does', () => {
    const r = btfkit('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+: name \[vmlinux\] {2}size \d+B {2}vmlinux$/m);
  });

  kernelIt('features finds every BTF feature on this kernel', () => {
    const r = btfkit('features', '--json');
    expect(r.status).toBe(0);
    const f = JSON.parse(r.stdout) as Record<string, boolean>;
    expect(Object.keys(f).length).toBeGreaterThanOrEqual(9);
    expect(Object.values(f).every(Boolean)).toBe(true);
    const table = btfkit('features');
    expect(table.stdout).toMatch(/^enum64 +yes +since 6\.0/m);
  });

  kernelIt('encode --for-kernel writes BTF the kernel loads', () => {
    const out = join(scratch, 'for-kernel.btf');
    expect(
      btfkit('encode', join(testdata, 'objects', 'tags-el.o'), '-o', out, '--for-kernel').status,
    ).toBe(0);
    expect(btfkit('load', out).status).toBe(0);
  });
});
