import { closeSync, fstatSync, openSync, statfsSync } from 'node:fs';
import { NotSupportedError } from '@btfkit/wire';
import { mapReadOnly } from './syscall.js';

/** The `statfs` type of sysfs (`SYSFS_MAGIC` in `include/uapi/linux/magic.h`). */
const SYSFS_MAGIC = 0x62656572;

/** Whether each device seen so far is sysfs: one `statfs` per filesystem, not per call. */
const sysfsDevices = new Map<number, boolean>();

/**
 * Mappings of sysfs files by device, inode and size; null for a sysfs file that cannot be
 * mapped, so that it is not tried again.
 */
const mappings = new Map<string, Uint8Array | null>();

/**
 * The bytes of a file on sysfs, mapped into memory read-only instead of read: the kernel's
 * own copy of its BTF, with nothing copied. Linux 6.16 made `/sys/kernel/btf/vmlinux`
 * mappable, and libbpf 1.6 parses it this way. Reading it instead takes more than a thousand
 * `read(2)` calls, since sysfs hands out at most a page per call.
 *
 * Each file is mapped once per process and stays mapped: the kernel's BTF does not change
 * while it runs, and no one can tell when the last view of a mapping is gone, so unmapping it
 * could never be safe. Every call for the same file returns the same bytes. They are
 * read-only: writing into them kills the process with SIGSEGV.
 *
 * @returns undefined when the file is not on sysfs or cannot be mapped (kernels before 6.16,
 *   module BTF, other sysfs files), or when koffi cannot be loaded; read the file instead
 * @throws Error from `node:fs` when the file cannot be opened
 */
export function mapSysfsFile(path: string): Uint8Array | undefined {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0 || !isSysfs(st.dev, path)) return undefined;
    const key = `${st.dev}:${st.ino}:${st.size}`;
    let bytes = mappings.get(key);
    // A view whose buffer was transferred away (postMessage) is detached and empty: the
    // mapping is still there, but nothing can read it through that view any more.
    if (bytes === undefined || (bytes !== null && bytes.byteLength !== st.size)) {
      bytes = map(fd, st.size);
      mappings.set(key, bytes);
    }
    return bytes ?? undefined;
  } finally {
    closeSync(fd);
  }
}

function isSysfs(dev: number, path: string): boolean {
  let known = sysfsDevices.get(dev);
  if (known === undefined) {
    known = statfsSync(path).type === SYSFS_MAGIC;
    sysfsDevices.set(dev, known);
  }
  return known;
}

function map(fd: number, size: number): Uint8Array | null {
  try {
    const r = mapReadOnly(fd, size);
    return r.buffer ? new Uint8Array(r.buffer) : null;
  } catch (err) {
    // No koffi (or not Linux): reading works everywhere.
    if (err instanceof NotSupportedError) return null;
    throw err;
  }
}
