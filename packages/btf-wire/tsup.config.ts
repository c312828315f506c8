import { packageBuild } from '../../tooling/tsup.base.ts';

// Split into shared chunks, so the Node entry uses the main entry's error classes (one
// `FormatError`, whichever entry threw it) instead of a bundled copy.
export default packageBuild(
  { index: 'src/index.ts', node: 'src/node/index.ts' },
  { splitting: true },
);
