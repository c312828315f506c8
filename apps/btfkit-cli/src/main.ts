import nodeModule from 'node:module';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { UsageError } from './cli-error.js';
import type { Command } from './commands/command.js';
import { core } from './commands/core.js';
import { dedup } from './commands/dedup.js';
import { diff } from './commands/diff.js';
import { dump } from './commands/dump.js';
import { encode } from './commands/encode.js';
import { features } from './commands/features.js';
import { find } from './commands/find.js';
import { list } from './commands/list.js';
import { load } from './commands/load.js';
import { stats } from './commands/stats.js';
import { write } from './output.js';

const commands: readonly Command[] = [
  dump,
  find,
  diff,
  stats,
  encode,
  dedup,
  load,
  list,
  features,
  core,
];

// A btfkit run lasts well under a second, and V8's optimizing compiler is a large share of its
// CPU: `dump --format c` of vmlinux spent more CPU compiling (on background threads) than
// formatting. A smaller inlining budget per compile keeps the code about as fast and cuts the
// compile time by about a third. The flag only tunes a heuristic (it cannot change what the
// code computes) and is read when each function is compiled, so setting it here is in time.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');

// Node 22 can keep the compiled code of the modules loaded from here on (the libraries a
// command imports) between runs; Node 20 has no such cache.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `btfkit: read, write and load BTF (BPF Type Format)

usage: btfkit <command> [options]

commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command reads the running kernel's BTF (/sys/kernel/btf/vmlinux) unless given a FILE.
'btfkit <command> --help' describes a command. --debug prints stack traces on errors.
`;
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const name = args[0];
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      await write(topHelp());
      return name === undefined ? 2 : 0;
    }
    const cmd = commands.find((c) => c.name === name);
    if (!cmd) throw new UsageError(`unknown command '${name}'`);
    const rest = args.slice(1);
    if (rest.includes('--help') || rest.includes('-h')) {
      await write(`usage: ${cmd.usage}\n\n${cmd.help}\n`);
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: cmd.options,
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\nusage: ${cmd.usage}`);
    }
    return (await cmd.run({ values: parsed.values, positionals: parsed.positionals })) ?? 0;
  } catch (e) {
    const err = e as Error;
    if (debug) console.error(err.stack ?? String(err));
    if (err instanceof UsageError) {
      console.error(`btfkit: ${err.message}`);
      return 2;
    }
    console.error(`btfkit: ${oneLine(err)}`);
    return 1;
  }
}

/** The message and its causes on one line: `outer: inner: innermost`. */
function oneLine(err: Error): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 8; depth++) {
    if (!parts.some((p) => p.includes(cur instanceof Error ? cur.message : '')))
      parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(': ').replace(/\s*\n\s*/g, ' ');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`btfkit: internal error: ${String(e)}`);
    process.exitCode = 1;
  },
);
