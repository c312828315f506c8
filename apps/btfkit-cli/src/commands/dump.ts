import type { RawBtf } from 'btfkit/wire';
import { UsageError } from '../cli-error.js';
import { basePath, inputPath, loadSpecAt, rawAsStored, rawBase } from '../input.js';
import { writeAll } from '../output.js';
import type { Command } from './command.js';

export const dump: Command = {
  name: 'dump',
  summary: 'print BTF as bpftool does (raw, json or C)',
  usage: 'btfkit dump [FILE] [--base FILE] [--format raw|json|c] [--fixup] [--unsorted]',
  help: `Prints every type of FILE (default: the running kernel's BTF).

  --format raw     exactly what 'bpftool btf dump file FILE format raw' prints (default)
  --format json    exactly what 'bpftool -j btf dump file FILE format raw' prints:
                   {"types":[...]}, one object per type in ID order, bpftool's field names
  --format c       exactly what 'bpftool btf dump file FILE format c' prints (vmlinux.h)
  --base FILE      the base BTF of split BTF (module BTF under /sys/kernel/btf gets
                   vmlinux automatically, as with bpftool)
  --fixup          for an ELF object: show the BTF after DATASEC fix-up (sizes and offsets
                   as libbpf computes them) instead of the section as stored`,
  options: {
    base: { type: 'string' },
    format: { type: 'string', default: 'raw' },
    fixup: { type: 'boolean', default: false },
  },
  async run({ values, positionals }) {
    if (positionals.length > 1)
      throw new UsageError(`too many arguments: ${positionals.slice(1).join(' ')}`);
    const format = String(values.format);
    if (format !== 'raw' && format !== 'json' && format !== 'c') {
      throw new UsageError(`unknown format '${format}': use raw, json or c`);
    }
    const path = inputPath(positionals[0]);
    const baseFile = basePath(path, values.base as string | undefined);
    let raw: RawBtf;
    if (values.fixup) {
      const base = baseFile === undefined ? undefined : await loadSpecAt(baseFile);
      raw = (await loadSpecAt(path, base)).raw;
    } else {
      raw = await rawAsStored(path, await rawBase(baseFile));
    }
    let chunks: Iterable<Uint8Array>;
    if (format === 'c') {
      const { formatCChunks } = await import('btfkit/types');
      chunks = formatCChunks(raw, {}, 1 << 20);
    } else {
      const { jsonDumpChunks, rawDumpChunks } = await import('btfkit/wire');
      chunks = format === 'raw' ? rawDumpChunks(raw, 1 << 20) : jsonDumpChunks(raw, 1 << 20);
    }
    await writeAll(chunks);
  },
};
