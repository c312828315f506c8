import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { featureProbeBlob, Handle, PermissionError } from '@btfkit/kernel';
import { gatedIt } from '../../../tooling/kernel-gate.ts';

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
 * `it` for a test that needs the real kernel: skipped (counted) where the kernel is not
 * usable, a failure under BTFKIT_REQUIRE_KERNEL=1.
 */
export function kernelIt(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  gatedIt(kernelUnusable && `kernel not usable: ${kernelUnusable}`, name, fn, timeout);
}

/** The number of fds this process has open, from /proc/self/fd. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The repository's testdata directory. */
export const TESTDATA = join(import.meta.dirname, '../../../testdata');
