import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { kernelIt } from './kernel.js';

const PACKAGE = join(import.meta.dirname, '..');

function run(...args: string[]): Record<string, boolean> {
  const out = execFileSync(
    process.execPath,
    [join(import.meta.dirname, 'fixtures/lazy-koffi.mjs'), ...args],
    { cwd: PACKAGE, encoding: 'utf8' },
  );
  return JSON.parse(out) as Record<string, boolean>;
}

it('importing the package loads no native code', () => {
  expect(run()).toEqual({ afterImport: false, afterPureWork: false });
});

kernelIt('the first syscall loads koffi', () => {
  expect(run('load')).toEqual({ afterImport: false, afterPureWork: false, afterLoad: true });
});
