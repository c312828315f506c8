import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { gatedIt } from '../../../tooling/kernel-gate.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The built command. */
export const main = resolve(here, '../dist/main.js');
/** The repository's committed fixtures. */
export const testdata = resolve(here, '../../../testdata');
/** A scratch folder for this test run. */
export const scratch = mkdtempSync(join(tmpdir(), 'btfkit-cli-'));

/** What one run of the command did. */
export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `btfkit ARGS` to completion. */
export function btfkit(...args: string[]): Run {
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a shell pipeline with the command as `$BTFKIT`. */
export function shell(script: string): Run {
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, BTFKIT: `${process.execPath} ${main}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fixture's text, gunzipped when it ends in .gz. */
export function golden(...parts: string[]): string {
  const p = join(testdata, ...parts);
  const b = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
}

/** The vmlinux fixture, unpacked into the scratch folder once. */
export const vmlinux = (() => {
  const p = join(scratch, 'vmlinux.btf');
  writeFileSync(p, gunzipSync(readFileSync(join(testdata, 'vmlinux', 'vmlinux.btf.gz'))));
  return p;
})();

/** Why this machine cannot run kernel tests (not Linux, no kernel BTF, not root), or undefined. */
export const kernelUnusable: string | undefined =
  process.platform !== 'linux'
    ? `not Linux (${process.platform})`
    : !existsSync('/sys/kernel/btf/vmlinux')
      ? '/sys/kernel/btf/vmlinux is missing'
      : process.getuid?.() !== 0
        ? `not root (uid ${process.getuid?.()})`
        : undefined;

/**
 * `it` for a test that needs the real kernel: skipped (counted) where the kernel is not
 * usable, a failure under BTFKIT_REQUIRE_KERNEL=1.
 */
export function kernelIt(name: string, fn: () => void): void {
  gatedIt(kernelUnusable && `kernel not usable: ${kernelUnusable}`, name, fn);
}
