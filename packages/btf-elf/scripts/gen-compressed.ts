/**
 * Writes testdata/<name>-<order>.zstd.o for every fixture object: the same object with its
 * .BTF and .BTF.ext sections stored SHF_COMPRESSED with zstd. Node 20 has no zstd, so this
 * uses the `zstd` command; the tests only read the results. Run by regen-testdata.sh.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ElfFile } from '@btfkit/elf';
import { cloneElf } from '../test/elf-writer.js';

// The bundle runs from a temporary folder, so the package folder comes as an argument.
const pkg = resolve(process.argv[2] ?? '.');
const objects = resolve(pkg, '../../testdata/objects');
const out = join(pkg, 'testdata');
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith('.zstd.o')) rmSync(join(out, f));

const zstd = (data: Uint8Array) =>
  new Uint8Array(execFileSync('zstd', ['-19', '-q', '-c', '--no-check'], { input: data }));

for (const f of readdirSync(objects)
  .filter((n) => /-e[lb]\.o$/.test(n))
  .sort()) {
  const elf = ElfFile.open(new Uint8Array(readFileSync(join(objects, f))));
  const compress: Record<string, { type: 'zstd'; payload: Uint8Array }> = {};
  for (const name of ['.BTF', '.BTF.ext']) {
    const s = elf.section(name);
    if (s) compress[name] = { type: 'zstd', payload: zstd(elf.sectionData(s)) };
  }
  const target = join(out, f.replace(/\.o$/, '.zstd.o'));
  writeFileSync(target, cloneElf(elf, { compress }));
  console.log(`gen-compressed: ${target}`);
}
