import { UsageError } from '../cli-error.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const list: Command = {
  name: 'list',
  summary: 'list the BTF objects loaded in the kernel, like bpftool btf list',
  usage: 'btfkit list [--json]',
  help: `Lists every BTF object the kernel holds: vmlinux, modules, and BTF loaded by programs.
Needs CAP_SYS_ADMIN (or CAP_BPF on newer kernels).

  --json   one JSON array of {id, name, size, isKernel, isVmlinux, isModule}`,
  options: { json: { type: 'boolean', default: false } },
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError(`too many arguments: ${positionals.join(' ')}`);
    const { listHandleInfos } = await import('btfkit/kernel');
    const infos = listHandleInfos();
    if (values.json) {
      await write(`${JSON.stringify(infos)}\n`);
      return;
    }
    const lines = infos.map((i) => {
      const kind = i.isVmlinux ? 'vmlinux' : i.isModule ? 'module' : i.isKernel ? 'kernel' : 'user';
      return `${i.id}: name ${i.name ? `[${i.name}]` : '<anon>'}  size ${i.size}B  ${kind}`;
    });
    await write(lines.length ? `${lines.join('\n')}\n` : '');
  },
};
