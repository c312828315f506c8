export { type BtfSections, readBtfSections } from './btf-sections.js';
export {
  type DatasecElfInfo,
  DUMMY_KSYM,
  fixupDatasecs,
  KCONFIG_SECTION,
  KSYMS_SECTION,
  type VariableSymbol,
} from './datasec-fixup.js';
export { DEFAULT_MAX_SECTION_SIZE, decompressSection } from './decompress.js';
export { type ElfRawBtf, type LoadRawBtfOptions, loadRawBtfFromElf } from './elf-btf.js';
export { ELFCLASS, ELFCOMPRESS, ELFDATA, SHF, SHN, SHT, STB, STT, STV } from './elf-constants.js';
export { elfDatasecInfo } from './elf-datasec-info.js';
export {
  ElfFile,
  type ElfOpenOptions,
  type ElfSection,
  type ElfSymbol,
  isGlobalObject,
  isInSection,
} from './elf-file.js';
export {
  coreReloKindName,
  decodeExtInfos,
  type RawCoreRelo,
  type RawFuncInfo,
  type RawLineInfo,
  type RawSectionExtInfos,
} from './ext-infos.js';
export {
  type ElfSpec,
  type LoadSpecOptions,
  loadElfSpec,
  loadSpec,
  loadSpecFromElf,
} from './load-spec.js';
export {
  type ExtInfoPart,
  type MarshalExtInfosOptions,
  type MarshalledExtInfos,
  marshalExtInfos,
  type ProgramExtInfos,
} from './marshal-ext-infos.js';
export {
  type KnownRecord,
  knownRecord,
  MAX_RESOLVE_DEPTH,
  pointerSize,
  resolveRecordSize,
  scalarAlignment,
} from './record-size.js';
export {
  type CoreRelo,
  type ExtInfos,
  type FuncInfo,
  loadSpecAndExtInfos,
  resolveExtInfos,
  type SectionExtInfos,
  type SpecAndExtInfos,
} from './resolve-ext-infos.js';
export { bytesSource, type RandomAccessSource } from './source.js';
