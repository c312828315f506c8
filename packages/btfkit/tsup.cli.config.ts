import { packageBuild } from '../../tooling/tsup.base.ts';

// The `btfkit` command ships in this package, so `npm install btfkit` (or `npx btfkit`) gives a
// working command. Its source stays in apps/btfkit-cli, an app over this package's public API;
// every btfkit import is left external and resolves at run time to the installed packages
// (`btfkit` itself through the package's own name), so no library code is bundled twice.
export default packageBuild(
  { cli: '../../apps/btfkit-cli/src/main.ts' },
  {
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'node',
    external: ['btfkit', /^btfkit\//, /^@btfkit\//],
    banner: { js: '#!/usr/bin/env node' },
  },
);
