import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { featureProbeBlob, Handle, PermissionError } from '@btfkit/kernel';
import { it } from 'vitest';

/**
 * Whether this machine can run the kernel tests: /sys/kernel/btf/vmlinux exists, we are
 * root, and BPF_BTF_LOAD works. Undefined when usable, else the reason.
 */
function unusableReason(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return '/sys/kernel/btf/vmlinux is missing';
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()})`;
  try {
    Handle.load(featureProbeBlob('btf')).close();
  } catch (err) {
    if (err instanceof PermissionError) return `BPF_BTF_LOAD: ${err.message}`;
    return `BPF_BTF_LOAD failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** Why the kernel tests cannot run here, or undefined when they can. */
export const kernelUnusable = unusableReason();

/**
 * `it` for a test that needs the real kernel. Where the kernel is not usable the test is
 * skipped, unless BTFKIT_REQUIRE_KERNEL=1, which turns the skip into a loud failure.
 */
export function kernelIt(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  if (kernelUnusable === undefined) {
    it(name, fn, timeout);
  } else if (process.env.BTFKIT_REQUIRE_KERNEL === '1') {
    it(name, () => {
      throw new Error(`BTFKIT_REQUIRE_KERNEL=1 but the kernel is not usable: ${kernelUnusable}`);
    });
  } else {
    it.skip(`${name} (kernel not usable: ${kernelUnusable})`, fn);
  }
}

/** The number of fds this process has open, from /proc/self/fd. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The repository's testdata directory. */
export const TESTDATA = join(import.meta.dirname, '../../../testdata');
