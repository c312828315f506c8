import type { DiffMember, SpecDiff } from 'btfkit/types';
import { UsageError } from '../cli-error.js';
import { basePath, loadSpecAt } from '../input.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const diff: Command = {
  name: 'diff',
  summary: 'compare two BTF files by type name; exit 1 when they differ',
  usage: 'btfkit diff OLD NEW [--type NAME]... [--json] [--base FILE]',
  help: `Compares the named types of OLD and NEW (raw BTF, gzipped BTF or ELF files) by kind and
name: types added, removed and changed; for a changed struct or union, its members added,
removed, moved (other offset) and retyped, with old and new offsets (bytes, ':bit' for
bitfields). Referenced named types are compared by name only: a change is listed once,
at the type where it was made. Exit status 0 when nothing differs, 1 when something does.

  --type NAME   compare only types called NAME (repeatable)
  --json        print the comparison as JSON (the SpecDiff of btfkit's diffSpecs)
  --base FILE   the base BTF of both files when they are split BTF`,
  options: {
    type: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    base: { type: 'string' },
  },
  async run({ values, positionals }) {
    const [oldFile, newFile, ...extra] = positionals;
    if (oldFile === undefined || newFile === undefined) {
      throw new UsageError(`missing OLD or NEW\nusage: ${diff.usage}`);
    }
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const baseFile = values.base as string | undefined;
    const load = async (path: string) => {
      const b = basePath(path, baseFile);
      return loadSpecAt(path, b === undefined ? undefined : await loadSpecAt(b));
    };
    const [before, after] = [await load(oldFile), await load(newFile)];
    const { diffSpecs, isEmptyDiff } = await import('btfkit/types');
    const names = values.type as string[] | undefined;
    const d = diffSpecs(before, after, names ? { names } : {});
    await write(values.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(d));
    return isEmptyDiff(d) ? 0 : 1;
  },
};

/** A member's offset as pahole shows it: bytes, then `:bit` for a bitfield. */
function where(m: DiffMember): string {
  const byte = Math.floor(m.bitOffset / 8);
  return m.bitfieldSize || m.bitOffset % 8 ? `${byte}:${m.bitOffset % 8}` : `${byte}`;
}

function typeOf(m: DiffMember): string {
  return m.bitfieldSize ? `${m.type}:${m.bitfieldSize}` : m.type;
}

/** The comparison as text: `+`, `-` and `~` lines, then a count. */
export function formatDiff(d: SpecDiff): string {
  const out: string[] = [];
  for (const t of d.removed) out.push(`- ${t.kind} ${t.name} [${t.id}]`);
  for (const t of d.added) out.push(`+ ${t.kind} ${t.name} [${t.id}]`);
  for (const c of d.changed) {
    out.push(`~ ${c.kind} ${c.name} [${c.oldId} -> ${c.newId}]`);
    for (const line of c.details) out.push(`    ${line}`);
    for (const m of c.members) {
      if (m.old === undefined && m.new) {
        out.push(`    + ${m.name}: ${typeOf(m.new)} at ${where(m.new)}`);
      } else if (m.new === undefined && m.old) {
        out.push(`    - ${m.name}: ${typeOf(m.old)} at ${where(m.old)}`);
      } else if (m.old && m.new) {
        const parts: string[] = [];
        if (m.changes.includes('moved')) parts.push(`moved ${where(m.old)} -> ${where(m.new)}`);
        if (m.changes.includes('retyped')) {
          parts.push(`retyped ${typeOf(m.old)} -> ${typeOf(m.new)}`);
        }
        out.push(`    ~ ${m.name}: ${parts.join(', ')}`);
      }
    }
  }
  out.push(`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`);
  return `${out.join('\n')}\n`;
}
