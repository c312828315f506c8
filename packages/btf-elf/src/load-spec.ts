import { Spec } from '@btfkit/types';
import { type BtfExt, FormatError } from '@btfkit/wire';
import { loadRawBtfFromElf } from './elf-btf.js';
import { ElfFile, type ElfOpenOptions } from './elf-file.js';
import { bytesSource, type RandomAccessSource } from './source.js';

/** Options for the Spec loaders. */
export interface LoadSpecOptions extends ElfOpenOptions {
  /**
   * The base Spec, for split BTF: a kernel module's `.BTF` (in a `.ko`, or from
   * `/sys/kernel/btf/<module>`) over vmlinux's.
   */
  readonly base?: Spec;
}

/** A Spec loaded from an ELF file, with what else the file holds. */
export interface ElfSpec {
  readonly spec: Spec;
  readonly elf: ElfFile;
  /** The decoded `.BTF.ext`, when the file has one. */
  readonly btfExt: BtfExt | undefined;
}

/**
 * Loads the BTF of an ELF object, kernel image (`vmlinux`) or module (`.ko`, with the
 * vmlinux Spec as `base`): reads `.BTF` (decompressing it if needed), checks its byte order
 * against the ELF's, and fixes up DATASEC sizes and offsets, `.ksyms` and `.kconfig` as
 * libbpf does when it opens an object (see {@link fixupDatasecs}).
 * @param source - an opened {@link ElfFile}, a random-access source, or the file's bytes
 * @throws NotFoundError when the file has no `.BTF`
 * @throws FormatError for a malformed ELF file or BTF, or a DATASEC that cannot be fixed up
 */
export function loadSpecFromElf(
  source: ElfFile | RandomAccessSource | Uint8Array,
  options: LoadSpecOptions = {},
): Spec {
  return loadElfSpec(source, options).spec;
}

/**
 * Like {@link loadSpecFromElf}, also returning the opened ELF file and decoded `.BTF.ext`.
 * @throws as {@link loadSpecFromElf}
 */
export function loadElfSpec(
  source: ElfFile | RandomAccessSource | Uint8Array,
  options: LoadSpecOptions = {},
): ElfSpec {
  const base = options.base;
  const r = loadRawBtfFromElf(source, {
    ...(options.maxSectionSize === undefined ? {} : { maxSectionSize: options.maxSectionSize }),
    ...(base ? { base: base.raw } : {}),
  });
  return { spec: new Spec(r.btf, base), elf: r.elf, btfExt: r.btfExt };
}

/**
 * Loads a Spec from either a raw BTF blob (`/sys/kernel/btf/vmlinux`, pahole's detached
 * output) or an ELF file, told apart by the magic: cilium/ebpf's `LoadSpecFromReader`.
 * A raw blob is read whole; an ELF file only in the parts that matter.
 * @throws FormatError when the input is neither, or is malformed
 * @throws NotFoundError for an ELF file without `.BTF`
 */
export function loadSpec(
  source: RandomAccessSource | Uint8Array,
  options: LoadSpecOptions = {},
): Spec {
  const src = source instanceof Uint8Array ? bytesSource(source) : source;
  const magic = src.read(0, Math.min(4, src.size));
  if (ElfFile.hasMagic(magic)) return loadSpecFromElf(src, options);
  if (magic.byteLength < 2) {
    throw new FormatError(`btf: offset 0: ${src.size} bytes is neither BTF nor ELF`, { offset: 0 });
  }
  const bytes = source instanceof Uint8Array ? source : src.read(0, src.size);
  return Spec.parse(bytes, options.base ? { base: options.base } : {});
}
