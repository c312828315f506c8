import { BTF_KIND, BTF_KIND_MAX, KIND_NAMES } from './kinds.js';
import { assembleBtf, RawBtf } from './raw-btf.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  makeInfo,
  memberBitfieldSize,
  memberBitOffset,
  packMemberOffset,
  trailingSize,
} from './record-format.js';
import { putBytes, putU32, TextSink } from './text-sink.js';

/**
 * Formats BTF the way `bpftool btf dump file X format raw` (bpftool 7.1) prints it: one
 * block per type, `[id] KIND 'name' fields`, members indented by a tab. For split BTF only
 * the split part is printed, with IDs continuing the base's (bpftool's `-B base`).
 *
 * Records are read straight from the blob and names copied byte for byte, as bpftool's
 * `printf` does, so even names that are not UTF-8 come out as bpftool prints them.
 */
export function* rawDumpChunks(btf: RawBtf, chunkSize = 1 << 16): IterableIterator<Uint8Array> {
  const sink = new TextSink(chunkSize * 2);
  const end = btf.nextTypeID;
  let id = btf.firstTypeID;
  if (end - id >= PRIME_MIN_TYPES) {
    id = writeRawTypes(sink, btf, id, id + PRIME_AFTER, chunkSize);
    primeRawDump();
  }
  while (id < end) {
    id = writeRawTypes(sink, btf, id, end, chunkSize);
    if (sink.length >= chunkSize) {
      yield sink.view().slice();
      sink.reset();
    }
  }
  if (sink.length > 0) yield sink.view().slice();
}

/** Dumps of fewer types than this are over before V8 optimizes anything: no priming. */
const PRIME_MIN_TYPES = 1 << 14;
/** Types formatted before priming: enough for V8 to have allocated the feedback vectors. */
const PRIME_AFTER = 256;

/**
 * Formats, into scratch, a small blob with every kind (with and without kind_flag, with
 * members, bitfields, linkages, names and none) and numbers of every width. V8 optimizes the
 * formatter from the feedback of the types seen so far, and an optimized function that meets
 * a branch it has never run deoptimizes and waits for a new compile: vmlinux's first FUNC,
 * its commonest kind, comes after 45,000 types, and its first 10-digit value later still.
 * Priming makes every path known before V8 optimizes.
 */
function primeRawDump(): void {
  const blob = primeBlob();
  const scratch = new TextSink(1 << 12);
  for (let round = 0; round < 2; round++) {
    for (let id = 1; id < blob.nextTypeID; id++) {
      writeRawType(scratch, blob, id);
      scratch.reset();
    }
    // Every digit count, and a value past 2^31 (not a small integer to V8).
    for (let x = 7; x < 0xffffffff; x = x * 10 + 7) {
      scratch.u32(x);
      scratch.i32(-x);
      scratch.reset();
    }
    scratch.u32(0xffffffff);
    scratch.reset();
  }
}

/** The blob {@link primeRawDump} formats: each kind with kind_flag clear, then set. */
function primeBlob(): RawBtf {
  const words: number[] = [];
  for (let kflag = 0; kflag < 2; kflag++) {
    for (let kind = 1; kind <= BTF_KIND_MAX; kind++) {
      const vlen = hasVlenEntries(kind) ? 2 : kind === BTF_KIND.FUNC ? 1 + kflag : 0;
      // Named (offset 1) or not, pointing at type 1, with values past 2^31 where they fit.
      words.push(kflag, makeInfo(kind, vlen, kflag === 1), kflag ? 0xfffffff0 : 1);
      const trailing = trailingSize(kind, vlen) >>> 2;
      for (let i = 0; i < trailing; i++) {
        // A member's offset word: a bitfield under kind_flag; else small or large values.
        words.push(i % 3 === 2 ? (kflag ? packMemberOffset(true, 5, 3) : 0x80000000) : 1);
      }
    }
  }
  const types = new Uint8Array(new Uint32Array(words).buffer);
  return RawBtf.parse(assembleBtf(types, Uint8Array.of(0, 97, 0), HOST_LITTLE_ENDIAN));
}

/** Whether records of this kind carry vlen entries after them. */
function hasVlenEntries(kind: number): boolean {
  return trailingSize(kind, 1) > trailingSize(kind, 0);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes types from `id` until `end` or until the sink holds `limit` bytes; returns the next
 * ID. The loop lives outside the generator because V8 cannot optimize a generator's loop
 * while it runs (no on-stack replacement), and a dump's first chunk must not run unoptimized.
 */
function writeRawTypes(
  sink: TextSink,
  btf: RawBtf,
  id: number,
  end: number,
  limit: number,
): number {
  while (id < end && sink.length < limit) writeRawType(sink, btf, id++);
  return id;
}

/** The whole raw dump as bytes; see {@link rawDumpChunks}. */
export function rawDumpBytes(btf: RawBtf): Uint8Array {
  const sink = new TextSink(Math.max(1 << 16, btf.bytes.byteLength * 4));
  const end = btf.nextTypeID;
  for (let id = btf.firstTypeID; id < end; id++) writeRawType(sink, btf, id);
  return sink.view();
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** The fixed parts of the output, encoded once: copying bytes is cheaper than char codes. */
function ascii(s: string): Uint8Array {
  return encoder.encode(s);
}

const T_ENCODING_SIGNED_SIZE = ascii(' encoding=SIGNED size=');
const T_ENCODING_UNSIGNED_SIZE = ascii(' encoding=UNSIGNED size=');
const T_FWD_KIND_UNION = ascii(' fwd_kind=union');
const T_FWD_KIND_STRUCT = ascii(' fwd_kind=struct');
const T_ANON = ascii('(anon)');
const T_INVALID = ascii('(invalid)');
const T_SIZE = ascii(' size=');
const T_BITS_OFFSET = ascii(' bits_offset=');
const T_NR_BITS = ascii(' nr_bits=');
const T_ENCODING = ascii(' encoding=');
const T_TYPE_ID = ascii(' type_id=');
const T_INDEX_TYPE_ID = ascii(' index_type_id=');
const T_NR_ELEMS = ascii(' nr_elems=');
const T_VLEN = ascii(' vlen=');
const T_MEMBER = ascii("\n\t'");
const T_QUOTE_TYPE_ID = ascii("' type_id=");
const T_BITFIELD_SIZE = ascii(' bitfield_size=');
const T_VAL = ascii("' val=");
const T_LINKAGE = ascii(' linkage=');
const T_RET_TYPE_ID = ascii(' ret_type_id=');
const T_COMMA_LINKAGE = ascii(', linkage=');
const T_DATASEC_TYPE_ID = ascii('\n\ttype_id=');
const T_OFFSET = ascii(' offset=');
const T_SPACE_PAREN = ascii(' (');
const T_SPACE_QUOTE = ascii(" '");
const T_QUOTE_PAREN = ascii("')");
const T_COMPONENT_IDX = ascii(' component_idx=');

/** The whole raw dump as a string; see {@link rawDumpChunks}. */
export function rawDump(btf: RawBtf): string {
  return utf8.decode(rawDumpBytes(btf));
}

/** One type's raw dump block, including the trailing newline. */
export function formatRawType(btf: RawBtf, id: number): string {
  const sink = new TextSink(256);
  writeRawType(sink, btf, id);
  return utf8.decode(sink.view());
}

const KIND_LABELS = KIND_NAMES.map((k) => ascii(` ${k} '`));
const INT_ENCODINGS = ['(none)', 'SIGNED', 'CHAR', 'UNKN', 'BOOL'].map((e) => ascii(e));
const T_UNKN = ascii('UNKN');
const LINKAGES = ['static', 'global', 'extern'].map((l) => ascii(l));
const T_UNKNOWN = ascii('(unknown)');

function writeName(sink: TextSink, btf: RawBtf, off: number): void {
  if (off === 0) {
    sink.bytes(T_ANON);
    return;
  }
  let t = btf.strings;
  while (off < t.firstOffset && t.base) t = t.base;
  const rel = off - t.firstOffset;
  if (rel < 0 || rel >= t.bytes.byteLength) sink.bytes(T_INVALID);
  else sink.cstring(t.bytes, rel);
}

/**
 * Appends one type's raw dump block to `sink`.
 * @throws NotFoundError when `id` is not a type of `btf`
 */
export function writeRawType(sink: TextSink, btf: RawBtf, id: number): void {
  const owner = btf.owner(id);
  if (!owner) {
    // offsetOf throws the NotFoundError with the ID in its message.
    btf.offsetOf(id);
    return;
  }
  const v = owner.reader.view;
  const le = owner.littleEndian;
  let p = owner.offsets[id - owner.firstTypeID]!;
  const nameOff = v.getUint32(p, le);
  const info = v.getUint32(p + 4, le);
  const sizeType = v.getUint32(p + 8, le);
  p += 12;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  // The header line, and the whole record for the common kinds, go straight into the
  // buffer: fewer calls per type is what makes a cold process (a CLI run) fast.
  const len = nameSpan(btf, nameOff);
  let buf = sink.room(160 + Math.max(len, 0));
  let q = sink.length;
  buf[q++] = 91;
  q = putU32(buf, q, id);
  buf[q++] = 93;
  q = putBytes(buf, q, KIND_LABELS[kind <= BTF_KIND_MAX ? kind : 0]!);
  q = putName(buf, q, len);
  buf[q++] = 39;
  switch (kind) {
    case BTF_KIND.INT: {
      const w = v.getUint32(p, le);
      q = putBytes(buf, q, T_SIZE);
      q = putU32(buf, q, sizeType);
      q = putBytes(buf, q, T_BITS_OFFSET);
      q = putU32(buf, q, intBitOffset(w));
      q = putBytes(buf, q, T_NR_BITS);
      q = putU32(buf, q, intBits(w));
      q = putBytes(buf, q, T_ENCODING);
      q = putBytes(buf, q, INT_ENCODINGS[intEncoding(w)] ?? T_UNKN);
      break;
    }
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      q = putBytes(buf, q, T_TYPE_ID);
      q = putU32(buf, q, sizeType);
      break;
    case BTF_KIND.ARRAY:
      q = putBytes(buf, q, T_TYPE_ID);
      q = putU32(buf, q, v.getUint32(p, le));
      q = putBytes(buf, q, T_INDEX_TYPE_ID);
      q = putU32(buf, q, v.getUint32(p + 4, le));
      q = putBytes(buf, q, T_NR_ELEMS);
      q = putU32(buf, q, v.getUint32(p + 8, le));
      break;
    case BTF_KIND.FUNC:
      q = putBytes(buf, q, T_TYPE_ID);
      q = putU32(buf, q, sizeType);
      q = putBytes(buf, q, T_LINKAGE);
      q = putBytes(buf, q, LINKAGES[vlen] ?? T_UNKNOWN);
      break;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.FUNC_PROTO:
      q = putBytes(buf, q, kind === BTF_KIND.FUNC_PROTO ? T_RET_TYPE_ID : T_SIZE);
      q = putU32(buf, q, sizeType);
      q = putBytes(buf, q, T_VLEN);
      q = putU32(buf, q, vlen);
      sink.length = q;
      if (kind === BTF_KIND.FUNC_PROTO) writeParams(sink, btf, v, le, p, vlen);
      else writeMembers(sink, btf, v, le, p, vlen, kflag);
      buf = sink.room(1);
      q = sink.length;
      break;
    default:
      sink.length = q;
      writeTail(sink, btf, v, le, p, kind, vlen, kflag, sizeType);
      buf = sink.room(1);
      q = sink.length;
  }
  buf[q++] = 10;
  sink.length = q;
}

/** The rest of a record of the less common kinds, after its header line's name. */
function writeTail(
  sink: TextSink,
  btf: RawBtf,
  v: DataView,
  le: boolean,
  p: number,
  kind: number,
  vlen: number,
  kflag: boolean,
  sizeType: number,
): void {
  switch (kind) {
    case BTF_KIND.ENUM:
      sink.bytes(kflag ? T_ENCODING_SIGNED_SIZE : T_ENCODING_UNSIGNED_SIZE);
      sink.u32(sizeType);
      sink.bytes(T_VLEN);
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 8) {
        sink.bytes(T_MEMBER);
        writeName(sink, btf, v.getUint32(p, le));
        sink.bytes(T_VAL);
        if (kflag) sink.i32(v.getInt32(p + 4, le));
        else sink.u32(v.getUint32(p + 4, le));
      }
      break;
    case BTF_KIND.ENUM64:
      sink.bytes(kflag ? T_ENCODING_SIGNED_SIZE : T_ENCODING_UNSIGNED_SIZE);
      sink.u32(sizeType);
      sink.bytes(T_VLEN);
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 12) {
        sink.bytes(T_MEMBER);
        writeName(sink, btf, v.getUint32(p, le));
        sink.bytes(T_VAL);
        const u = (BigInt(v.getUint32(p + 8, le)) << 32n) | BigInt(v.getUint32(p + 4, le));
        sink.text(kflag ? `${BigInt.asIntN(64, u)}LL` : `${u}ULL`);
      }
      break;
    case BTF_KIND.FWD:
      sink.bytes(kflag ? T_FWD_KIND_UNION : T_FWD_KIND_STRUCT);
      break;
    case BTF_KIND.VAR:
      sink.bytes(T_TYPE_ID);
      sink.u32(sizeType);
      sink.bytes(T_COMMA_LINKAGE);
      sink.bytes(LINKAGES[v.getUint32(p, le)] ?? T_UNKNOWN);
      break;
    case BTF_KIND.DATASEC:
      sink.bytes(T_SIZE);
      sink.u32(sizeType);
      sink.bytes(T_VLEN);
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 12) {
        const type = v.getUint32(p, le);
        sink.bytes(T_DATASEC_TYPE_ID);
        sink.u32(type);
        sink.bytes(T_OFFSET);
        sink.u32(v.getUint32(p + 4, le));
        sink.bytes(T_SIZE);
        sink.u32(v.getUint32(p + 8, le));
        if (type < btf.nextTypeID) {
          const k = type === 0 ? 0 : btf.kindOf(type);
          sink.bytes(T_SPACE_PAREN);
          sink.text(KIND_NAMES[k <= BTF_KIND_MAX ? k : 0]!);
          sink.bytes(T_SPACE_QUOTE);
          writeName(sink, btf, btf.nameOffOf(type));
          sink.bytes(T_QUOTE_PAREN);
        }
      }
      break;
    case BTF_KIND.FLOAT:
      sink.bytes(T_SIZE);
      sink.u32(sizeType);
      break;
    case BTF_KIND.DECL_TAG:
      sink.bytes(T_TYPE_ID);
      sink.u32(sizeType);
      sink.bytes(T_COMPONENT_IDX);
      sink.i32(v.getInt32(p, le));
      break;
  }
}

// Where the name {@link nameSpan} found last starts: set by it, read by {@link putName}
// right after, so that finding a name allocates nothing.
let spanBytes: Uint8Array = new Uint8Array(1);
let spanRel = 0;

/**
 * Finds the name at string offset `off`: returns its length in bytes (and remembers where it
 * is for {@link putName}), -1 for offset 0 (`(anon)`), -2 past the end (`(invalid)`).
 */
function nameSpan(btf: RawBtf, off: number): number {
  if (off === 0) return -1;
  let t = btf.strings;
  while (off < t.firstOffset && t.base) t = t.base;
  const rel = off - t.firstOffset;
  const bytes = t.bytes;
  if (rel < 0 || rel >= bytes.length) return -2;
  // A string section ends with NUL (checked when parsed).
  let e = rel;
  while (bytes[e] !== 0) e++;
  spanBytes = bytes;
  spanRel = rel;
  return e - rel;
}

/** Writes the name {@link nameSpan} just measured (`len` is what it returned). */
function putName(buf: Uint8Array, q: number, len: number): number {
  if (len === -1) return putBytes(buf, q, T_ANON);
  if (len === -2) return putBytes(buf, q, T_INVALID);
  const src = spanBytes;
  const rel = spanRel;
  for (let k = 0; k < len; k++) buf[q + k] = src[rel + k]!;
  return q + len;
}

/** The parameter lines of a FUNC_PROTO, each written in one go. */
function writeParams(
  sink: TextSink,
  btf: RawBtf,
  v: DataView,
  le: boolean,
  p: number,
  vlen: number,
): void {
  for (let i = 0; i < vlen; i++, p += 8) {
    const len = nameSpan(btf, v.getUint32(p, le));
    const buf = sink.room(48 + Math.max(len, 0));
    let q = putBytes(buf, sink.length, T_MEMBER);
    q = putName(buf, q, len);
    q = putBytes(buf, q, T_QUOTE_TYPE_ID);
    q = putU32(buf, q, v.getUint32(p + 4, le));
    sink.length = q;
  }
}

/**
 * The member lines of a struct or union, each written in one go into the sink's buffer: the
 * bulk of a vmlinux dump, and a loop that the JIT optimizes early.
 */
function writeMembers(
  sink: TextSink,
  btf: RawBtf,
  v: DataView,
  le: boolean,
  p: number,
  vlen: number,
  kflag: boolean,
): void {
  for (let i = 0; i < vlen; i++, p += 12) {
    const len = nameSpan(btf, v.getUint32(p, le));
    const off = v.getUint32(p + 8, le);
    const buf = sink.room(96 + Math.max(len, 0));
    let q = putBytes(buf, sink.length, T_MEMBER);
    q = putName(buf, q, len);
    q = putBytes(buf, q, T_QUOTE_TYPE_ID);
    q = putU32(buf, q, v.getUint32(p + 4, le));
    q = putBytes(buf, q, T_BITS_OFFSET);
    q = putU32(buf, q, memberBitOffset(kflag, off));
    const bitfieldSize = memberBitfieldSize(kflag, off);
    if (bitfieldSize) {
      q = putBytes(buf, q, T_BITFIELD_SIZE);
      q = putU32(buf, q, bitfieldSize);
    }
    sink.length = q;
  }
}
