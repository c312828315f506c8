import { packageBuild } from '../../tooling/tsup.base.ts';

export default packageBuild({ index: 'src/index.ts' }, { shims: true });
