import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exportNames } from '../../../tooling/export-names.ts';

// Every exported name, committed: a change to the API shows as a diff of exports.api.txt
// (update it with `vitest run -u`, and add a changeset).
it('exports exactly the names in exports.api.txt', async () => {
  const names = exportNames(join(import.meta.dirname, '..'), {
    '.': await import('btfkit'),
    './browser': await import('btfkit/browser'),
  });
  await expect(names).toMatchFileSnapshot('./exports.api.txt');
});
