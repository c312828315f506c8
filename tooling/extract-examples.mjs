// Writes every ```ts block of a Markdown file into its own module, so that `tsc` checks the
// examples users copy: `node tooling/extract-examples.mjs README.md OUT_DIR`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [readme, outDir] = process.argv.slice(2);
const text = readFileSync(readme, 'utf8');
const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
if (blocks.length === 0) {
  console.error(`${readme}: no ts examples`);
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
blocks.forEach((code, i) => {
  writeFileSync(
    join(outDir, `example-${i + 1}.ts`),
    `// From ${readme}, example ${i + 1}.\n${code}export {};\n`,
  );
});
console.log(`${readme}: ${blocks.length} examples into ${outDir}`);
