import type { ByteOrder, MarshalOptions } from 'btfkit';
import { UsageError } from '../cli-error.js';
import { loadInput } from '../input.js';
import { write, writeFileAtomic } from '../output.js';
import type { Command } from './command.js';

export const encode: Command = {
  name: 'encode',
  summary: 'parse BTF and write it again through the encoder',
  usage:
    'btfkit encode FILE -o OUT [--base FILE] [--byte-order little|big] [--strip-func-linkage] [--for-kernel]',
  help: `Parses FILE (raw BTF or an ELF object; ELF DATASECs fixed up), then encodes every type
again with the same IDs and writes the raw blob to OUT.

  -o, --output OUT        where to write (required)
  --base FILE             the base BTF of split BTF; OUT is then split BTF over it
  --byte-order ORDER      little or big (default: FILE's)
  --strip-func-linkage    encode every FUNC as static (kernels before 5.6)
  --for-kernel            probe the running kernel and apply libbpf's sanitizations for
                          every BTF feature it lacks, in the host's byte order`,
  options: {
    output: { type: 'string', short: 'o' },
    base: { type: 'string' },
    'byte-order': { type: 'string' },
    'strip-func-linkage': { type: 'boolean', default: false },
    'for-kernel': { type: 'boolean', default: false },
  },
  async run({ values, positionals }) {
    const [file, ...extra] = positionals;
    if (file === undefined) throw new UsageError(`missing FILE\nusage: ${encode.usage}`);
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const out = values.output as string | undefined;
    if (out === undefined) throw new UsageError(`missing -o OUT\nusage: ${encode.usage}`);
    const order = values['byte-order'] as string | undefined;
    if (order !== undefined && order !== 'little' && order !== 'big') {
      throw new UsageError(`--byte-order takes little or big, not '${order}'`);
    }
    const spec = await loadInput(file, values.base as string | undefined);
    let options: MarshalOptions = {};
    if (values['for-kernel']) {
      const { kernelMarshalOptions } = await import('btfkit/kernel');
      options = kernelMarshalOptions();
    }
    if (order !== undefined) options = { ...options, byteOrder: order as ByteOrder };
    if (values['strip-func-linkage']) options = { ...options, stripFuncLinkage: true };
    const bytes = spec.marshal(options);
    writeFileAtomic(out, bytes);
    await write(
      `wrote ${bytes.byteLength} bytes, ${spec.nextTypeID - spec.firstTypeID} types, to ${out}\n`,
    );
  },
};
