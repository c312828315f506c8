import {
  BTF_HEADER_SIZE,
  BTF_KIND,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_VERSION,
  encodeHeader,
  FormatError,
  forEachTypeRefWord,
  infoKind,
  infoVlen,
  kindName,
  NotSupportedError,
  RawBtf,
  type StringTable,
} from '@btfkit/wire';
import { Builder } from '../builder.js';
import { type ByteOrder, HOST_BYTE_ORDER } from '../marshal-types.js';
import { Spec } from '../spec.js';
import { dedupGraph } from './dedup-graph.js';
import { StringSectionIndex, StringSetBuilder } from './dedup-strings.js';

/** What {@link dedupBtf} takes: a raw BTF blob, a {@link Spec} or a {@link Builder}'s types. */
export type DedupSource = Uint8Array | Spec | Builder;

/** Options for {@link dedupBtf}. */
export interface DedupOptions {
  /**
   * The base BTF: types of the sources that equal a base type resolve to the base type
   * (libbpf's `btf__dedup` of split BTF); the base is not changed and not in the output. Raw
   * blobs, Builders' types and split Specs are split BTF over this base (their IDs and
   * string offsets continue the base's, as a kernel module's do); a Spec without a base is a
   * blob of its own, appended after the base as `btf__add_btf` appends it.
   */
  readonly base?: Uint8Array | Spec;
  /**
   * Byte order of the output. Default as libbpf: the host's for blobs appended with
   * `btf__add_btf`; with a base, the first source's when it is split BTF (parsed over the
   * base), else the base's.
   */
  readonly byteOrder?: ByteOrder;
}

/** The result of {@link dedupBtf}. */
export interface DedupResult {
  /** The deduplicated raw BTF (split BTF over the base when there is one). */
  readonly btf: Uint8Array;
  /** Types in the sources (void and base types not counted). */
  readonly typesIn: number;
  /** Types in {@link btf}. */
  readonly typesOut: number;
  /**
   * The output ID of every input ID, indexed by the ID a type has once the sources are
   * appended (the first source's types from 1, or from the base's next ID, then the
   * second's, ...). Void and base IDs map to themselves.
   */
  readonly typeMap: Uint32Array;
}

/** The last kind libbpf 1.1 knows. */
const KIND_LIMIT = BTF_KIND.ENUM64;

/**
 * Deduplicates BTF as libbpf's `btf__dedup` does, with libbpf 1.1's output bytes: the sources
 * are appended one after another as `btf__add_btf` appends them, strings are deduplicated
 * in the order libbpf visits them, then primitive types, structs and unions (with forward
 * declarations resolved to their definition where the name is not ambiguous), reference
 * types, and the types left are compacted and renumbered. With `options.base` the sources
 * are split BTF over it and the types that equal base types resolve to them.
 *
 * Two fixes of newer libbpf are taken where 1.1 did worse: identical but distinct pointer,
 * qualifier and function chains inside a struct no longer keep it from merging (libbpf
 * 1.6); and where 1.1 fails with ELOOP on a typedef that reaches itself through a pointer,
 * the whole input is deduplicated as libbpf 1.7 does, with typedefs in the struct pass (the
 * output is then libbpf 1.8's). Otherwise the output is 1.1's to the byte.
 * @see https://docs.kernel.org/bpf/btf.html
 * @throws FormatError when a source is malformed: a bad header or record, a reference to a
 * type ID past the end, a string offset past the string section, or a type graph libbpf's
 * dedup rejects (a loop of reference types without a struct or typedef in it, EINVAL kinds),
 * or strings that deduplicate to more than the kernel's 16 MiB string section
 * @throws NotSupportedError for kinds libbpf 1.1 does not know (past ENUM64, or a layout
 * section's)
 */
export function dedupBtf(sources: readonly DedupSource[], options: DedupOptions = {}): DedupResult {
  try {
    return dedupWith(sources, options, false);
  } catch (err) {
    // libbpf 1.1 fails on a loop of reference types; libbpf 1.7 dedups typedefs with the
    // structs, which takes loops through a typedef (as Go's types have). Only then is the
    // newer mode used: it picks other canonical typedefs than 1.1 on some graphs.
    if (err instanceof FormatError && err.message.endsWith('(ELOOP)')) {
      return dedupWith(sources, options, true);
    }
    throw err;
  }
}

function dedupWith(
  sources: readonly DedupSource[],
  options: DedupOptions,
  typedefsAsStructs: boolean,
): DedupResult {
  // A split Spec brings its base along when none is given.
  const base =
    options.base ?? sources.find((s): s is Spec => s instanceof Spec && s.base !== undefined)?.base;
  const baseRaw = base === undefined ? undefined : toRaw(base, undefined);
  const raws = sources.map((s) =>
    toRaw(s, s instanceof Spec && s.base === undefined ? undefined : baseRaw),
  );
  const startId = baseRaw ? baseRaw.nextTypeID : 1;
  let count = startId;
  let words = 3;
  if (baseRaw) words += baseRaw.header.typeLen >>> 2;
  for (const r of raws) {
    count += r.typeCount;
    words += r.header.typeLen >>> 2;
  }
  const w = new Uint32Array(words);
  const offsets = new Uint32Array(count + 1);
  let pos = 3;
  let id = 1;
  if (baseRaw) {
    copyWords(baseRaw, w, pos);
    for (let i = 0; i < baseRaw.typeCount; i++) offsets[id++] = pos + (baseRaw.offsets[i]! >>> 2);
    pos += baseRaw.header.typeLen >>> 2;
  }
  // The base is checked as the sources are (its names are used as they are).
  if (baseRaw) fixRecords(w, offsets, 1, startId, baseRaw, 0, undefined);
  // Appended blobs mostly share their strings: room for the largest one's to start with.
  let stringBytes = 1;
  for (const r of raws) stringBytes = Math.max(stringBytes, r.strings.bytes.byteLength);
  const baseStrings = baseRaw?.strings;
  const baseEnd = baseStrings ? baseStrings.end : 0;
  // String offsets past BTF_MAX_NAME_OFFSET are past what the kernel reads (libbpf allows
  // 2 GiB): the bound that keeps names pointing into strings from blowing up the section.
  const strings = new StringSetBuilder(stringBytes, Math.max(0, BTF_MAX_NAME_OFFSET + 1 - baseEnd));
  if (!baseRaw) strings.add(EMPTY, 0, 0);
  let baseIndex: StringSectionIndex | undefined;
  const fix: StringFix = {
    strings,
    baseEnd,
    baseIndex: (): StringSectionIndex => {
      baseIndex ??= new StringSectionIndex(baseStrings!.bytes);
      return baseIndex;
    },
    cache: { table: undefined, slots: new Int32Array(2 << CACHE_BITS) },
  };
  for (const r of raws) {
    const first = id;
    copyWords(r, w, pos);
    for (let i = 0; i < r.typeCount; i++) offsets[id++] = pos + (r.offsets[i]! >>> 2);
    pos += r.header.typeLen >>> 2;
    // This source's own IDs start at r.firstTypeID; appended, at `first`.
    fixRecords(w, offsets, first, id, r, first - r.firstTypeID, fix);
  }
  offsets[count] = pos;
  const outcome = dedupGraph({ words: w, offsets, count, startId, typedefsAsStructs });
  const { kept, newIds, canonical } = outcome;
  const typeMap = new Uint32Array(count);
  for (let i = 0; i < count; i++) typeMap[i] = newIds[canonical[i]!]!;
  let outWords = 0;
  for (const k of kept) outWords += offsets[k + 1]! - offsets[k]!;
  // libbpf writes what it parsed in its own order, and new split BTF in its base's.
  const like = raws[0]?.base ? raws[0] : baseRaw;
  const order =
    options.byteOrder ?? (like ? (like.littleEndian ? 'little' : 'big') : HOST_BYTE_ORDER);
  const le = order === 'little';
  // The types are written as words straight into the blob: one allocation for the output.
  const strs = strings.finish();
  const typeLen = outWords * 4;
  const btf = new Uint8Array(BTF_HEADER_SIZE + typeLen + strs.byteLength);
  btf.set(
    encodeHeader(
      {
        magic: BTF_MAGIC,
        version: BTF_VERSION,
        flags: 0,
        hdrLen: BTF_HEADER_SIZE,
        typeOff: 0,
        typeLen,
        strOff: typeLen,
        strLen: strs.byteLength,
      },
      le,
    ),
  );
  btf.set(strs, BTF_HEADER_SIZE + typeLen);
  const typeBytes = btf.subarray(BTF_HEADER_SIZE, BTF_HEADER_SIZE + outWords * 4);
  const out =
    le === HOST_LE && typeBytes.byteOffset % 4 === 0
      ? new Uint32Array(typeBytes.buffer, typeBytes.byteOffset, outWords)
      : new Uint32Array(outWords);
  let at = 0;
  for (const k of kept) {
    const o = offsets[k]!;
    const len = offsets[k + 1]! - o;
    out.set(w.subarray(o, o + len), at);
    remapRecord(out, at, k, typeMap);
    at += len;
  }
  if (out.buffer !== typeBytes.buffer) {
    const view = new DataView(typeBytes.buffer, typeBytes.byteOffset, typeBytes.byteLength);
    for (let i = 0; i < outWords; i++) view.setUint32(i * 4, out[i]!, le);
  }
  return { btf, typesIn: count - startId, typesOut: kept.length, typeMap };
}

const EMPTY = new Uint8Array(0);
const HOST_LE = HOST_BYTE_ORDER === 'little';

function toRaw(source: DedupSource, base: RawBtf | undefined): RawBtf {
  if (source instanceof Uint8Array) return RawBtf.parse(source, base ? { base } : {});
  if (source instanceof Spec || source instanceof Builder)
    return RawBtf.parse(source.marshal(), base ? { base } : {});
  throw new TypeError('btf dedup: a source is not a Uint8Array, Spec or Builder');
}

function copyWords(r: RawBtf, w: Uint32Array, at: number): void {
  const t = r.types;
  const n = t.byteLength >>> 2;
  if (r.littleEndian === HOST_LE && t.byteOffset % 4 === 0) {
    w.set(new Uint32Array(t.buffer, t.byteOffset, n), at);
    return;
  }
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const le = r.littleEndian;
  for (let i = 0; i < n; i++) w[at + i] = view.getUint32(i * 4, le);
}

interface StringFix {
  readonly strings: StringSetBuilder;
  /** Length of the base's string section; 0 without a base. */
  readonly baseEnd: number;
  readonly baseIndex: () => StringSectionIndex;
  readonly cache: StringCache;
}

/**
 * One pass over a source's records, in ID order: kinds and vlens checked, string offsets
 * rewritten to the deduplicated section in libbpf's visit order (the name, then member,
 * value or parameter names; not for the base, whose `fix` is undefined), references checked
 * and moved to the appended IDs.
 */
function fixRecords(
  w: Uint32Array,
  offsets: Uint32Array,
  from: number,
  to: number,
  r: RawBtf,
  shift: number,
  fix: StringFix | undefined,
): void {
  const limit = r.nextTypeID;
  // Split BTF keeps its references to the base; a blob of its own moves whole.
  const ownFirst = r.firstTypeID;
  const split = r.base !== undefined;
  const table = r.strings;
  const ref = (at: number, id: number): void => {
    const v = w[at]!;
    if (v >= limit) {
      throw new FormatError(
        `btf dedup: type id ${id - shift}: references type ${v}, past the last type ${limit - 1}`,
        { typeID: id - shift },
      );
    }
    if (v >= ownFirst) w[at] = v + shift;
  };
  const str = fix
    ? (at: number, id: number): void => {
        w[at] = dedupString(w[at]!, table, split, fix, id - shift);
      }
    : () => undefined;
  for (let id = from; id < to; id++) {
    const o = offsets[id]!;
    const info = w[o + 1]!;
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    if (kind === 0 || kind > KIND_LIMIT) {
      throw new NotSupportedError(
        `btf dedup: type id ${id - shift}: ${kindName(kind)} is not a kind libbpf 1.1 deduplicates`,
      );
    }
    if (vlen > 0xffff) {
      throw new FormatError(
        `btf dedup: type id ${id - shift}: vlen ${vlen} is more than the 65535 the kernel and libbpf read`,
        { typeID: id - shift },
      );
    }
    str(o, id);
    switch (kind) {
      case BTF_KIND.PTR:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        ref(o + 2, id);
        break;
      case BTF_KIND.ARRAY:
        ref(o + 3, id);
        ref(o + 4, id);
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let m = o + 3, end = o + 3 + 3 * vlen; m < end; m += 3) {
          str(m, id);
          ref(m + 1, id);
        }
        break;
      case BTF_KIND.ENUM:
        for (let m = o + 3, end = o + 3 + 2 * vlen; m < end; m += 2) str(m, id);
        break;
      case BTF_KIND.ENUM64:
        for (let m = o + 3, end = o + 3 + 3 * vlen; m < end; m += 3) str(m, id);
        break;
      case BTF_KIND.FUNC_PROTO:
        ref(o + 2, id);
        for (let p = o + 3, end = o + 3 + 2 * vlen; p < end; p += 2) {
          str(p, id);
          ref(p + 1, id);
        }
        break;
      case BTF_KIND.DATASEC:
        for (let e = o + 3, end = o + 3 + 3 * vlen; e < end; e += 3) ref(e, id);
        break;
    }
  }
}

/**
 * libbpf's string dedup of one offset: 0 and a split blob's offsets into the base stay; a
 * string the base has becomes the base's first copy of it (as `btf__add_str` finds it); any
 * other string gets its offset in the new section (after the base's).
 */
function dedupString(
  off: number,
  table: StringTable,
  split: boolean,
  fix: StringFix,
  id: number,
): number {
  if (off === 0 || (split && off < fix.baseEnd)) return off;
  const rel = off - table.firstOffset;
  const bytes = table.bytes;
  if (rel < 0 || rel >= bytes.byteLength) {
    throw new FormatError(
      `btf dedup: type id ${id}: string offset ${off} is past the end of the string section`,
      { typeID: id },
    );
  }
  // Names repeat (member names above all) at the same offset of a blob: a direct-mapped
  // cache of offset -> result skips hashing the bytes again.
  const cache = fix.cache;
  const slot = (Math.imul(off, 0x9e3779b1) >>> CACHE_SHIFT) * 2;
  if (cache.table === table && cache.slots[slot] === off + 1) return cache.slots[slot + 1]!;
  if (cache.table !== table) {
    cache.slots.fill(0);
    cache.table = table;
  }
  const end = bytes.indexOf(0, rel);
  let out = -1;
  if (fix.baseEnd > 0) out = fix.baseIndex().find(bytes, rel, end);
  if (out < 0) out = fix.baseEnd + fix.strings.add(bytes, rel, end);
  cache.slots[slot] = off + 1;
  cache.slots[slot + 1] = out;
  return out;
}

const CACHE_BITS = 15;
const CACHE_SHIFT = 32 - CACHE_BITS;

/** The string cache of {@link dedupString}: for one blob's table at a time. */
interface StringCache {
  table: StringTable | undefined;
  readonly slots: Int32Array;
}

/** Rewrites the references of the record at `out[at]` to output IDs. */
function remapRecord(out: Uint32Array, at: number, id: number, typeMap: Uint32Array): void {
  forEachTypeRefWord(out, at, (i) => {
    const v = typeMap[out[i]!]!;
    if (v > 0x7fffffff) {
      throw new FormatError(
        `btf dedup: type id ${id}: references type ${out[i]}, which was not kept`,
        { typeID: id },
      );
    }
    out[i] = v;
  });
}
