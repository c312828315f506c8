import type { RandomAccessSource } from '@btfkit/wire';
import { type BtfExt, decodeBtfExt, RawBtf } from '@btfkit/wire';
import { readBtfSections } from './btf-sections.js';
import { fixupDatasecs } from './datasec-fixup.js';
import { elfDatasecInfo } from './elf-datasec-info.js';
import { type ElfFile, ElfFile as ElfFileClass, type ElfOpenOptions } from './elf-file.js';

/** Options for {@link loadRawBtfFromElf}. */
export interface LoadRawBtfOptions extends ElfOpenOptions {
  /** The base BTF, for the split BTF of a kernel module (`.ko`). */
  readonly base?: RawBtf;
}

/** The BTF of an ELF file at the wire level, with DATASECs fixed up. */
export interface ElfRawBtf {
  /** The ELF file the BTF came from. */
  readonly elf: ElfFile;
  /** The `.BTF` blob with its DATASECs fixed up as libbpf does, parsed. */
  readonly btf: RawBtf;
  /** The `.BTF` section as it is in the file (decompressed). */
  readonly original: Uint8Array;
  /** The decoded `.BTF.ext`, when the file has one. */
  readonly btfExt: BtfExt | undefined;
}

/**
 * Reads `.BTF` (and `.BTF.ext`) from an ELF object or kernel image, checks the byte order,
 * and fixes up DATASECs as libbpf does when it opens an object.
 * @param source - an opened {@link ElfFile}, a random-access source, or the file's bytes
 * @throws NotFoundError when the file has no `.BTF`
 * @throws FormatError for a malformed ELF file, BTF or `.BTF.ext`, or a DATASEC that cannot
 *   be fixed up
 */
export function loadRawBtfFromElf(
  source: ElfFile | RandomAccessSource | Uint8Array,
  options: LoadRawBtfOptions = {},
): ElfRawBtf {
  const elf = source instanceof ElfFileClass ? source : ElfFileClass.open(source, options);
  const sections = readBtfSections(elf);
  const parseOptions = options.base ? { base: options.base } : {};
  const original = RawBtf.parse(sections.btf, parseOptions);
  const fixed = fixupDatasecs(original, elfDatasecInfo(elf));
  const btf = RawBtf.parse(fixed, parseOptions);
  const btfExt = sections.btfExt ? decodeBtfExt(sections.btfExt, btf.littleEndian) : undefined;
  return { elf, btf, original: sections.btf, btfExt };
}
