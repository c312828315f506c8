import { BTF_KIND, BTF_KIND_MAX, KIND_NAMES } from './kinds.js';
import type { RawBtf } from './raw-btf.js';
import { TextSink } from './text-sink.js';

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
  const end = btf.nextTypeId;
  for (let id = btf.firstTypeId; id < end; id++) {
    writeRawType(sink, btf, id);
    if (sink.length >= chunkSize) {
      yield sink.view().slice();
      sink.reset();
    }
  }
  if (sink.length > 0) yield sink.view().slice();
}

/** The whole raw dump as bytes; see {@link rawDumpChunks}. */
export function rawDumpBytes(btf: RawBtf): Uint8Array {
  const sink = new TextSink(Math.max(1 << 16, btf.bytes.byteLength * 4));
  const end = btf.nextTypeId;
  for (let id = btf.firstTypeId; id < end; id++) writeRawType(sink, btf, id);
  return sink.view();
}

const utf8 = new TextDecoder();

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

const KIND_LABELS = KIND_NAMES.map((k) => ` ${k} '`);
const INT_ENCODINGS = ['(none)', 'SIGNED', 'CHAR', 'UNKN', 'BOOL'];
const LINKAGES = ['static', 'global', 'extern'];

function writeName(sink: TextSink, btf: RawBtf, off: number): void {
  if (off === 0) {
    sink.text('(anon)');
    return;
  }
  let t = btf.strings;
  while (off < t.firstOffset && t.base) t = t.base;
  const rel = off - t.firstOffset;
  if (rel < 0 || rel >= t.bytes.byteLength) sink.text('(invalid)');
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
  let p = owner.offsets[id - owner.firstTypeId]!;
  const nameOff = v.getUint32(p, le);
  const info = v.getUint32(p + 4, le);
  const sizeType = v.getUint32(p + 8, le);
  p += 12;
  const kind = (info >>> 24) & 0x7f;
  const vlen = info & 0xffff;
  const kflag = info >>> 31 === 1;
  sink.byte(91);
  sink.u32(id);
  sink.byte(93);
  sink.text(KIND_LABELS[kind <= BTF_KIND_MAX ? kind : 0]!);
  writeName(sink, btf, nameOff);
  sink.byte(39);
  switch (kind) {
    case BTF_KIND.INT: {
      const w = v.getUint32(p, le);
      sink.text(' size=');
      sink.u32(sizeType);
      sink.text(' bits_offset=');
      sink.u32((w >>> 16) & 0xff);
      sink.text(' nr_bits=');
      sink.u32(w & 0xff);
      sink.text(' encoding=');
      sink.text(INT_ENCODINGS[(w >>> 24) & 0x0f] ?? 'UNKN');
      break;
    }
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      sink.text(' type_id=');
      sink.u32(sizeType);
      break;
    case BTF_KIND.ARRAY:
      sink.text(' type_id=');
      sink.u32(v.getUint32(p, le));
      sink.text(' index_type_id=');
      sink.u32(v.getUint32(p + 4, le));
      sink.text(' nr_elems=');
      sink.u32(v.getUint32(p + 8, le));
      break;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      sink.text(' size=');
      sink.u32(sizeType);
      sink.text(' vlen=');
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 12) {
        const off = v.getUint32(p + 8, le);
        sink.text("\n\t'");
        writeName(sink, btf, v.getUint32(p, le));
        sink.text("' type_id=");
        sink.u32(v.getUint32(p + 4, le));
        sink.text(' bits_offset=');
        sink.u32(kflag ? off & 0xffffff : off);
        if (kflag && off >>> 24) {
          sink.text(' bitfield_size=');
          sink.u32(off >>> 24);
        }
      }
      break;
    case BTF_KIND.ENUM:
      sink.text(kflag ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size=');
      sink.u32(sizeType);
      sink.text(' vlen=');
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 8) {
        sink.text("\n\t'");
        writeName(sink, btf, v.getUint32(p, le));
        sink.text("' val=");
        if (kflag) sink.i32(v.getInt32(p + 4, le));
        else sink.u32(v.getUint32(p + 4, le));
      }
      break;
    case BTF_KIND.ENUM64:
      sink.text(kflag ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size=');
      sink.u32(sizeType);
      sink.text(' vlen=');
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 12) {
        sink.text("\n\t'");
        writeName(sink, btf, v.getUint32(p, le));
        sink.text("' val=");
        const u = (BigInt(v.getUint32(p + 8, le)) << 32n) | BigInt(v.getUint32(p + 4, le));
        sink.text(kflag ? `${BigInt.asIntN(64, u)}LL` : `${u}ULL`);
      }
      break;
    case BTF_KIND.FWD:
      sink.text(kflag ? ' fwd_kind=union' : ' fwd_kind=struct');
      break;
    case BTF_KIND.FUNC:
      sink.text(' type_id=');
      sink.u32(sizeType);
      sink.text(' linkage=');
      sink.text(LINKAGES[vlen] ?? '(unknown)');
      break;
    case BTF_KIND.FUNC_PROTO:
      sink.text(' ret_type_id=');
      sink.u32(sizeType);
      sink.text(' vlen=');
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 8) {
        sink.text("\n\t'");
        writeName(sink, btf, v.getUint32(p, le));
        sink.text("' type_id=");
        sink.u32(v.getUint32(p + 4, le));
      }
      break;
    case BTF_KIND.VAR:
      sink.text(' type_id=');
      sink.u32(sizeType);
      sink.text(', linkage=');
      sink.text(LINKAGES[v.getUint32(p, le)] ?? '(unknown)');
      break;
    case BTF_KIND.DATASEC:
      sink.text(' size=');
      sink.u32(sizeType);
      sink.text(' vlen=');
      sink.u32(vlen);
      for (let i = 0; i < vlen; i++, p += 12) {
        const type = v.getUint32(p, le);
        sink.text('\n\ttype_id=');
        sink.u32(type);
        sink.text(' offset=');
        sink.u32(v.getUint32(p + 4, le));
        sink.text(' size=');
        sink.u32(v.getUint32(p + 8, le));
        if (type < btf.nextTypeId) {
          const k = type === 0 ? 0 : btf.kindOf(type);
          sink.text(' (');
          sink.text(KIND_NAMES[k <= BTF_KIND_MAX ? k : 0]!);
          sink.text(" '");
          writeName(sink, btf, btf.nameOffOf(type));
          sink.text("')");
        }
      }
      break;
    case BTF_KIND.FLOAT:
      sink.text(' size=');
      sink.u32(sizeType);
      break;
    case BTF_KIND.DECL_TAG:
      sink.text(' type_id=');
      sink.u32(sizeType);
      sink.text(' component_idx=');
      sink.i32(v.getInt32(p, le));
      break;
  }
  sink.byte(10);
}
