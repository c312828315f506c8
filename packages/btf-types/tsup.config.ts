import { packageBuild } from '../../tooling/tsup.base.ts';

// The model types' `@internal` fields (a decoded type's unresolved children, its decoder and
// ID) stay out of the published declarations.
export default packageBuild(
  { index: 'src/index.ts' },
  { dts: { compilerOptions: { stripInternal: true } } },
);
