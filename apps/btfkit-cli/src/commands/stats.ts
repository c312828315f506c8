import { UsageError } from '../cli-error.js';
import { basePath, inputPath, rawAsStored, rawBase } from '../input.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const stats: Command = {
  name: 'stats',
  summary: 'types per kind, string table size, largest structs',
  usage: 'btfkit stats [FILE] [--base FILE] [--top N]',
  help: `Counts the types of FILE (default: the running kernel's BTF) per kind, and lists
the largest structs and unions.

  --base FILE   the base BTF of split BTF (only the split part is counted)
  --top N       how many of the largest structs and unions to list (default 10)`,
  options: {
    base: { type: 'string' },
    top: { type: 'string', default: '10' },
  },
  async run({ values, positionals }) {
    if (positionals.length > 1)
      throw new UsageError(`too many arguments: ${positionals.slice(1).join(' ')}`);
    const top = Number(values.top);
    if (!Number.isInteger(top) || top < 0)
      throw new UsageError(`--top takes a whole number, not '${String(values.top)}'`);
    const path = inputPath(positionals[0]);
    const raw = await rawAsStored(
      path,
      await rawBase(basePath(path, values.base as string | undefined)),
    );
    const { BTF_KIND, KIND_NAMES } = await import('btfkit/wire');
    const counts = new Map<number, number>();
    const largest: { id: number; size: number }[] = [];
    const view = raw.reader.view;
    for (let i = 0; i < raw.typeCount; i++) {
      const id = raw.firstTypeID + i;
      const kind = raw.kindOf(id);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) {
        largest.push({ id, size: view.getUint32(raw.offsets[i]! + 8, raw.littleEndian) });
      }
    }
    largest.sort((a, b) => b.size - a.size || a.id - b.id);
    const lines = [
      `file: ${path}`,
      `byte order: ${raw.littleEndian ? 'little' : 'big'}-endian`,
      `types: ${raw.typeCount} (IDs ${raw.firstTypeID}..${raw.nextTypeID - 1})`,
      `type section: ${raw.header.typeLen} bytes`,
      `string table: ${raw.header.strLen} bytes`,
      '',
      'kind          count',
    ];
    for (const [kind, n] of [...counts].sort((a, b) => a[0] - b[0])) {
      lines.push(`${(KIND_NAMES[kind] ?? `kind ${kind}`).padEnd(12)} ${String(n).padStart(7)}`);
    }
    if (top > 0 && largest.length > 0) {
      lines.push('', `largest structs and unions:`);
      for (const { id, size } of largest.slice(0, top)) {
        const kind = raw.kindOf(id) === BTF_KIND.UNION ? 'union' : 'struct';
        const name = raw.name(raw.nameOffOf(id)) || '(anon)';
        lines.push(`${String(size).padStart(9)}  [${id}] ${kind} ${name}`);
      }
    }
    await write(`${lines.join('\n')}\n`);
  },
};
