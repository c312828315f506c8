import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  findVMLinux,
  flushKernelSpecCache,
  Handle,
  loadKernelModuleSpec,
  loadKernelSpec,
  NotSupportedError,
  VMLINUX_SEARCH_PATHS,
  vmlinuxSearchPaths,
} from '@btfkit/kernel';
import { Spec } from '@btfkit/types';
import { BtfError, NotFoundError, RawBtf, rawDump } from '@btfkit/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { kernelIt, TESTDATA } from './kernel.js';

const tmp = mkdtempSync(join(tmpdir(), 'btfkit-kernel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmlinuxFixture(): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(join(TESTDATA, 'vmlinux/vmlinux.btf.gz'))));
}

describe('running kernel', () => {
  kernelIt('loadKernelSpec reads /sys/kernel/btf/vmlinux', () => {
    const spec = loadKernelSpec();
    const sysfs = new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
    expect(byteDiff(spec.raw.bytes, sysfs)).toBeUndefined();
    expect(spec.typeByName('task_struct', 'struct').size).toBeGreaterThan(0);
    expect(findVMLinux()).toBe('/sys/kernel/btf/vmlinux');
  });

  kernelIt('is cached, and every call gets its own copy', () => {
    const a = loadKernelSpec();
    const b = loadKernelSpec();
    // Identity checks as booleans: a failing or negated toBe on a Spec makes vitest deep-compare
    // two vmlinux type graphs.
    expect(a === b).toBe(false);
    expect(a.raw === b.raw).toBe(true);
    const ta = a.typeByName('task_struct', 'struct');
    expect(b.typeByName('task_struct', 'struct') === ta).toBe(false);
    ta.name = 'renamed';
    expect(b.typeByName('task_struct', 'struct').name).toBe('task_struct');
    flushKernelSpecCache();
    expect(loadKernelSpec().raw === a.raw).toBe(false);
  });

  kernelIt('the vmlinux handle reads back what sysfs has', () => {
    const vm = (() => {
      for (let id = 1; ; id++) {
        const h = Handle.fromID(id);
        if (h.info().isVmlinux) return h;
        h.close();
      }
    })();
    try {
      expect(vm.info()).toMatchObject({ name: 'vmlinux', isKernel: true, isVmlinux: true });
      const sysfs = readFileSync('/sys/kernel/btf/vmlinux');
      expect(byteDiff(vm.bytes(), sysfs)).toBeUndefined();
      expect(vm.spec().nextTypeID).toBe(loadKernelSpec().nextTypeID);
    } finally {
      vm.close();
    }
  });

  kernelIt('a module that is not loaded is NotFoundError', () => {
    expect(() => loadKernelModuleSpec('btfkit_no_such_module')).toThrow(NotFoundError);
    expect(() => loadKernelModuleSpec('../vmlinux')).toThrow(BtfError);
  });
});

describe('explicit paths and the fallback search', () => {
  const release = '6.1.0-btfkit-test';

  it('lists libbpf’s seven paths after sysfs', () => {
    expect(VMLINUX_SEARCH_PATHS).toHaveLength(7);
    expect(vmlinuxSearchPaths({ release, root: '/host' })).toEqual([
      '/host/sys/kernel/btf/vmlinux',
      `/host/boot/vmlinux-${release}`,
      `/host/lib/modules/${release}/vmlinux-${release}`,
      `/host/lib/modules/${release}/build/vmlinux`,
      `/host/usr/lib/modules/${release}/kernel/vmlinux`,
      `/host/usr/lib/debug/boot/vmlinux-${release}`,
      `/host/usr/lib/debug/boot/vmlinux-${release}.debug`,
      `/host/usr/lib/debug/lib/modules/${release}/vmlinux`,
    ]);
  });

  it('path: reads a BTFHub-style raw BTF file', () => {
    const file = join(tmp, 'btfhub.btf');
    const bytes = vmlinuxFixture();
    writeFileSync(file, bytes);
    const spec = loadKernelSpec({ path: file });
    expect(spec.raw.bytes.byteLength).toBe(bytes.byteLength);
    expect(rawDump(spec.raw)).toBe(rawDump(RawBtf.parse(bytes)));
  });

  it('search: nothing anywhere is NotSupportedError naming every path', () => {
    const root = join(tmp, 'empty');
    mkdirSync(root);
    let err: unknown;
    try {
      loadKernelSpec({ root, release });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotSupportedError);
    for (const p of vmlinuxSearchPaths({ root, release })) {
      expect((err as Error).message).toContain(p);
    }
  });

  it('search: skips a file without BTF and takes the next one, ELF or raw', () => {
    const root = join(tmp, 'fallback');
    // /boot/vmlinux-R exists but is not BTF; /lib/modules/R/build/vmlinux is an ELF file with .BTF.
    mkdirSync(join(root, 'boot'), { recursive: true });
    writeFileSync(join(root, `boot/vmlinux-${release}`), 'not a kernel');
    mkdirSync(join(root, `lib/modules/${release}/build`), { recursive: true });
    const elf = join(root, `lib/modules/${release}/build/vmlinux`);
    copyFileSync(join(TESTDATA, 'objects/basic-el.o'), elf);
    expect(findVMLinux({ root, release })).toBe(elf);
    const spec = loadKernelSpec({ root, release });
    const expected = RawBtf.parse(
      new Uint8Array(readFileSync(join(TESTDATA, 'objects/basic-el.libbpf.btf'))),
    );
    expect(rawDump(spec.raw)).toBe(rawDump(expected));
    // Raw BTF at the first path wins once it is there (after the cache is flushed).
    writeFileSync(join(root, `boot/vmlinux-${release}`), vmlinuxFixture());
    expect(loadKernelSpec({ root, release }).raw.bytes.byteLength).toBe(expected.bytes.byteLength);
    flushKernelSpecCache();
    expect(loadKernelSpec({ root, release }).typeByName('task_struct', 'struct').name).toBe(
      'task_struct',
    );
  });

  it('modules: split BTF over the given base', () => {
    const dir = join(tmp, 'sysfs');
    mkdirSync(dir);
    copyFileSync(join(TESTDATA, 'pahole/split.btf'), join(dir, 'mymod'));
    const base = loadKernelSpec({ path: join(TESTDATA, 'pahole/base.btf') });
    const mod = loadKernelModuleSpec('mymod', { directory: dir, base });
    expect(mod.base === base).toBe(true);
    expect(mod.firstTypeID).toBe(base.nextTypeID);
    const golden = readFileSync(join(TESTDATA, 'pahole/split.raw.golden'), 'utf8');
    expect(rawDump(mod.raw)).toBe(golden);
    expect(() => loadKernelModuleSpec('other', { directory: dir, base })).toThrow(NotFoundError);
  });

  it('modules: a gzipped module file is unpacked', () => {
    const dir = join(tmp, 'sysfs-gz');
    mkdirSync(dir);
    writeFileSync(join(dir, 'gzmod'), gzipSync(readFileSync(join(TESTDATA, 'pahole/split.btf'))));
    const base = Spec.parse(new Uint8Array(readFileSync(join(TESTDATA, 'pahole/base.btf'))));
    const mod = loadKernelModuleSpec('gzmod', { directory: dir, base });
    expect(rawDump(mod.raw)).toBe(readFileSync(join(TESTDATA, 'pahole/split.raw.golden'), 'utf8'));
  });
});
