// Test helpers for generated TypeScript (btfkit gen ts): type-check it the way a user's
// strict project would, and load it as a module. Imported by tests only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The compiler options generated modules must pass: the house strict settings. */
export const STRICT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  lib: ['lib.es2022.d.ts'],
  types: [],
  noEmit: true,
  skipLibCheck: true,
};

/**
 * Type-checks in-memory modules (file name to source) with {@link STRICT_OPTIONS}; returns
 * the diagnostics as `file(line,col): message` lines, empty when it type-checks.
 */
export function typecheck(files: Readonly<Record<string, string>>): string[] {
  const host = ts.createCompilerHost(STRICT_OPTIONS);
  const names = Object.keys(files).map((f) => join('/virtual', f));
  const byPath = new Map(names.map((n, i) => [n, files[Object.keys(files)[i]!]!]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = byPath.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, lang, true);
    return getSourceFile(name, lang, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => byPath.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => byPath.get(name) ?? readFile(name);
  const program = ts.createProgram(names, STRICT_OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return msg;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}(${line + 1},${character + 1}): ${msg}`;
  });
}

let dir: string | undefined;
let count = 0;

/** Transpiles a generated module (types dropped) and imports it. */
export async function importTs(source: string): Promise<Record<string, unknown>> {
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  // A file rather than a data: URL, so that stack traces name lines of something readable.
  dir ??= mkdtempSync(join(tmpdir(), 'btfkit-gen-ts-'));
  const path = join(dir, `m${count++}.mjs`);
  writeFileSync(path, js);
  return import(pathToFileURL(path).href);
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `source` as the repository's Biome setup formats a TypeScript file. */
export function biomeFormat(source: string): string {
  const r = spawnSync(
    join(repo, 'node_modules/.bin/biome'),
    ['format', '--stdin-file-path=generated.ts'],
    { input: source, encoding: 'utf8', cwd: repo, maxBuffer: 1 << 28 },
  );
  if (r.status !== 0) throw new Error(`biome format: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
