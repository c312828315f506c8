import { accessSync, constants as fsConstants } from 'node:fs';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import { loadSpecFromBytes } from '@btfkit/elf';
import type { Spec } from '@btfkit/types';
import { BtfError, NotFoundError, NotSupportedError } from '@btfkit/wire';
import { type FileSource, openFile } from '@btfkit/wire/node';
import { mapSysfsFile } from './sysfs-map.js';

/** Where the kernel publishes its BTF: `vmlinux` and one file per module with BTF. */
export const SYSFS_BTF_DIR = '/sys/kernel/btf';

/**
 * The files libbpf's `btf__load_vmlinux_btf` tries, in order, when
 * `/sys/kernel/btf/vmlinux` is missing; `%s` is the kernel release (`uname -r`).
 */
export const VMLINUX_SEARCH_PATHS: readonly string[] = [
  '/boot/vmlinux-%s',
  '/lib/modules/%s/vmlinux-%s',
  '/lib/modules/%s/build/vmlinux',
  '/usr/lib/modules/%s/kernel/vmlinux',
  '/usr/lib/debug/boot/vmlinux-%s',
  '/usr/lib/debug/boot/vmlinux-%s.debug',
  '/usr/lib/debug/lib/modules/%s/vmlinux',
];

/** Options for {@link loadKernelSpec} and {@link findVMLinux}. */
export interface KernelSpecOptions {
  /**
   * Read the kernel's BTF from this file instead of searching: raw BTF (as in
   * `/sys/kernel/btf/vmlinux` or a BTFHub `.btf` file) or an ELF kernel image with `.BTF`.
   */
  readonly path?: string;
  /**
   * A directory the search paths are under, for a host filesystem mounted elsewhere
   * (e.g. `/host` in a container); defaults to `/`.
   */
  readonly root?: string;
  /** The kernel release whose image to look for; defaults to the running one (`uname -r`). */
  readonly release?: string;
}

/** Options for {@link loadKernelModuleSpec}. */
export interface KernelModuleSpecOptions {
  /** The vmlinux Spec the module's split BTF builds on; defaults to {@link loadKernelSpec}. */
  readonly base?: Spec;
  /** The directory with module BTF files; defaults to `/sys/kernel/btf`. */
  readonly directory?: string;
}

const cache = new Map<string, Spec>();

/**
 * The paths {@link loadKernelSpec} tries, in order: `/sys/kernel/btf/vmlinux`, then libbpf's
 * {@link VMLINUX_SEARCH_PATHS} for the release, all under `root`.
 */
export function vmlinuxSearchPaths(options: KernelSpecOptions = {}): string[] {
  const release = options.release ?? osRelease();
  const root = options.root ?? '/';
  return [
    join(root, SYSFS_BTF_DIR, 'vmlinux'),
    ...VMLINUX_SEARCH_PATHS.map((p) => join(root, p.replaceAll('%s', release))),
  ];
}

/**
 * Finds the running kernel's BTF the way libbpf does: `/sys/kernel/btf/vmlinux` if it exists,
 * else the first readable file of {@link VMLINUX_SEARCH_PATHS} that holds BTF.
 * @throws NotSupportedError when no candidate holds BTF (the kernel was built without
 *   `CONFIG_DEBUG_INFO_BTF` and no image with BTF is installed)
 */
export function findVMLinux(options: KernelSpecOptions = {}): string {
  return locate(options).path;
}

function locate(options: KernelSpecOptions): { path: string; spec: Spec } {
  const tried: string[] = [];
  const errors: unknown[] = [];
  const paths = vmlinuxSearchPaths(options);
  for (const [i, path] of paths.entries()) {
    try {
      // libbpf checks existence for sysfs and readability for the rest.
      accessSync(path, i === 0 ? fsConstants.F_OK : fsConstants.R_OK);
    } catch {
      tried.push(`${path}: missing`);
      continue;
    }
    try {
      return { path, spec: loadSpecAt(path) };
    } catch (err) {
      // sysfs BTF that does not parse is an error, as in libbpf; an image without BTF is not.
      if (i === 0) throw err;
      tried.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
      errors.push(err);
    }
  }
  throw new NotSupportedError(
    `btf: no BTF for kernel ${options.release ?? osRelease()} (kernel without CONFIG_DEBUG_INFO_BTF?); tried ${tried.join('; ')}`,
    errors.length > 0 ? { cause: new AggregateError(errors) } : undefined,
  );
}

/**
 * The kernel's BTF as a Spec: from `options.path` when given, else found as by
 * {@link findVMLinux}. Parsed once per path and cached; each call returns a
 * {@link Spec.copy} of the cached Spec, so changes to its types stay private.
 * @throws NotSupportedError when the running kernel has no BTF to be found
 * @throws FormatError when the file is not valid BTF or ELF with `.BTF`
 * @throws Error from `node:fs` when an explicit path cannot be read
 */
export function loadKernelSpec(options: KernelSpecOptions = {}): Spec {
  const key = options.path
    ? `path:${options.path}`
    : `search:${options.root ?? '/'}:${options.release ?? osRelease()}`;
  let spec = cache.get(key);
  if (!spec) {
    spec = options.path ? loadSpecAt(options.path) : locate(options).spec;
    cache.set(key, spec);
  }
  return spec.copy();
}

/**
 * A kernel module's BTF: split BTF from `/sys/kernel/btf/<name>` over vmlinux's.
 * @throws NotFoundError when the module is not loaded or has no BTF
 * @throws BtfError when `name` is not a plain file name
 * @throws FormatError when the file does not parse over the base
 */
export function loadKernelModuleSpec(name: string, options: KernelModuleSpecOptions = {}): Spec {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new BtfError(`btf: kernel module name ${JSON.stringify(name)} is not a file name`);
  }
  const dir = options.directory ?? SYSFS_BTF_DIR;
  const path = join(dir, name);
  let source: Uint8Array | FileSource;
  try {
    source = mapSysfsFile(path) ?? openFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`btf: kernel module ${name}: no BTF at ${path}`, { cause: err });
    }
    throw err;
  }
  try {
    return loadSpecFromBytes(source, { base: options.base ?? loadKernelSpec() });
  } finally {
    if (!(source instanceof Uint8Array)) source.close();
  }
}

/**
 * A Spec from a file as `@btfkit/elf/node`'s `loadSpec` reads it, except that a sysfs file
 * that can be mapped (`/sys/kernel/btf/vmlinux` since Linux 6.16) is mapped instead of read,
 * as {@link mapSysfsFile} describes: the Spec's `raw.bytes` are then read-only.
 */
function loadSpecAt(path: string, base?: Spec): Spec {
  const options = base ? { base } : {};
  const mapped = mapSysfsFile(path);
  if (mapped) return loadSpecFromBytes(mapped, options);
  const source = openFile(path);
  try {
    return loadSpecFromBytes(source, options);
  } finally {
    source.close();
  }
}

/** Forgets the cached kernel Specs, e.g. after a BTFHub file was replaced. */
export function flushKernelSpecCache(): void {
  cache.clear();
}
