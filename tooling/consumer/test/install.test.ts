// What a user gets from the registry: every publishable package packed with `pnpm pack` (which
// turns `workspace:` ranges into versions), installed with plain npm into empty projects
// outside the workspace, then imported, required, run, type-checked and bundled for a browser.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../browser-bundle.ts';
import {
  entrySubpaths,
  type Manifest,
  mustRun,
  pnpm,
  publishablePackages,
  readManifest,
  root,
  runAsync,
  specifier,
} from './workspace.ts';

const require = createRequire(import.meta.url);
const sampleGz = join(root, 'testdata/vmlinux/vmlinux.btf.gz');
/** bpftool's raw dump of the sample: the oracle for what the installed code prints. */
const golden = gunzipSync(readFileSync(join(root, 'testdata/vmlinux/vmlinux.raw.golden.gz')));

const published = publishablePackages();
const byName = new Map(published.map((p) => [p.manifest.name, p]));

let scratch: string;
/** Each publishable package's tarball. */
const tarballs = new Map<string, string>();
/** Each tarball's package.json, as packed. */
const packed = new Map<string, Manifest>();

beforeAll(() => {
  // realpath: tmpdir may be a symlink, and "outside the workspace" is about the real path.
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'btfkit-consumer-')));
  const out = join(scratch, 'tarballs');
  for (const { dir, manifest } of published) {
    pnpm(['pack', '--pack-destination', out], join(root, dir));
    const tgz = join(
      out,
      `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
    );
    tarballs.set(manifest.name, tgz);
    packed.set(
      manifest.name,
      JSON.parse(mustRun('tar', ['-xzOf', tgz, 'package/package.json'], scratch)) as Manifest,
    );
  }
  // The raw sample, for the library checks (the command reads the gzipped one itself).
  writeFileSync(join(scratch, 'vmlinux.btf'), gunzipSync(readFileSync(sampleGz)));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** An empty npm project in the scratch folder, outside the workspace. */
function project(name: string, manifest: Record<string, unknown> = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...manifest }));
  return dir;
}

/** `npm install` of tarballs, the way a user installs from the registry. */
function npmInstall(dir: string, ...specs: string[]): void {
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], dir);
}

/**
 * Every package npm installed in `dir`, by name: its lockfile's entries that are on disk (the
 * lockfile also records optional packages for other platforms).
 */
function installedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages)
    .filter((k) => k !== '' && existsSync(join(dir, k, 'package.json')))
    .map((k) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
}

/**
 * The packages `name` needs, itself included: its `dependencies` (and the optional ones that
 * were installed), followed through the manifests installed in `dir`.
 */
function closure(dir: string, name: string): string[] {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    let m: Manifest;
    try {
      m = readManifest(join(dir, 'node_modules', n, 'package.json'));
    } catch {
      continue; // an optional dependency for another platform
    }
    seen.add(n);
    stack.push(...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {}));
  }
  return [...seen].sort();
}

/**
 * A script that loads every entry of `names` both ways (ESM `import`, CJS `require`) and prints
 * each entry's export names per way, as JSON.
 */
function exportNamesBothWays(dir: string, names: string[]): Record<string, [string[], string[]]> {
  const specs = names.flatMap((n) => entrySubpaths(packed.get(n)!).map((s) => specifier(n, s)));
  writeFileSync(
    join(dir, 'entries.mjs'),
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const out = {};
for (const s of ${JSON.stringify(specs)}) {
  out[s] = [Object.keys(await import(s)).filter((k) => k !== 'default').sort(),
            Object.keys(require(s)).sort()];
}
console.log(JSON.stringify(out));
`,
  );
  return JSON.parse(mustRun(process.execPath, ['entries.mjs'], dir));
}

/**
 * Whether an entry is Node-only by design: every entry of the package that holds koffi, and
 * `node` and `kernel` subpaths. Everything else must run in a browser.
 */
function nodeOnly(m: Manifest, subpath: string): boolean {
  return (
    Object.keys(m.dependencies ?? {}).includes('koffi') || /(^|\/)(node|kernel)$/.test(subpath)
  );
}

describe('packed tarballs', () => {
  it('name real versions for every internal dependency (no workspace: range)', () => {
    expect(packed.size).toBeGreaterThan(0);
    for (const [name, m] of packed) {
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        for (const [dep, range] of Object.entries(m[field] ?? {})) {
          expect(range, `${name} ${field} ${dep}`).not.toMatch(/^workspace:/);
          const internal = byName.get(dep);
          if (internal) expect(range, `${name} → ${dep}`).toBe(`^${internal.manifest.version}`);
        }
      }
      // A private package would be a dependency nobody can install.
      for (const dep of Object.keys(m.dependencies ?? {})) {
        if (dep === 'btfkit' || dep.startsWith('@btfkit/')) expect(byName.has(dep), dep).toBe(true);
      }
    }
  });
});

describe('@btfkit/wire installed alone', () => {
  let dir: string;
  beforeAll(() => {
    dir = project('wire-only');
    npmInstall(dir, tarballs.get('@btfkit/wire')!);
  });

  it('is exactly one package, outside the workspace', () => {
    expect(relative(root, dir).startsWith('..')).toBe(true);
    expect(installedPackages(dir)).toEqual(['@btfkit/wire']);
  });

  it('loads from ESM import and CJS require with the same exports', () => {
    const both = exportNamesBothWays(dir, ['@btfkit/wire']);
    for (const [spec, [esm, cjs]] of Object.entries(both)) {
      expect(esm.length, spec).toBeGreaterThan(0);
      expect(cjs, spec).toEqual(esm);
    }
  });

  it('dumps the sample as bpftool does, from ESM and from CJS', () => {
    const code = (load: string) =>
      `${load}
const raw = RawBtf.parse(readFileSync(${JSON.stringify(join(scratch, 'vmlinux.btf'))}));
process.stdout.write(rawDump(raw));`;
    const esm = mustRun(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        code(
          "import { readFileSync } from 'node:fs'; import { RawBtf, rawDump } from '@btfkit/wire';",
        ),
      ],
      dir,
    );
    const cjs = mustRun(
      process.execPath,
      [
        '-e',
        code(
          "const { readFileSync } = require('node:fs'); const { RawBtf, rawDump } = require('@btfkit/wire');",
        ),
      ],
      dir,
    );
    expect(esm === golden.toString()).toBe(true);
    expect(cjs === golden.toString()).toBe(true);
  });
});

describe('btfkit installed alone', () => {
  let dir: string;
  beforeAll(() => {
    // The other layers are not in a registry yet: npm takes them from their tarballs through
    // `overrides`, exactly where it would otherwise fetch them.
    const overrides = Object.fromEntries(
      [...tarballs].filter(([n]) => n !== 'btfkit').map(([n, tgz]) => [n, `file:${tgz}`]),
    );
    dir = project('btfkit-only', { overrides });
    npmInstall(dir, tarballs.get('btfkit')!);
  });

  it('pulls the layers it needs and nothing else', () => {
    const manifest = readManifest(join(dir, 'package.json'));
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['btfkit']);
    const installed = installedPackages(dir);
    expect(installed).toEqual(closure(dir, 'btfkit'));
    const internal = installed.filter((n) => byName.has(n));
    // Every layer under the facade is there, each as packed.
    const layers = Object.keys(packed.get('btfkit')!.dependencies ?? {}).filter((n) =>
      byName.has(n),
    );
    expect(layers.length).toBeGreaterThan(0);
    for (const n of layers) expect(internal).toContain(n);
    for (const n of internal) {
      expect(readManifest(join(dir, 'node_modules', n, 'package.json')).version).toBe(
        byName.get(n)!.manifest.version,
      );
    }
  });

  it('loads every entry of every installed layer from ESM import and CJS require', () => {
    const internal = installedPackages(dir).filter((n) => byName.has(n));
    const both = exportNamesBothWays(dir, internal);
    expect(Object.keys(both)).toContain('btfkit');
    for (const [spec, [esm, cjs]] of Object.entries(both)) {
      expect(esm.length, spec).toBeGreaterThan(0);
      expect(cjs, spec).toEqual(esm);
    }
  });

  it('loads a file and looks task_struct up, from ESM and from CJS', () => {
    // bpftool's dump names task_struct's ID and size: the installed facade must agree.
    const line = /^\[(\d+)\] STRUCT 'task_struct' size=(\d+) /m.exec(golden.toString());
    expect(line).not.toBeNull();
    const code = `const spec = loadSpec(${JSON.stringify(join(scratch, 'vmlinux.btf'))});
const t = spec.typeByName('task_struct', 'struct');
console.log(JSON.stringify([spec.typeID(t), t.size, spec.anyTypesByName('task_struct').length]));`;
    const esm = mustRun(
      process.execPath,
      ['--input-type=module', '-e', `import { loadSpec } from 'btfkit';\n${code}`],
      dir,
    );
    const cjs = mustRun(
      process.execPath,
      ['-e', `const { loadSpec } = require('btfkit');\n${code}`],
      dir,
    );
    const want = [Number(line![1]), Number(line![2]), 1];
    expect(JSON.parse(esm)).toEqual(want);
    expect(JSON.parse(cjs)).toEqual(want);
  });

  it('gives the btfkit command, which dumps the bundled sample as bpftool does', () => {
    const bins = Object.keys(packed.get('btfkit')!.bin ?? {});
    expect(bins).toEqual(['btfkit']);
    const out = mustRun(join(dir, 'node_modules/.bin/btfkit'), ['dump', sampleGz], dir);
    expect(out === golden.toString()).toBe(true);
  });

  it('TypeScript resolves every entry under moduleResolution node16 and bundler', async () => {
    const internal = installedPackages(dir).filter((n) => byName.has(n));
    const specs = internal.flatMap((n) =>
      entrySubpaths(packed.get(n)!).map((s) => specifier(n, s)),
    );
    const browserSpecs = internal.flatMap((n) =>
      entrySubpaths(packed.get(n)!)
        .filter((s) => !nodeOnly(packed.get(n)!, s))
        .map((s) => specifier(n, s)),
    );
    // A Node project has @types/node (the Node entries name Node's types); a browser project
    // does not, so the browser entries are checked without it too.
    const ts = join(dir, 'ts');
    mkdirSync(ts);
    writeFileSync(join(ts, 'package.json'), JSON.stringify({ name: 'ts', private: true }));
    const typesNode = readManifest(join(root, 'package.json')).devDependencies!['@types/node']!;
    npmInstall(ts, `@types/node@${typesNode}`);
    const source = (list: string[]) =>
      `${list.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}
export const entries = [${list.map((_, i) => `m${i}`).join(', ')}];
`;
    // node16: an .mts file resolves the `import` condition, a .cts file the `require` one.
    writeFileSync(join(ts, 'esm.mts'), source(specs));
    writeFileSync(join(ts, 'cjs.cts'), source(specs));
    writeFileSync(join(ts, 'bundler.ts'), source(specs));
    writeFileSync(join(ts, 'browser.ts'), source(browserSpecs));
    const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022' };
    const configs = {
      'tsconfig.node16.json': {
        compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16', types: ['node'] },
        files: ['esm.mts', 'cjs.cts'],
      },
      'tsconfig.bundler.json': {
        compilerOptions: {
          ...base,
          module: 'esnext',
          moduleResolution: 'bundler',
          types: ['node'],
        },
        files: ['bundler.ts'],
      },
      'tsconfig.browser.json': {
        compilerOptions: {
          ...base,
          module: 'esnext',
          moduleResolution: 'bundler',
          customConditions: ['browser'],
          lib: ['es2022', 'dom'],
          types: [],
        },
        files: ['browser.ts'],
      },
    };
    const tsc = require.resolve('typescript/bin/tsc');
    for (const [file, config] of Object.entries(configs)) {
      writeFileSync(join(ts, file), JSON.stringify(config));
    }
    // Each type-checks (lib checks included), then lists the files it read; side by side.
    const outputs = await Promise.all(
      Object.keys(configs).map((file) =>
        runAsync(process.execPath, [tsc, '-p', file, '--listFiles'], ts),
      ),
    );
    for (const [k, file] of Object.keys(configs).entries()) {
      const r = outputs[k]!;
      expect(r.status, `${file}:\n${r.stdout}\n${r.stderr}`).toBe(0);
      const listed = r.stdout;
      // Every entry's declarations come from the installed packages.
      const checked = file.includes('browser')
        ? internal.filter((n) => browserSpecs.some((s) => s === n || s.startsWith(`${n}/`)))
        : internal;
      for (const n of checked) {
        expect(listed, `${file}: ${n}`).toContain(`/btfkit-only/node_modules/${n}/dist/`);
      }
    }
  });

  it('browser entries bundle for platform browser with no Node built-in', async () => {
    const internal = installedPackages(dir).filter((n) => byName.has(n));
    let bundled = 0;
    for (const n of internal) {
      const m = packed.get(n)!;
      for (const s of entrySubpaths(m)) {
        const spec = specifier(n, s);
        const source = `import * as m from '${spec}';\nconsole.log(m);\n`;
        if (nodeOnly(m, s)) {
          // The check can fail: a Node-only entry is refused.
          await expect(bundleForBrowser(source, dir), spec).rejects.toThrow();
          continue;
        }
        const { inputs } = await bundleForBrowser(source, dir);
        expect(
          inputs.filter((i) => i.startsWith('node:')),
          spec,
        ).toEqual([]);
        expect(
          inputs.some((i) => i.includes(`node_modules/${n}/`)),
          spec,
        ).toBe(true);
        bundled++;
      }
    }
    expect(bundled).toBeGreaterThan(0);
  });
});
