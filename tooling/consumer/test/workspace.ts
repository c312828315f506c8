// The workspace as a user never sees it: which packages it publishes, how to pack them, and
// the plain npm a user installs them with.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fields of a package.json these tests read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly bin?: Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** A workspace package: its folder (relative to the root) and its manifest. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Reads a package.json. */
export function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/** Every package the workspace holds, from the globs in pnpm-workspace.yaml. */
export function workspacePackages(): WorkspacePackage[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^ {2}- (\S+)$/gm)].map((m) => m[1]!);
  const dirs: string[] = [];
  for (const g of globs) {
    if (g.endsWith('/*')) {
      const parent = g.slice(0, -2);
      for (const d of readdirSync(join(root, parent)).sort()) dirs.push(`${parent}/${d}`);
    } else {
      dirs.push(g);
    }
  }
  return dirs
    .filter((d) => existsSync(join(root, d, 'package.json')))
    .map((dir) => ({ dir, manifest: readManifest(join(root, dir, 'package.json')) }));
}

/** The packages a release publishes: every workspace package not marked private. */
export function publishablePackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => p.manifest.private !== true);
}

/** The subpaths of a package's `exports` map that name code (not `./package.json`). */
export function entrySubpaths(m: Manifest): string[] {
  return Object.keys(m.exports ?? { '.': null }).filter((s) => !s.endsWith('.json'));
}

/** `name` plus a subpath: the module specifier a user imports. */
export function specifier(name: string, subpath: string): string {
  return subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
}

/** What a child process did. */
export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment for a plain npm or node child: the caller's, minus everything npm or pnpm
 * put there for this run (`npm_config_*` and friends), which would configure the child's npm.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs `cmd args` in `cwd` to completion; never throws. */
export function run(cmd: string, args: string[], cwd: string, env = cleanEnv()): Run {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const stderr = r.error ? `${r.stderr ?? ''}${r.error.message}` : r.stderr;
  return { status: r.status, stdout: r.stdout ?? '', stderr };
}

/** {@link run} without blocking, so several children can run side by side. */
export function runAsync(cmd: string, args: string[], cwd: string, env = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) =>
      resolve({ status: null, stdout, stderr: `${stderr}${err.message}` }),
    );
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** {@link run}, throwing with its output when it exits non-zero. */
export function mustRun(cmd: string, args: string[], cwd: string, env = cleanEnv()): string {
  const r = run(cmd, args, cwd, env);
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

/**
 * Runs pnpm: the one running this test when there is one (`npm_execpath`), else the first on
 * PATH.
 */
export function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    if (/\.[cm]?js$/.test(execPath)) {
      return mustRun(process.execPath, [execPath, ...args], cwd, process.env);
    }
    return mustRun(execPath, args, cwd, process.env);
  }
  return mustRun('pnpm', args, cwd, process.env);
}
