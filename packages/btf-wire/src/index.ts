export {
  BPF_CORE_RELO_KIND,
  type BtfExt,
  type BtfExtHeader,
  type CoreReloRecord,
  decodeBtfExt,
  type ExtSection,
  type ExtSubsection,
  encodeBtfExt,
  encodeFuncInfos,
  encodeLineInfos,
  FUNC_INFO_SIZE,
  type FuncInfoRecord,
  LINE_INFO_SIZE,
  type LineInfoRecord,
} from './btf-ext.js';
export { ByteReader } from './byte-reader.js';
export { ByteWriter } from './byte-writer.js';
export {
  BtfError,
  EncodeError,
  FormatError,
  type FormatErrorLocation,
  MultipleMatchesError,
  NotFoundError,
  NotSupportedError,
} from './errors.js';
export {
  type BtfHeader,
  type DecodedHeader,
  decodeHeader,
  detectByteOrder,
  encodeHeader,
} from './header.js';
export { jsonDump, jsonDumpChunks } from './json-dump.js';
export {
  BTF_FUNC_LINKAGE,
  BTF_HEADER_SIZE,
  BTF_HEADER_SIZE_LAYOUT,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND,
  BTF_KIND_LIMIT,
  BTF_KIND_MAX,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_TYPE,
  BTF_MAX_VLEN,
  BTF_TYPE_SIZE,
  BTF_VAR_LINKAGE,
  BTF_VERSION,
  BTF_VLEN_LIMIT,
  type BtfKind,
  infoKflag,
  infoKind,
  infoVlen,
  KIND_NAMES,
  KIND_SINCE,
  kindName,
  makeInfo,
} from './kinds.js';
export { decodeLayout, encodeLayout, KIND_LAYOUT_SIZE, type KindLayout } from './layout.js';
export { bytesSource, type RandomAccessSource } from './random-access-source.js';
export {
  assembleBtf,
  type EncodeBtfInput,
  encodeBtf,
  indexTypes,
  type ParseRawOptions,
  RawBtf,
} from './raw-btf.js';
export { formatRawType, rawDump, rawDumpBytes, rawDumpChunks } from './raw-dump.js';
export { StringTable, StringTableBuilder } from './string-table.js';
export { TextSink } from './text-sink.js';
export {
  type ArrayRecord,
  type BtfRecord,
  type CompositeRecord,
  type DatasecRecord,
  type DeclTagRecord,
  decodeRecord,
  type Enum64Record,
  type Enum64ValueRecord,
  type EnumRecord,
  type EnumValueRecord,
  encodeRecord,
  type FloatRecord,
  type FuncProtoRecord,
  type FuncRecord,
  type FwdRecord,
  type IntRecord,
  isOpaque,
  type MemberRecord,
  memberBitfieldSize,
  memberBitOffset,
  type OpaqueRecord,
  type ParamRecord,
  packMemberOffset,
  type RefRecord,
  trailingSize,
  type VarRecord,
  type VarSecinfoRecord,
} from './type-records.js';
