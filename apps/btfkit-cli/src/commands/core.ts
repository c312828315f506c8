import { UsageError } from '../cli-error.js';
import type { Command, CommandArgs } from './command.js';
import { MIN_BTF_HELP, MIN_BTF_USAGE, runMinBtf } from './core-min-btf.js';

/** The subcommands of `btfkit core`, by name. */
const subcommands: Record<string, { usage: string; run(args: CommandArgs): Promise<void> }> = {
  'min-btf': { usage: MIN_BTF_USAGE, run: runMinBtf },
};

export const core: Command = {
  name: 'core',
  summary: 'CO-RE: minimal BTF for a set of objects',
  usage: Object.values(subcommands)
    .map((s) => s.usage)
    .join('\n       '),
  help: `Subcommands:

${MIN_BTF_HELP}`,
  options: {
    target: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  },
  async run({ values, positionals }) {
    const [name, ...rest] = positionals;
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) {
      throw new UsageError(
        `${name === undefined ? 'missing subcommand' : `unknown subcommand '${name}'`}\nusage: ${core.usage}`,
      );
    }
    await sub.run({ values, positionals: rest });
  },
};
