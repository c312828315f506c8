import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../cli-error.js';
import { loadSpecAt } from '../input.js';
import { write } from '../output.js';
import type { CommandArgs } from './command.js';

/** `btfkit core min-btf`'s synopsis. */
export const MIN_BTF_USAGE = 'btfkit core min-btf OBJ... --target FILE -o OUT';

/** `btfkit core min-btf`'s help. */
export const MIN_BTF_HELP = `  min-btf    the types of the target that the objects' CO-RE relocations need, as
             'bpftool gen min_core_btf' writes them (raw BTF, the target's byte order)
      --target FILE   the BTF to take the types from (raw BTF or an ELF file; required)
      -o, --output OUT  where to write; written to a temporary file, then renamed`;

/**
 * `btfkit core min-btf OBJ... --target FILE -o OUT`: bpftool's `gen min_core_btf`. Writes
 * nothing when a relocation fails (exit 1).
 */
export async function runMinBtf({ values, positionals }: CommandArgs): Promise<void> {
  const objects = positionals;
  if (objects.length === 0) throw new UsageError(`missing OBJ\nusage: ${MIN_BTF_USAGE}`);
  const targets = values.target as string[] | string | undefined;
  const list = targets === undefined ? [] : Array.isArray(targets) ? targets : [targets];
  if (list.length !== 1) {
    throw new UsageError(`min-btf takes exactly one --target FILE\nusage: ${MIN_BTF_USAGE}`);
  }
  const out = values.output as string | undefined;
  if (out === undefined) throw new UsageError(`missing -o OUT\nusage: ${MIN_BTF_USAGE}`);
  const target = await loadSpecAt(list[0]!);
  const { minimalBtfForObjects } = await import('btfkit');
  const bytes = minimalBtfForObjects(
    target,
    objects.map((o) => new Uint8Array(readFileSync(o))),
  );
  writeFileAtomic(out, bytes);
  await write(`wrote ${bytes.byteLength} bytes of BTF for ${objects.length} object(s) to ${out}\n`);
}

/** Writes a file whole or not at all: a temporary file beside it, synced, then renamed. */
function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
