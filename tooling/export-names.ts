import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The exported names of a package's built entries, one per line under a `## subpath`
 * heading, each marked `value` (exists at run time) or `type` (type-only). Type names come
 * from the TypeScript checker over the entry's `.d.ts`, so `export *` across packages is
 * followed; the value names are then checked against the module's real run-time exports.
 * Each package commits the result (`test/exports.api.txt`), so an API change is a diff.
 * @param packageDir - the package's directory (with `package.json` and a built `dist/`)
 * @param modules - each subpath's module as imported by name (`'.'`, `'./node'`, ...)
 * @throws Error when the run-time exports disagree with the declarations
 */
export function exportNames(packageDir: string, modules: Record<string, object>): string {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports: Record<string, { import: { types: string } }>;
  };
  const entries = Object.keys(modules).map((sub) => {
    const types = pkg.exports[sub]?.import.types;
    if (!types) throw new Error(`${packageDir}: no import types for ${sub}`);
    return join(packageDir, types);
  });
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out: string[] = [];
  Object.entries(modules).forEach(([sub, mod], i) => {
    const file = program.getSourceFile(entries[i] as string);
    const symbol = file && checker.getSymbolAtLocation(file);
    if (!symbol) throw new Error(`${entries[i]}: not a module`);
    const lines: string[] = [];
    const values: string[] = [];
    for (const e of checker.getExportsOfModule(symbol)) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
      if (isValue) values.push(e.name);
      lines.push(`${isValue ? 'value' : 'type '} ${e.name}`);
    }
    const runtime = Object.keys(mod)
      .filter((k) => k !== 'default' && k !== 'module.exports')
      .sort();
    values.sort();
    if (runtime.join() !== values.join()) {
      const missing = values.filter((v) => !runtime.includes(v));
      const extra = runtime.filter((v) => !values.includes(v));
      throw new Error(
        `${sub}: run-time exports differ from the declarations: declared only ${missing.join(', ') || '-'}; at run time only ${extra.join(', ') || '-'}`,
      );
    }
    lines.sort((a, b) => (a.slice(6) < b.slice(6) ? -1 : a.slice(6) > b.slice(6) ? 1 : 0));
    out.push(`## ${sub}`, ...lines, '');
  });
  return out.join('\n');
}
