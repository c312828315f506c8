import type { Spec, Type } from 'btfkit';
import { UsageError } from '../cli-error.js';
import { inputPath, loadInput } from '../input.js';
import { write, writeFileAtomic } from '../output.js';
import type { Command } from './command.js';

export const gen: Command = {
  name: 'gen',
  summary: 'generate TypeScript types and DataView codecs from BTF',
  usage:
    'btfkit gen ts [FILE] [--type NAME]... [--maps] [-o OUT.ts] [--byte-order little|big] [--base FILE]',
  help: `Writes one self-contained TypeScript module (no imports) with an interface and a codec
(size, align, decode(view, offset), encode(value, view, offset)) for each type asked for and
every named type it holds by value. FILE is a BPF object, raw BTF or a kernel image
(default: the running kernel's BTF).

  --type NAME          a struct, union, enum or typedef: 'task_struct', 'struct foo',
                       'union bar', 'enum baz' or 'typedef qux'; repeat for more. A bare
                       NAME that is both a struct (union, enum) and a typedef means the
                       struct. Default: every named type of FILE, unless --maps is given
  --maps               codecs for the key and value of every BTF-defined map in FILE's
                       .maps section, named <map>Key and <map>Value
  -o, --output OUT     write to OUT instead of stdout
  --byte-order ORDER   little or big (default: FILE's; bpfeb objects are big-endian)
  --base FILE          the base BTF of split BTF`,
  options: {
    type: { type: 'string', multiple: true },
    maps: { type: 'boolean', default: false },
    output: { type: 'string', short: 'o' },
    'byte-order': { type: 'string' },
    base: { type: 'string' },
  },
  async run({ values, positionals }) {
    const [what, file, ...extra] = positionals;
    if (what !== 'ts') {
      throw new UsageError(
        `${what === undefined ? 'missing' : `unknown generator '${what}':`} use 'gen ts'\nusage: ${gen.usage}`,
      );
    }
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const order = values['byte-order'] as string | undefined;
    if (order !== undefined && order !== 'little' && order !== 'big') {
      throw new UsageError(`--byte-order takes little or big, not '${order}'`);
    }
    const names = (values.type as string[] | undefined) ?? [];
    const maps = values.maps === true;
    const spec = await loadInput(file, values.base as string | undefined);
    const { formatTypeScript } = await import('btfkit');
    const types = names.length || maps ? names.map((n) => findType(spec, n)) : undefined;
    const text = formatTypeScript(spec, types, {
      source: inputPath(file).replace(/^.*\//, ''),
      maps,
      ...(order === undefined ? {} : { byteOrder: order }),
    });
    const out = values.output as string | undefined;
    if (out === undefined) await write(text);
    else writeFileAtomic(out, text);
  },
};

const KINDS = ['struct', 'union', 'enum', 'typedef'] as const;

/**
 * The type `--type` names: `struct foo` and friends by kind; a bare name that is several kinds
 * means the one struct, union or enum among them.
 */
function findType(spec: Spec, arg: string): Type {
  const m = /^(struct|union|enum|typedef)\s+(\S+)$/.exec(arg.trim());
  if (m) return spec.typeByName(m[2]!, m[1] as (typeof KINDS)[number]);
  const all = spec.anyTypesByName(arg).filter((t) => (KINDS as readonly string[]).includes(t.kind));
  const tags = all.filter((t) => t.kind !== 'typedef');
  if (all.length === 1) return all[0]!;
  if (tags.length === 1) return tags[0]!;
  if (all.length === 0) throw new UsageError(`no struct, union, enum or typedef named '${arg}'`);
  throw new UsageError(
    `'${arg}' names ${all.length} types (${all.map((t) => t.kind).join(', ')}): say which, e.g. '${all[0]!.kind} ${arg}'`,
  );
}
