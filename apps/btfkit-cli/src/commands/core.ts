import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type {
  CoreAccessPath,
  CoreInstructionResult,
  CoreTargets,
  RelocatedObject,
} from 'btfkit/co-re';
import { UsageError } from '../cli-error.js';
import { inputPath, KERNEL_BTF, loadSpecAt } from '../input.js';
import { write, writeFileAtomic } from '../output.js';
import type { Command, CommandArgs } from './command.js';

/** A relocation failed: the object would not load (exit 1 after the report). */
class RelocationFailed extends Error {
  override name = 'RelocationFailed';
}

const KIND_NAMES = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

/** `struct task_struct::real_parent.tgid`, `enum pid_type::PIDTYPE_SID`, `struct mm_struct`. */
function describeLocal(path: CoreAccessPath, kind: number): string {
  const root = path.spec.typeByID(path.rootTypeID);
  const head = `${root.kind === 'pointer' ? '' : `${root.kind} `}${root.name || '(anon)'}`;
  if (path.accessors.length === 0) return head;
  if (kind === 10 || kind === 11) return `${head}::${path.accessors[0]!.name ?? ''}`;
  let tail = '';
  path.accessors.forEach((a, i) => {
    if (a.name !== undefined) tail += `${tail === '' ? '' : '.'}${a.name}`;
    else if (i > 0 || a.index > 0) tail += `[${a.index}]`;
  });
  return tail === '' ? head : `${head}::${tail}`;
}

interface Row {
  target: string;
  section: string;
  insn: number;
  kind: string;
  type: string;
  access: string;
  local: string | null;
  result: string;
  poison: boolean;
  error: string | null;
}

function row(target: string, r: CoreInstructionResult): Row {
  const rel = r.relocation;
  const f = r.fixup;
  const kind = KIND_NAMES[rel.kind] ?? `kind_${rel.kind}`;
  const base = {
    target,
    section: rel.section,
    insn: rel.insnOff / 8,
    kind,
    type: f ? describeLocal(f.local, rel.kind) : `[${rel.typeID}]`,
    access: rel.accessString,
    local: f ? f.localValue.toString() : null,
  };
  if (!r.result.ok) {
    return { ...base, result: 'error', poison: false, error: r.result.error.message };
  }
  const fx = r.result.fixup;
  return {
    ...base,
    result: fx.poison ? 'poison' : fx.targetValue.toString(),
    poison: fx.poison,
    error: null,
  };
}

function table(rows: Row[]): string {
  const head = ['TARGET', 'SECTION', 'INSN', 'KIND', 'LOCAL TYPE', 'ACCESS', 'LOCAL → TARGET'];
  const cells = rows.map((r) => [
    r.target,
    r.section,
    `#${r.insn}`,
    r.kind,
    r.type,
    r.access,
    r.error !== null ? `error: ${r.error}` : `${r.local} → ${r.result}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}

async function relocateAgainst(obj: Uint8Array, targets: CoreTargets): Promise<RelocatedObject> {
  const { relocateObject } = await import('btfkit/co-re');
  return relocateObject(obj, targets);
}

/**
 * What `--target FILE` names; without one, the running kernel as libbpf sees it: vmlinux, and
 * the module BTFs beside it, loaded only if a type is not in vmlinux.
 */
async function loadTarget(
  path: string | undefined,
): Promise<{ name: string; targets: CoreTargets }> {
  if (path !== undefined) return { name: path, targets: await loadSpecAt(path) };
  const kernel = inputPath(undefined);
  const vmlinux = await loadSpecAt(kernel);
  const { loadSpec } = await import('btfkit');
  const dir = dirname(kernel);
  const modules = () =>
    readdirSync(dir)
      .filter((n) => n !== basename(kernel))
      .sort()
      .map((n) => loadSpec(join(dir, n), { base: vmlinux }));
  return { name: kernel, targets: { vmlinux, modules } };
}

/** An object file's bytes, read through btfkit's one file reader. */
async function readObject(path: string): Promise<Uint8Array> {
  const { openFile } = await import('btfkit/wire');
  const file = openFile(path);
  try {
    return file.read(0, file.size).slice();
  } finally {
    file.close();
  }
}

async function check({ values, positionals }: CommandArgs): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('core check takes one OBJ');
  if (values.output !== undefined)
    throw new UsageError('core check writes no file (-o is for core relocate)');
  const obj = await readObject(positionals[0]!);
  const paths = (values.target as string[] | undefined) ?? [undefined];
  const rows: Row[] = [];
  for (const p of paths) {
    const { name, targets } = await loadTarget(p);
    const r = await relocateAgainst(obj, targets);
    for (const x of r.relocations) rows.push(row(name, x));
  }
  await write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : table(rows));
  const failed = rows.filter((r) => r.error !== null).length;
  if (failed > 0) {
    throw new RelocationFailed(
      `${failed} of ${rows.length} relocations fail: the object would not load on every target`,
    );
  }
}

async function relocate({ values, positionals }: CommandArgs): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('core relocate takes one OBJ');
  const targets = values.target as string[] | undefined;
  if (targets?.length !== 1) throw new UsageError('core relocate takes one --target FILE');
  const out = values.output as string | undefined;
  if (out === undefined) throw new UsageError('core relocate needs -o OUT');
  const obj = await readObject(positionals[0]!);
  const r = await relocateAgainst(obj, (await loadTarget(targets[0]!)).targets);
  if (!r.ok || !r.bytes) {
    const errors = r.relocations.filter((x) => !x.result.ok);
    const first = errors[0]?.result;
    throw new RelocationFailed(
      `${errors.length} relocation(s) fail, ${out} not written${first && !first.ok ? `; first: ${first.error.message}` : ''}`,
    );
  }
  writeFileAtomic(out, r.bytes);
}

/**
 * `core min-btf OBJ... --target FILE -o OUT`: bpftool's `gen min_core_btf`. Writes nothing when
 * a relocation fails (exit 1).
 */
async function minBtf({ values, positionals }: CommandArgs): Promise<void> {
  if (positionals.length === 0) throw new UsageError('core min-btf takes one or more OBJ');
  const targets = values.target as string[] | undefined;
  if (targets?.length !== 1) throw new UsageError('core min-btf takes one --target FILE');
  const out = values.output as string | undefined;
  if (out === undefined) throw new UsageError('core min-btf needs -o OUT');
  if (values.json !== undefined) throw new UsageError('core min-btf writes BTF, not --json');
  const target = await loadSpecAt(targets[0]!);
  const objects: Uint8Array[] = [];
  for (const o of positionals) objects.push(await readObject(o));
  const { minimalBtfForObjects } = await import('btfkit/co-re');
  const bytes = minimalBtfForObjects(target, objects);
  writeFileAtomic(out, bytes);
  await write(
    `wrote ${bytes.byteLength} bytes of BTF for ${positionals.length} object(s) to ${out}\n`,
  );
}

/** The `core` subcommands by name. */
const subcommands: Record<string, (args: CommandArgs) => Promise<void>> = {
  check,
  relocate,
  'min-btf': minBtf,
};

export const core: Command = {
  name: 'core',
  summary: "CO-RE: check or apply an object's relocations for target kernels; minimal BTF",
  usage:
    'btfkit core check OBJ [--target FILE]... [--json] | core relocate OBJ --target FILE -o OUT | core min-btf OBJ... --target FILE -o OUT',
  help: `CO-RE relocation as libbpf computes it when it loads a BPF object.

  check OBJ      one row per relocation and target: section, instruction, kind, local type
                 and access string, local value → target value, 'poison' (the instruction
                 is made an invalid call, as libbpf does; not an error) or the error.
                 Exit 0 when OBJ would load on every target, 1 when a relocation fails.
  relocate OBJ   writes OBJ with every relocated instruction patched for the target to
                 -o OUT (atomically); every other byte stays. Exit 1, and no OUT, on error.
  min-btf OBJ... the types of the target the objects' relocations need, byte for byte as
                 'bpftool gen min_core_btf' writes them, to -o OUT (atomically). Exit 1, and
                 no OUT, when a relocation fails.

  --target FILE  target BTF, raw, ELF or gzipped; check takes several. Default: the running
                 kernel, ${KERNEL_BTF}, and for a type it lacks its modules'
                 BTF, as libbpf searches
  --json         check: the rows as JSON
  -o, --output OUT   relocate, min-btf: the output file`,
  options: {
    target: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    const run = sub === undefined ? undefined : subcommands[sub];
    if (!run)
      throw new UsageError(`core: unknown subcommand '${sub ?? ''}' (check, relocate, min-btf)`);
    await run({ values: args.values, positionals: rest });
  },
};
