// Which source file each public entry of each publishable package is built from: the
// `exports` map names dist/X.js, and the package's tsup.config.ts names the source of entry X.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The file an `exports` target gives Node's `import` (not a browser's, not the types). */
function nodeImport(target) {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object') return undefined;
  for (const condition of ['node', 'import', 'default']) {
    if (condition in target) return nodeImport(target[condition]);
  }
  return undefined;
}

/**
 * Every publishable package's entries, as `{ packageName, specifier, source }` (the package,
 * the module specifier users import, the absolute path of its TypeScript source).
 * @throws Error when an export names no dist/X.js or tsup.config.ts has no entry X
 */
export function packageEntries() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    for (const d of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, d);
      let m;
      try {
        m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (m.private) continue;
      const tsup = readFileSync(join(dir, 'tsup.config.ts'), 'utf8');
      const block = /packageBuild\(\s*\{([^}]*)\}/.exec(tsup)?.[1] ?? '';
      const sources = Object.fromEntries(
        [...block.matchAll(/['"]?([\w-]+)['"]?\s*:\s*['"]([^'"]+)['"]/g)].map((e) => [e[1], e[2]]),
      );
      for (const [subpath, target] of Object.entries(m.exports ?? {})) {
        if (subpath.endsWith('.json')) continue;
        const specifier = subpath === '.' ? m.name : `${m.name}/${subpath.slice(2)}`;
        const js = /^\.\/dist\/([\w-]+)\.js$/.exec(nodeImport(target) ?? '')?.[1];
        const source = js && sources[js];
        if (!source) throw new Error(`docs: ${specifier}: no tsup entry builds its dist file`);
        out.push({ packageName: m.name, specifier, source: join(dir, source) });
      }
    }
  }
  return out;
}
