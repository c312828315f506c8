import type { Handle } from 'btfkit';
import { UsageError } from '../cli-error.js';
import { loadInput } from '../input.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const load: Command = {
  name: 'load',
  summary: 'load BTF into the kernel (BPF_BTF_LOAD) and print its ID and info',
  usage: 'btfkit load FILE [--base FILE]',
  help: `Loads FILE's BTF into the running kernel with BPF_BTF_LOAD and prints the new BTF
object's ID and info. The object lives as long as this process, so this checks whether the
kernel accepts the BTF. On rejection the kernel's verifier log is printed and the exit
status is 1. Needs CAP_BPF (or CAP_SYS_ADMIN).

The BTF is encoded with the sanitizations this kernel needs (see 'btfkit features').

  --base FILE   the base BTF of split BTF`,
  options: { base: { type: 'string' } },
  async run({ values, positionals }) {
    const [file, ...extra] = positionals;
    if (file === undefined) throw new UsageError(`missing FILE\nusage: ${load.usage}`);
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const spec = await loadInput(file, values.base as string | undefined);
    const { Handle, VerifierError } = await import('btfkit/kernel');
    let handle: Handle;
    try {
      handle = Handle.load(spec);
    } catch (e) {
      if (e instanceof VerifierError) {
        process.stderr.write(`${e.log.trimEnd()}\n`);
      }
      throw e;
    }
    try {
      const info = handle.info();
      await write(
        `id ${info.id}\nname ${info.name || '(none)'}\nsize ${info.size}\nkernel ${info.isKernel}\n`,
      );
    } finally {
      handle.close();
    }
  },
};
