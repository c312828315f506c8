import { Spec } from '@btfkit/types';
import { type BtfExt, bytesSource, FormatError, type RandomAccessSource } from '@btfkit/wire';
import { loadRawBtfFromElf } from './elf-btf.js';
import { ElfFile, type ElfOpenOptions } from './elf-file.js';

/** Options for the Spec loaders. */
export interface LoadSpecOptions extends ElfOpenOptions {
  /**
   * The base Spec, for split BTF: a kernel module's `.BTF` (in a `.ko`, or from
   * `/sys/kernel/btf/<module>`) over vmlinux's.
   */
  readonly base?: Spec;
}

/**
 * What the byte loaders take: the bytes themselves, a random-access source over them (only
 * the parts that matter are read from an ELF file), or an ELF file already opened.
 */
export type SpecInput = Uint8Array | RandomAccessSource | ElfFile;

/** A Spec loaded from an ELF file, with what else the file holds. */
export interface ElfSpec {
  /** The Spec of the `.BTF` section, DATASECs fixed up. */
  readonly spec: Spec;
  /** The ELF file it came from. */
  readonly elf: ElfFile;
  /** The decoded `.BTF.ext`, when the file has one. */
  readonly btfExt: BtfExt | undefined;
}

/** The Spec of an ELF file, its `.BTF.ext` decoded; DATASECs fixed up. */
export function loadElfSpec(
  source: ElfFile | RandomAccessSource | Uint8Array,
  options: LoadSpecOptions,
): ElfSpec {
  const base = options.base;
  const { base: _, ...open } = options;
  const r = loadRawBtfFromElf(source, base ? { ...open, base: base.raw } : open);
  return { spec: new Spec(r.btf, base), elf: r.elf, btfExt: r.btfExt };
}

/**
 * Loads a Spec from a raw BTF blob (`/sys/kernel/btf/vmlinux`, pahole's detached output) or
 * an ELF object, kernel image or module (`.ko`, with the vmlinux Spec as `base`), told apart
 * by the magic: cilium/ebpf's `LoadSpecFromReader`. A raw blob is read whole; an ELF file
 * only in the parts that matter: `.BTF` (decompressed if needed, its byte order checked
 * against the ELF's), then DATASEC sizes and offsets, `.ksyms` and `.kconfig` fixed up as
 * libbpf does when it opens an object (libbpf's `btf_fixup_datasec`).
 * @throws FormatError when the input is neither BTF nor ELF, or is malformed, or a DATASEC
 *   cannot be fixed up
 * @throws NotFoundError for an ELF file without `.BTF`
 * @throws NotSupportedError for a section compressed with an unknown algorithm
 */
export function loadSpecFromBytes(input: SpecInput, options: LoadSpecOptions = {}): Spec {
  if (input instanceof ElfFile) return loadElfSpec(input, options).spec;
  const src = input instanceof Uint8Array ? bytesSource(input) : input;
  const magic = src.read(0, Math.min(4, src.size));
  if (ElfFile.hasMagic(magic)) return loadElfSpec(src, options).spec;
  if (magic.byteLength < 2) {
    throw new FormatError(`btf: offset 0: ${src.size} bytes is neither BTF nor ELF`, { offset: 0 });
  }
  const bytes = input instanceof Uint8Array ? input : src.read(0, src.size);
  return Spec.parse(bytes, options.base ? { base: options.base } : {});
}

/**
 * Loads split BTF (raw, or in a `.ko`) over a base Spec: cilium/ebpf's
 * `LoadSplitSpecFromReader`. IDs and string offsets continue the base's.
 * @throws as {@link loadSpecFromBytes}
 */
export function loadSplitSpecFromBytes(
  input: SpecInput,
  base: Spec,
  options: ElfOpenOptions = {},
): Spec {
  return loadSpecFromBytes(input, { ...options, base });
}
