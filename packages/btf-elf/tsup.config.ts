import { packageBuild } from '../../tooling/tsup.base';

// Split into shared chunks, so the Node entry's loaders return the main entry's `ElfFile`
// instead of a bundled copy.
export default packageBuild(
  { index: 'src/index.ts', node: 'src/node/index.ts' },
  { splitting: true },
);
