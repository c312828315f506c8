import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as btfkit from 'btfkit';
import * as browser from 'btfkit/browser';
import * as coRe from 'btfkit/co-re';
import * as elf from 'btfkit/elf';
import * as kernel from 'btfkit/kernel';
import * as types from 'btfkit/types';
import * as wire from 'btfkit/wire';
import { RawBtf, rawDump } from 'btfkit/wire';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../tooling/browser-bundle.ts';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = resolve(here, '../../../testdata');
const golden = (...p: string[]) => readFileSync(join(testdata, ...p), 'utf8');

describe('btfkit facade', () => {
  it('loads objects by path and by bytes alike, DATASECs fixed up as libbpf does', () => {
    const path = join(testdata, 'objects', 'basic-el.o');
    const fromPath = btfkit.loadSpec(path);
    const fromBytes = btfkit.loadSpecFromBytes(new Uint8Array(readFileSync(path)));
    const want = golden('objects', 'basic-el.libbpf.raw.golden');
    expect(rawDump(fromPath.raw)).toBe(want);
    expect(rawDump(fromBytes.raw)).toBe(want);
    expect(fromBytes.raw).toBeInstanceOf(RawBtf);
  });

  it('loads split BTF over a base from a path and from bytes', () => {
    const base = btfkit.loadSpec(join(testdata, 'pahole', 'base.btf'));
    const splitPath = join(testdata, 'pahole', 'split.btf');
    const a = btfkit.loadSplitSpec(splitPath, base);
    const b = btfkit.loadSplitSpecFromBytes(new Uint8Array(readFileSync(splitPath)), base);
    expect(a.firstTypeID).toBe(base.nextTypeID);
    expect(rawDump(a.raw)).toBe(golden('pahole', 'split.raw.golden'));
    expect(rawDump(b.raw)).toBe(golden('pahole', 'split.raw.golden'));
  });

  it('loads ext infos from a path and from bytes', () => {
    const path = join(testdata, 'objects', 'programs-el.o');
    const a = btfkit.loadSpecAndExtInfos(path);
    const b = btfkit.loadSpecAndExtInfosFromBytes(new Uint8Array(readFileSync(path)));
    expect([...a.extInfos.keys()]).toEqual([...b.extInfos.keys()]);
    expect(a.extInfos.size).toBeGreaterThan(1);
  });

  it('finds task_struct in vmlinux with the id bpftool shows', () => {
    const bytes = new Uint8Array(
      gunzipSync(readFileSync(join(testdata, 'vmlinux', 'vmlinux.btf.gz'))),
    );
    const spec = btfkit.loadSpecFromBytes(bytes);
    const task = spec.typeByName('task_struct', 'struct');
    const raw = gunzipSync(
      readFileSync(join(testdata, 'vmlinux', 'vmlinux.raw.golden.gz')),
    ).toString();
    const id = /^\[(\d+)\] STRUCT 'task_struct' size=(\d+)/m.exec(raw)!;
    expect(spec.typeID(task)).toBe(Number(id[1]));
    expect(btfkit.sizeof(task)).toBe(Number(id[2]));
  });

  it('exports the same classes from every entry and subpath, and the error family', () => {
    expect(browser.Spec).toBe(btfkit.Spec);
    expect(types.Spec).toBe(btfkit.Spec);
    expect(elf.loadSpecFromBytes).toBe(btfkit.loadSpecFromBytes);
    expect(kernel.Handle).toBe(btfkit.Handle);
    expect(kernel.loadKernelSpec).toBe(btfkit.loadKernelSpec);
    expect(new btfkit.NotFoundError('x')).toBeInstanceOf(btfkit.BtfError);
    expect(new btfkit.VerifierError('x', 'log', false, 22)).toBeInstanceOf(btfkit.BtfError);
    expect('Handle' in browser).toBe(false);
    expect('loadKernelSpec' in browser).toBe(false);
    expect('loadSpec' in browser).toBe(false);
  });

  it('its wire and elf subpaths bundle for a browser without the Node parts', async () => {
    const { inputs, code } = await bundleForBrowser(
      "export * from 'btfkit/wire'; export * from 'btfkit/elf';",
      here,
    );
    expect(inputs.some((i) => i.includes('btf-elf'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || /\/node\.c?js$/.test(i))).toEqual([]);
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).not.toContain('function openFile');
  });

  it('every error class of every layer follows one pattern', () => {
    const classes = new Map<string, ErrorConstructor>();
    for (const mod of [wire, types, elf, coRe, kernel, btfkit]) {
      for (const [name, value] of Object.entries(mod)) {
        if (typeof value === 'function' && value.prototype instanceof Error) {
          classes.set(name, value as ErrorConstructor);
        }
      }
    }
    expect([...classes.keys()].sort()).toEqual([
      'BtfError',
      'CoreRelocationError',
      'EncodeError',
      'FormatError',
      'IncompatibleTypesError',
      'MultipleMatchesError',
      'NotFoundError',
      'NotSupportedError',
      'PermissionError',
      'SyscallError',
      'VerifierError',
    ]);
    for (const [name, cls] of classes) {
      // The name is the class's, on the prototype (not a field on each instance).
      expect(cls.prototype.name).toBe(name);
      expect(Object.hasOwn(cls.prototype, 'name')).toBe(true);
      if (name !== 'BtfError') expect(cls.prototype).toBeInstanceOf(btfkit.BtfError);
      const cause = new Error('underneath');
      const args: Record<string, unknown[]> = {
        FormatError: [{ offset: 4 }],
        CoreRelocationError: [
          {
            relocation: {
              section: 's',
              index: 0,
              insnOff: 0,
              typeID: 1,
              accessString: '0',
              kind: 0,
            },
            reason: 'ambiguous',
          },
        ],
        SyscallError: ['BPF_BTF_LOAD', 22, 'EINVAL'],
        PermissionError: ['BPF_BTF_LOAD', 1, 'CAP_BPF'],
        VerifierError: ['log', false, 22],
      };
      const Ctor = cls as unknown as new (message: string, ...rest: unknown[]) => Error;
      const err = new Ctor('btf: subject: what', ...(args[name] ?? []), { cause });
      expect(err.name).toBe(name);
      expect(Object.hasOwn(err, 'name')).toBe(false);
      expect(err.message).toBe('btf: subject: what');
      expect(err.cause).toBe(cause);
      expect(String(err)).toBe(`${name}: btf: subject: what`);
    }
  });

  it('a name the encoder cannot encode is an EncodeError, not a RangeError', () => {
    const b = new btfkit.Builder();
    b.add(new btfkit.Int('a\0b', 4));
    expect(() => b.marshal()).toThrow(btfkit.EncodeError);
    expect(() => b.marshal()).toThrow(/^btf: string "a\\u0000b" contains NUL$/);
  });

  it('its browser entry bundles for a browser with no Node built-in', async () => {
    const { inputs, code } = await bundleForBrowser("export * from 'btfkit/browser';", here);
    expect(inputs.some((i) => i.includes('btf-wire'))).toBe(true);
    expect(
      inputs.filter(
        (i) => i.startsWith('node:') || i.includes('koffi') || i.includes('btf-kernel'),
      ),
    ).toEqual([]);
    expect(code).not.toMatch(/from ["']node:/);
  });

  it('resolves the browser condition of the main entry to the browser build', async () => {
    const { inputs } = await bundleForBrowser("export * from 'btfkit';", here);
    expect(inputs.filter((i) => i.includes('btf-kernel'))).toEqual([]);
  });
});
