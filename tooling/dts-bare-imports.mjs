// Removes bare `import 'x';` lines from the declaration files in a folder (default: dist).
// tsup bundles every entry's declarations in one rollup build, and rollup hoists the imports
// of the chunks an entry uses into the entry itself; in a declaration file such a line does
// nothing but make TypeScript load x's types. btfkit's browser entry got `@btfkit/kernel` and
// `@btfkit/wire/node` that way, which a browser project (no @types/node) cannot type-check.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'dist';
for (const f of readdirSync(dir)) {
  if (!/\.d\.c?ts$/.test(f)) continue;
  const path = join(dir, f);
  const text = readFileSync(path, 'utf8');
  const out = text.replace(/^import ['"][^'"]+['"];\n/gm, '');
  if (out !== text) writeFileSync(path, out);
}
