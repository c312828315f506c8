import { packageBuild } from '../../tooling/tsup.base.ts';

export default packageBuild({
  index: 'src/index.ts',
  browser: 'src/browser.ts',
  wire: 'src/wire.ts',
  'wire-browser': 'src/wire-browser.ts',
  types: 'src/types.ts',
  elf: 'src/elf.ts',
  'co-re': 'src/co-re.ts',
  kernel: 'src/kernel.ts',
});
