import { packageTests } from '../../tooling/vitest.base.ts';

export default packageTests(import.meta.dirname);
