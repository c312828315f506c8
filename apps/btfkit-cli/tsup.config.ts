import { packageBuild } from '../../tooling/tsup.base.ts';

export default packageBuild(
  { main: 'src/main.ts' },
  { format: ['esm'], dts: false, platform: 'node', banner: { js: '#!/usr/bin/env node' } },
);
