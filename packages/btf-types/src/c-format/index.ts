import { NotFoundError, type RawBtf } from '@btfkit/wire';
import { CDumper } from './c-dumper.js';
import { primeBlob } from './prime-blob.js';

export { cDeclaration } from './c-declaration.js';

/** Options for {@link formatC} and its variants. */
export interface FormatCOptions {
  /**
   * Print only these types and the definitions they need, in this order, as
   * `bpftool btf dump map ... key|value|kv format c` does. By default every type is a root,
   * in ID order (base types first for split BTF), as `bpftool btf dump file X format c`.
   */
  readonly roots?: readonly number[];
}

/** The lines bpftool 7.1 prints before the types. */
export const C_PREAMBLE =
  '#ifndef __VMLINUX_H__\n' +
  '#define __VMLINUX_H__\n' +
  '\n' +
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
  '#endif\n\n';

/** The lines bpftool 7.1 prints after the types. */
export const C_EPILOGUE =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute pop\n' +
  '#endif\n' +
  '\n' +
  '#endif /* __VMLINUX_H__ */\n';

/**
 * Formats BTF as a C header, byte for byte as Debian's bpftool 7.1.0 prints
 * `bpftool btf dump file X format c`: the `__VMLINUX_H__` guard and `preserve_access_index`
 * pragma, then every type in dependency order, starting from each type ID in turn. The
 * converter is the libbpf of Linux 6.1.y that bpftool is built with: libbpf 1.1's without the
 * `mode(byte)`/`mode(word)` enum attributes and with `(void)` for parameterless prototypes.
 * bpftool 7.1 does not sort and has no `unsorted` option; neither does this. For split BTF
 * the base's types are printed too, as `bpftool -B base` does.
 *
 * Yields the text in chunks of about `chunkSize` bytes. Names are copied byte for byte
 * from the string table.
 * @see https://docs.kernel.org/bpf/btf.html
 * @throws NotSupportedError for a kind libbpf 1.1 does not know
 * @throws FormatError naming the type ID of a reference to a missing type or string, a cycle
 *   C cannot express, or a declaration nested more than 400 levels deep
 * @throws NotFoundError for a root that is not a type ID of `btf`
 */
export function* formatCChunks(
  btf: RawBtf,
  options: FormatCOptions = {},
  chunkSize = 1 << 16,
): IterableIterator<Uint8Array> {
  if ((options.roots?.length ?? btf.nextTypeID) >= PRIME_MIN_TYPES) primeCDumper();
  const dumper = new CDumper(btf, chunkSize * 2);
  const out = dumper.out;
  const roots = checkRoots(options.roots, dumper.typeCount);
  out.text(C_PREAMBLE);
  const n = roots ? roots.length : dumper.typeCount;
  for (let i = roots ? 0 : 1; i < n; ) {
    i = dumpTypes(dumper, roots, i, n, chunkSize);
    if (out.length >= chunkSize) {
      yield out.view().slice();
      out.reset();
    }
  }
  out.text(C_EPILOGUE);
  yield out.view().slice();
}

/** Dumps of fewer roots than this are over before V8 optimizes much: no priming. */
const PRIME_MIN_TYPES = 1 << 14;
/**
 * How often {@link primeCDumper} formats its blob: V8 collects feedback for a function only
 * after it has run for a while, and the blob is small.
 */
const PRIME_ROUNDS = 4;

/**
 * Formats {@link primeBlob} into scratch so that V8 has seen every branch of the formatter
 * before it optimizes it for a large dump (see {@link primeBlob} for why).
 */
function primeCDumper(): void {
  const blob = primeBlob();
  for (let round = 0; round < PRIME_ROUNDS; round++) {
    const d = new CDumper(blob, 1 << 12);
    for (let id = 1; id < d.typeCount; id++) d.dumpType(id);
  }
}

/**
 * Dumps roots (or type IDs) from index `i` until `n` or until the output holds `limit` bytes;
 * returns the next index. Outside the generator because V8 cannot optimize a generator's
 * loop while it runs (no on-stack replacement).
 */
function dumpTypes(
  dumper: CDumper,
  roots: readonly number[] | undefined,
  i: number,
  n: number,
  limit: number,
): number {
  const out = dumper.out;
  while (i < n && out.length < limit) dumper.dumpType(roots ? roots[i++]! : i++);
  return i;
}

/**
 * The whole C header as bytes; see {@link formatCChunks}.
 * @throws the errors of {@link formatCChunks}
 */
export function formatCBytes(btf: RawBtf, options: FormatCOptions = {}): Uint8Array {
  const dumper = new CDumper(btf, Math.max(1 << 16, btf.bytes.byteLength));
  const out = dumper.out;
  const roots = checkRoots(options.roots, dumper.typeCount);
  out.text(C_PREAMBLE);
  if (roots) {
    for (const id of roots) dumper.dumpType(id);
  } else {
    for (let id = 1, n = dumper.typeCount; id < n; id++) dumper.dumpType(id);
  }
  out.text(C_EPILOGUE);
  return out.view();
}

const utf8 = new TextDecoder();

/**
 * The whole C header as a string (names decoded as UTF-8); see {@link formatCChunks}.
 * @throws the errors of {@link formatCChunks}
 */
export function formatC(btf: RawBtf, options: FormatCOptions = {}): string {
  return utf8.decode(formatCBytes(btf, options));
}

function checkRoots(
  roots: readonly number[] | undefined,
  count: number,
): readonly number[] | undefined {
  if (!roots) return undefined;
  for (const id of roots) {
    if (!Number.isInteger(id) || id < 0 || id >= count) {
      throw new NotFoundError(`btf: type id ${id}: not found`);
    }
  }
  return roots;
}
