// The API reference: one TypeDoc site for every publishable package (`pnpm docs`, output in
// docs/api). Entry points come from each package's `exports` map, and every package name
// resolves to its source, so TypeDoc reads one program: links across packages resolve and the
// facade's re-exports point at the layer that declares them. Fails on an export without
// TSDoc, a {@link} that does not resolve, or any other warning.
import { join, relative, resolve } from 'node:path';
import { packageEntries } from './package-entries.mjs';

const root = resolve(import.meta.dirname, '..');
const entries = packageEntries();

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'btfkit',
  entryPoints: entries.map((e) => e.source),
  tsconfig: join(root, 'tooling/tsconfig.docs.json'),
  compilerOptions: {
    baseUrl: root,
    paths: Object.fromEntries(entries.map((e) => [e.specifier, [relative(root, e.source)]])),
  },
  plugin: [join(root, 'tooling/typedoc-package-names.mjs')],
  readme: 'none',
  out: join(root, 'docs/api'),
  // Source links need a hosted git remote; a clone without one (CI's, a fork's) would warn.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  packagesRequiringDocumentation: [...new Set(entries.map((e) => e.packageName))],
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true },
  treatValidationWarningsAsErrors: true,
  treatWarningsAsErrors: true,
};
