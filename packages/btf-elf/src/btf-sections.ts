import { detectByteOrder, FormatError, NotFoundError } from '@btfkit/wire';
import type { ElfFile, ElfSection } from './elf-file.js';

/** The BTF sections of an ELF file, decompressed. */
export interface BtfSections {
  /** The `.BTF` section's contents. */
  readonly btf: Uint8Array;
  /** The `.BTF.ext` section's contents, when the file has one. */
  readonly btfExt: Uint8Array | undefined;
  /** The `.BTF` section header. */
  readonly btfSection: ElfSection;
  /** The `.BTF.ext` section header, when the file has one. */
  readonly btfExtSection: ElfSection | undefined;
}

/**
 * Reads `.BTF` and, if present, `.BTF.ext` from an ELF file (decompressing them when they
 * are `SHF_COMPRESSED`) and checks that their byte order is the ELF file's.
 * @throws NotFoundError when the file has no `.BTF` section
 * @throws FormatError when a section is malformed or its byte order differs from the ELF's
 */
export function readBtfSections(elf: ElfFile): BtfSections {
  const btfSection = elf.section('.BTF');
  if (!btfSection) throw new NotFoundError('elf: no .BTF section');
  const btf = elf.sectionData(btfSection);
  checkOrder(elf, btfSection, btf);
  const btfExtSection = elf.section('.BTF.ext');
  let btfExt: Uint8Array | undefined;
  if (btfExtSection) {
    btfExt = elf.sectionData(btfExtSection);
    checkOrder(elf, btfExtSection, btfExt);
  }
  return { btf, btfExt, btfSection, btfExtSection };
}

function checkOrder(elf: ElfFile, section: ElfSection, bytes: Uint8Array): void {
  const le = detectByteOrder(bytes);
  if (le === undefined) {
    throw new FormatError(
      `elf: offset ${section.offset}: section ${section.name} has no BTF magic`,
      {
        offset: section.offset,
      },
    );
  }
  if (le !== elf.littleEndian) {
    const order = (l: boolean) => (l ? 'little-endian' : 'big-endian');
    throw new FormatError(
      `elf: offset ${section.offset}: section ${section.name} is ${order(le)} but the ELF file is ${order(elf.littleEndian)}`,
      { offset: section.offset },
    );
  }
}
