// The one rule for tests that need the real kernel (or one of its features), shared by every
// package: such a test is skipped through the runner, so the skip is counted, and
// BTFKIT_REQUIRE_KERNEL=1 (CI as root) turns the skip into a failure.
import { it } from 'vitest';

/**
 * `it` for a test that can run only when `missing` is undefined; otherwise `missing` says
 * why not (no kernel BTF, not root, a kernel without the feature) and the test is skipped,
 * or fails under BTFKIT_REQUIRE_KERNEL=1.
 */
export function gatedIt(
  missing: string | undefined,
  name: string,
  fn: () => void | Promise<void>,
  timeout?: number,
): void {
  if (missing === undefined) {
    it(name, fn, timeout);
  } else if (process.env.BTFKIT_REQUIRE_KERNEL === '1') {
    it(name, () => {
      throw new Error(`BTFKIT_REQUIRE_KERNEL=1 but the kernel cannot run this: ${missing}`);
    });
  } else {
    it.skip(`${name} (skipped: ${missing})`, fn);
  }
}
