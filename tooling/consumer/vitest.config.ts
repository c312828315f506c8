import { packageTests } from '../vitest.base.ts';

export default packageTests(import.meta.dirname);
