export { type BtfSections, readBtfSections } from './btf-sections.js';
export {
  DEFAULT_MAX_SECTION_SIZE,
  type Decompressor,
  type Decompressors,
  decompressSection,
} from './decompress.js';
export { type ElfRawBtf, type LoadRawBtfOptions, loadRawBtfFromElf } from './elf-btf.js';
export { ELFCLASS, ELFCOMPRESS, ELFDATA, SHF, SHN, SHT, STB, STT, STV } from './elf-constants.js';
export { ElfFile, type ElfOpenOptions, type ElfSection, type ElfSymbol } from './elf-file.js';
export {
  coreReloKindName,
  decodeExtInfos,
  type RawCoreRelo,
  type RawFuncInfo,
  type RawLineInfo,
  type RawSectionExtInfos,
} from './ext-infos.js';
export {
  type LoadSpecOptions,
  loadSpecFromBytes,
  loadSplitSpecFromBytes,
  type SpecInput,
} from './load-spec.js';
export {
  type ExtInfoPart,
  type MarshalExtInfosOptions,
  type MarshalledExtInfos,
  marshalExtInfos,
  type ProgramExtInfos,
} from './marshal-ext-infos.js';
export {
  type CoreRelo,
  type ExtInfos,
  type FuncInfo,
  loadSpecAndExtInfosFromBytes,
  resolveExtInfos,
  type SectionExtInfos,
  type SpecAndExtInfos,
} from './resolve-ext-infos.js';
