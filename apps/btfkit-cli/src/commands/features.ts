import type { BtfFeatureName } from 'btfkit/kernel';
import { UsageError } from '../cli-error.js';
import { write } from '../output.js';
import type { Command } from './command.js';

export const features: Command = {
  name: 'features',
  summary: 'probe which BTF features the running kernel supports',
  usage: 'btfkit features [--json]',
  help: `Loads a tiny BTF blob per feature into the running kernel (as libbpf's probes do) and
prints whether each is supported, with the release that added it.

  --json   one JSON object {feature: boolean}`,
  options: { json: { type: 'boolean', default: false } },
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError(`too many arguments: ${positionals.join(' ')}`);
    const { BTF_FEATURES, kernelFeatures } = await import('btfkit/kernel');
    const result = kernelFeatures();
    if (values.json) {
      await write(`${JSON.stringify(result)}\n`);
      return;
    }
    const names = Object.keys(result) as BtfFeatureName[];
    const width = Math.max(...names.map((n) => n.length));
    const lines = names.map((n) => {
      const f = BTF_FEATURES[n];
      return `${n.padEnd(width)}  ${result[n] ? 'yes' : 'no '}  since ${f.since.padEnd(5)}  ${f.description}`;
    });
    await write(`${lines.join('\n')}\n`);
  },
};
