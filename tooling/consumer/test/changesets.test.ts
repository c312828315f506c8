// `changeset version` on a scratch copy of the workspace's manifests and changesets: packages
// version independently, only the ones a changeset names move, and a dependency that leaves a
// dependent's range bumps the dependent too (its `workspace:^` range then packs as the new
// version, which install.test.ts checks).
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Manifest, mustRun, readManifest, root, workspacePackages } from './workspace.ts';

const packages = workspacePackages();
const names = new Set(packages.map((p) => p.manifest.name));
const changesetBin = join(root, 'node_modules/.bin/changeset');
const scratches: string[] = [];

afterAll(() => {
  for (const s of scratches) rmSync(s, { recursive: true, force: true });
});

/**
 * A scratch copy of what `changeset version` reads: the root manifest, the workspace globs,
 * `.changeset/` and every package's manifest, with versions from `versionOf` (the released
 * state to start from). Pending changesets are copied only when `keepChangesets` is set.
 */
function scratchCopy(versionOf: (m: Manifest) => string, keepChangesets: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-changesets-'));
  scratches.push(dir);
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'pnpm-workspace.yaml'), join(dir, 'pnpm-workspace.yaml'));
  mkdirSync(join(dir, '.changeset'));
  for (const f of readdirSync(join(root, '.changeset'))) {
    if (f === 'config.json' || (keepChangesets && f.endsWith('.md') && f !== 'README.md')) {
      cpSync(join(root, '.changeset', f), join(dir, '.changeset', f));
    }
  }
  for (const { dir: d, manifest } of packages) {
    mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(
      join(dir, d, 'package.json'),
      `${JSON.stringify({ ...manifest, version: versionOf(manifest) }, null, 2)}\n`,
    );
  }
  // The changelog generator the config names resolves from here.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Writes a changeset bumping `bumps` (package name → patch, minor or major). */
function addChangeset(dir: string, file: string, bumps: Record<string, string>): void {
  const lines = Object.entries(bumps).map(([n, b]) => `"${n}": ${b}`);
  writeFileSync(join(dir, '.changeset', file), `---\n${lines.join('\n')}\n---\n\nA change.\n`);
}

/** Every package's version in the scratch copy after `changeset version`. */
function versionAll(dir: string): Map<string, string> {
  mustRun(changesetBin, ['version'], dir);
  return new Map(
    packages.map(({ dir: d }) => {
      const m = readManifest(join(dir, d, 'package.json'));
      return [m.name, m.version];
    }),
  );
}

/** Distinct released versions, one per package, so independent versioning shows. */
const released = (m: Manifest) => `1.${[...names].indexOf(m.name)}.0`;

/** `version` with its `part` (0 major, 1 minor, 2 patch) bumped. */
function bump(version: string, part: 0 | 1 | 2): string {
  const v = version.split('.').map(Number);
  v[part]! += 1;
  for (let i = part + 1; i < 3; i++) v[i] = 0;
  return v.join('.');
}

describe('changeset version', () => {
  it('bumps only the packages a changeset names, each on its own version', () => {
    const [first, second] = packages.filter((p) => p.manifest.private !== true);
    expect(second).toBeDefined();
    const dir = scratchCopy(released, false);
    addChangeset(dir, 'one.md', {
      [first!.manifest.name]: 'patch',
      [second!.manifest.name]: 'minor',
    });
    const after = versionAll(dir);
    for (const { manifest } of packages) {
      const before = released(manifest);
      const want =
        manifest.name === first!.manifest.name
          ? bump(before, 2)
          : manifest.name === second!.manifest.name
            ? bump(before, 1)
            : before;
      expect(after.get(manifest.name), manifest.name).toBe(want);
    }
    // Only the named packages get a changelog entry; the changeset is consumed.
    for (const { dir: d, manifest } of packages) {
      const named =
        manifest.name === first!.manifest.name || manifest.name === second!.manifest.name;
      expect(existsSync(join(dir, d, 'CHANGELOG.md')), manifest.name).toBe(named);
    }
    expect(existsSync(join(dir, '.changeset', 'one.md'))).toBe(false);
  });

  it('bumps a dependent whose range the new version leaves, and keeps its workspace range', () => {
    const base = packages.find((p) => p.manifest.name === '@btfkit/wire')!;
    const dir = scratchCopy(released, false);
    addChangeset(dir, 'major.md', { [base.manifest.name]: 'major' });
    const after = versionAll(dir);
    for (const { dir: d, manifest } of packages) {
      const range = manifest.dependencies?.[base.manifest.name];
      const want =
        manifest.name === base.manifest.name
          ? bump(released(manifest), 0)
          : range !== undefined && range !== 'workspace:*'
            ? bump(released(manifest), 2)
            : released(manifest);
      expect(after.get(manifest.name), manifest.name).toBe(want);
      const now = readManifest(join(dir, d, 'package.json'));
      expect(now.dependencies?.[base.manifest.name]).toBe(range);
    }
  });

  it("takes the repository's pending changesets: each names a workspace package", () => {
    const pending = readdirSync(join(root, '.changeset')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    );
    const named = new Set<string>();
    for (const f of pending) {
      const text = readFileSync(join(root, '.changeset', f), 'utf8');
      const front = /^---\n([\s\S]*?)\n---/.exec(text);
      expect(front, f).not.toBeNull();
      for (const m of front![1]!.matchAll(/^["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/gm)) {
        expect(names.has(m[1]!), `${f} names ${m[1]}`).toBe(true);
        named.add(m[1]!);
      }
    }
    const dir = scratchCopy((m) => m.version, true);
    const after = versionAll(dir);
    for (const n of named) {
      const before = packages.find((p) => p.manifest.name === n)!.manifest.version;
      expect(after.get(n), n).not.toBe(before);
    }
  });
});
