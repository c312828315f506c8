export {
  listFixtures,
  readFixture,
  readText,
  testdata,
  testSeed,
} from '../../../tooling/test-fixtures.ts';
