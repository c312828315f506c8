import { describe, expect, it } from 'vitest';
import { judge } from '../src/engine.js';
import { listTestdata, readTestdata } from '../src/paths.js';
import { isTargetName, TARGET_NAMES, TARGETS } from '../src/targets.js';

/**
 * Every crasher the fuzzer ever found, replayed: `testdata/fuzz/<target>/<hash>.bin`, one test
 * per file.
 */
describe('fuzz regressions', () => {
  it('every folder under testdata/fuzz names a target', () => {
    const folders = listTestdata('fuzz', (f) => !f.includes('.'));
    for (const f of folders) expect(isTargetName(f), `testdata/fuzz/${f}`).toBe(true);
  });

  for (const target of TARGET_NAMES) {
    const files = listTestdata(`fuzz/${target}`, (f) => f.endsWith('.bin'));
    for (const file of files) {
      it(`${target}/${file}`, () => {
        const r = judge(TARGETS[target], readTestdata('fuzz', target, file));
        expect(r.violation?.message, r.violation?.stack).toBeUndefined();
      });
    }
  }
});
