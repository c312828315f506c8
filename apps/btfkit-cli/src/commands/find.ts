import type { Spec, Type } from 'btfkit';
import { UsageError } from '../cli-error.js';
import { loadInput } from '../input.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const find: Command = {
  name: 'find',
  summary: 'show every type of a name (essential names too), pahole style',
  usage: 'btfkit find NAME [FILE] [--base FILE]',
  help: `Shows every type called NAME in FILE (default: the running kernel's BTF), also those
whose essential name is NAME (a '___flavor' suffix stripped): ID, kind, size, and for
structs and unions every member with its byte offset and size, as pahole shows them.
Exit status 1 when nothing has that name.

  --base FILE   the base BTF of split BTF`,
  options: { base: { type: 'string' } },
  async run({ values, positionals }) {
    const [name, file, ...extra] = positionals;
    if (name === undefined) throw new UsageError(`missing NAME\nusage: ${find.usage}`);
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const spec = await loadInput(file, values.base as string | undefined);
    const { cDeclaration, sizeof } = await import('btfkit/types');
    const found = spec.anyTypesByEssentialName(name);
    const blocks = found.map((t) => describe(spec, t, { sizeof, declare: cDeclaration }));
    await write(`${blocks.join('\n')}`);
  },
};

type Sizeof = (t: Type) => number;

/** What `describe` needs from btfkit/types, which is loaded lazily. */
interface Lib {
  readonly sizeof: Sizeof;
  readonly declare: (type: Type, name: string) => string;
}

function sizeOrUnknown(t: Type, sizeof: Sizeof): string {
  try {
    return String(sizeof(t));
  } catch {
    return '?';
  }
}

function describe(spec: Spec, t: Type, { sizeof, declare }: Lib): string {
  const id = spec.typeID(t);
  const head = `[${id}] ${t.kind.toUpperCase()} '${t.name}'`;
  switch (t.kind) {
    case 'struct':
    case 'union': {
      const lines = [`${head} size=${t.size} members=${t.members.length}`, `${t.kind} ${t.name} {`];
      const decls = t.members.map((m) => {
        const d = `${declare(m.type, m.name)}${m.bitfieldSize ? `:${m.bitfieldSize}` : ''};`;
        const byte = Math.floor(m.bitOffset / 8);
        const where = m.bitfieldSize ? `${byte}:${m.bitOffset % 8}` : `${byte}`;
        const size = m.bitfieldSize ? `${m.bitfieldSize}b` : sizeOrUnknown(m.type, sizeof);
        return [d, where, size] as const;
      });
      const width = Math.min(60, Math.max(0, ...decls.map(([d]) => d.length)));
      for (const [d, where, size] of decls) {
        lines.push(`\t${d.padEnd(width)} /* ${where.padStart(6)} ${size.padStart(5)} */`);
      }
      lines.push(`}; /* size: ${t.size} */`);
      return `${lines.join('\n')}\n`;
    }
    case 'enum': {
      const lines = [
        `${head} size=${t.size} values=${t.values.length}${t.signed ? ' signed' : ''}`,
      ];
      for (const v of t.values) lines.push(`\t${v.name} = ${v.value}`);
      return `${lines.join('\n')}\n`;
    }
    case 'typedef':
      return `${head} size=${sizeOrUnknown(t, sizeof)}\ntypedef ${declare(t.type, t.name)};\n`;
    case 'func':
      return `${head} linkage=${t.linkage}\n${declare(t.type, t.name)};\n`;
    case 'var':
      return `${head} size=${sizeOrUnknown(t.type, sizeof)} linkage=${t.linkage}\n${declare(t.type, t.name)};\n`;
    case 'datasec': {
      const lines = [`${head} size=${t.size} vars=${t.vars.length}`];
      for (const v of t.vars) lines.push(`\t${v.type.name} offset=${v.offset} size=${v.size}`);
      return `${lines.join('\n')}\n`;
    }
    default:
      return `${head} size=${sizeOrUnknown(t, sizeof)}\n`;
  }
}
