import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushKernelSpecCache, loadKernelSpec, mapSysfsFile } from '@btfkit/kernel';
import { pushChildren, type Type } from '@btfkit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { gatedIt } from '../../../tooling/kernel-gate.ts';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { kernelIt, kernelUnusable } from './kernel.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-map-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Whether the running kernel lets /sys/kernel/btf/vmlinux be mapped (Linux 6.16 and later). */
function kernelMapsBtf(): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m !== null && Number(m[1]) * 1000 + Number(m[2]) >= 6016;
}

/**
 * Why the mapping tests cannot run here: the kernel is not usable, or it is older than 6.16
 * and cannot map BTF. Undefined when they can.
 */
const cannotMap =
  (kernelUnusable && `kernel not usable: ${kernelUnusable}`) ??
  (kernelMapsBtf() ? undefined : `Linux ${release()} cannot map BTF (6.16 and later can)`);

/** `it` for a test of the mapping itself: skipped (counted) where it cannot run. */
function mappingIt(name: string, fn: () => void): void {
  gatedIt(cannotMap, name, fn);
}

describe('mapSysfsFile', () => {
  mappingIt(
    'maps vmlinux BTF on Linux 6.16+: the bytes sysfs reads, one mapping per process',
    () => {
      const mapped = mapSysfsFile(VMLINUX);
      expect(mapped).toBeDefined();
      expect(byteDiff(mapped!, readFileSync(VMLINUX))).toBeUndefined();
      expect(mapSysfsFile(VMLINUX)).toBe(mapped);
    },
  );

  // Registered only where it applies: under BTFKIT_REQUIRE_KERNEL=1 every skip fails, and
  // on 6.16 and later this one has nothing to check.
  if (!kernelMapsBtf()) {
    kernelIt('before Linux 6.16 vmlinux BTF is read, not mapped', () => {
      expect(mapSysfsFile(VMLINUX)).toBeUndefined();
    });
  }

  kernelIt('a Spec from the mapping decodes and re-encodes without writing to it', () => {
    const mapped = mapSysfsFile(VMLINUX);
    flushKernelSpecCache();
    const spec = loadKernelSpec({ path: VMLINUX });
    if (mapped) expect(spec.raw.bytes.buffer === mapped.buffer).toBe(true);
    // Every type and child decoded, then the whole Spec marshalled: a write into the read-only
    // mapping anywhere on the way would have killed this process.
    const children: Type[] = [];
    for (const t of spec) pushChildren(t, children);
    expect(children.length).toBeGreaterThan(spec.nextTypeID);
    expect(byteDiff(spec.marshal(), readFileSync(VMLINUX))).toBeUndefined();
    expect(loadKernelSpec().typeByName('task_struct', 'struct').name).toBe('task_struct');
  });

  mappingIt('transferring the mapping elsewhere leaves it readable here', () => {
    const mapped = mapSysfsFile(VMLINUX);
    expect(mapped).toBeDefined();
    if (!mapped) return;
    // V8 does not detach the external buffer (it copies); were it detached, the next call
    // would map the file again instead of returning an empty view.
    structuredClone(mapped.buffer, { transfer: [mapped.buffer as ArrayBuffer] });
    const again = mapSysfsFile(VMLINUX)!;
    expect(byteDiff(again, readFileSync(VMLINUX))).toBeUndefined();
    flushKernelSpecCache();
    expect(loadKernelSpec({ path: VMLINUX }).typeByName('task_struct', 'struct').name).toBe(
      'task_struct',
    );
  });

  mappingIt('writing into the mapping kills the process, as documented', () => {
    const script = `import { mapSysfsFile } from '@btfkit/kernel';
      const b = mapSysfsFile(${JSON.stringify(VMLINUX)}); b[0] = 0; console.log('wrote');`;
    let signal: string | null = null;
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: join(import.meta.dirname, '..'),
        stdio: 'pipe',
      });
    } catch (err) {
      signal = (err as { signal: string | null }).signal;
    }
    expect(signal).toBe('SIGSEGV');
  });

  // /sys/kernel/notes is a sysfs binary file with no mmap: the kernel answers ENODEV.
  gatedIt(
    existsSync('/sys/kernel/notes') ? undefined : '/sys/kernel/notes is missing',
    'a sysfs file without mmap support is read instead',
    () => {
      expect(mapSysfsFile('/sys/kernel/notes')).toBeUndefined();
      expect(mapSysfsFile('/sys/kernel/notes')).toBeUndefined();
    },
  );

  it('a file that is not on sysfs is read instead', () => {
    const file = join(tmp, 'plain.btf');
    writeFileSync(file, new Uint8Array(64));
    expect(mapSysfsFile(file)).toBeUndefined();
  });

  it('a missing file throws the error of open(2)', () => {
    expect(() => mapSysfsFile(join(tmp, 'missing'))).toThrow(/ENOENT/);
  });
});
