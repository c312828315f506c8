// Sums vitest's JSON reports (one per package, written by tooling/vitest.base.ts) into the
// one closing line CI reads: `N passed, N failed`. Exits non-zero when anything failed,
// when a package wrote no report, when nothing ran, or when a test was skipped while
// BTFKIT_REQUIRE_KERNEL=1 (every skip there is a kernel test that did not run).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, rcArg] = process.argv.slice(2);
const testRc = Number(rcArg ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const f of files) {
  const report = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A file that failed to load has no tests in it but still counts as a failure.
  for (const r of report.testResults) {
    if (r.status === 'failed' && r.assertionResults.length === 0) {
      failed += 1;
      problems.push(`${r.name}: ${r.message}`);
    }
  }
}
if (files.length === 0) problems.push('no vitest report was written');
if (process.env.BTFKIT_REQUIRE_KERNEL === '1' && skipped > 0) {
  problems.push(`${skipped} tests skipped with BTFKIT_REQUIRE_KERNEL=1: counted as failed`);
  failed += skipped;
  skipped = 0;
}
if (testRc !== 0 && failed === 0) {
  problems.push(`the test run exited with ${testRc}`);
  failed += 1;
}
for (const p of problems) console.error(`ci: ${p}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
