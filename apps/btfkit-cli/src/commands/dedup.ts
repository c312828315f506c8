import type { DedupSource } from 'btfkit/types';
import { UsageError } from '../cli-error.js';
import { btfAsStored } from '../input.js';
import { writeFileAtomic } from '../output.js';
import type { Command } from './command.js';

export const dedup: Command = {
  name: 'dedup',
  summary: "append BTF blobs and deduplicate them as libbpf's btf__dedup does",
  usage: 'btfkit dedup IN... [--base FILE] -o OUT',
  help: `Appends every IN (raw BTF, or an ELF object's .BTF section as stored) in order, as
libbpf's btf__add_btf does, deduplicates the result as btf__dedup does and writes the raw
BTF to OUT: the same bytes libbpf 1.1 writes. Prints 'N types in, M out' to stderr.

  -o, --output OUT   where to write (required); written atomically
  --base FILE        deduplicate against this base: types equal to a base type resolve to
                     it and OUT is split BTF over FILE. A raw IN is then split BTF over
                     FILE (a kernel module's); an ELF object's BTF is appended after it`,
  options: {
    output: { type: 'string', short: 'o' },
    base: { type: 'string' },
  },
  async run({ values, positionals }) {
    if (positionals.length === 0) throw new UsageError(`missing IN\nusage: ${dedup.usage}`);
    const out = values.output as string | undefined;
    if (out === undefined) throw new UsageError(`missing -o OUT\nusage: ${dedup.usage}`);
    const baseFile = values.base as string | undefined;
    const { dedupBtf, Spec } = await import('btfkit/types');
    const base = baseFile === undefined ? undefined : (await btfAsStored(baseFile)).bytes;
    const sources: DedupSource[] = [];
    for (const path of positionals) {
      const { bytes, elf } = await btfAsStored(path);
      // An object's BTF stands alone: with a base it is appended, not read as split BTF.
      sources.push(base !== undefined && elf ? Spec.parse(bytes) : bytes);
    }
    const r = dedupBtf(sources, base === undefined ? {} : { base });
    writeFileAtomic(out, r.btf);
    console.error(`${r.typesIn} types in, ${r.typesOut} out`);
  },
};
