import { BTF_KIND, BTF_KIND_MAX, KIND_NAMES } from './kinds.js';
import type { RawBtf } from './raw-btf.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  memberBitfieldSize,
  memberBitOffset,
} from './record-format.js';
import { TextSink } from './text-sink.js';

/**
 * Formats BTF as JSON the way `bpftool -j btf dump file X format raw` (bpftool 7.1) prints
 * it: `{"types":[...]}` with one compact object per type in ID order, fields named and
 * ordered as bpftool names them (`id`, `kind`, `name`, then the kind's fields; `members`,
 * `values`, `params` or `vars` for kinds with a vlen). Values are bpftool's too, including
 * its one quirk: an unsigned ENUM value with bit 31 set is printed sign-extended to 64 bits.
 *
 * Where bpftool writes invalid JSON (it escapes `'` as `\'` and `\` as `\n`), this writes
 * valid JSON instead; names that are C identifiers, as in all kernel and clang BTF, come out
 * identical.
 */
export function* jsonDumpChunks(btf: RawBtf, chunkSize = 1 << 16): IterableIterator<Uint8Array> {
  const sink = new TextSink(chunkSize * 2);
  sink.text('{"types":[');
  const end = btf.nextTypeID;
  for (let id = btf.firstTypeID; id < end; ) {
    id = writeJsonTypes(sink, btf, id, end, chunkSize);
    if (sink.length >= chunkSize) {
      yield sink.view().slice();
      sink.reset();
    }
  }
  sink.text(']}\n');
  yield sink.view().slice();
}

/**
 * Writes types from `id`, comma-separated, until `end` or until the sink holds `limit` bytes;
 * returns the next ID. Outside the generator so that V8 can optimize the loop while it runs.
 */
function writeJsonTypes(
  sink: TextSink,
  btf: RawBtf,
  id: number,
  end: number,
  limit: number,
): number {
  while (id < end && sink.length < limit) {
    if (id !== btf.firstTypeID) sink.byte(44);
    writeJsonType(sink, btf, id++);
  }
  return id;
}

const utf8 = new TextDecoder();

/** The whole JSON dump as a string; see {@link jsonDumpChunks}. */
export function jsonDump(btf: RawBtf): string {
  let out = '';
  for (const c of jsonDumpChunks(btf)) out += utf8.decode(c);
  return out;
}

const LINKAGES = ['static', 'global', 'extern'];
const INT_ENCODINGS = ['(none)', 'SIGNED', 'CHAR', 'UNKN', 'BOOL'];

function writeString(sink: TextSink, s: string): void {
  sink.bytes(new TextEncoder().encode(JSON.stringify(s)));
}

function writeName(sink: TextSink, btf: RawBtf, off: number): void {
  if (off === 0) {
    sink.text('"(anon)"');
    return;
  }
  const s = btf.strings.tryAt(off);
  if (s === undefined) {
    sink.text('"(invalid)"');
    return;
  }
  // Identifiers need no escaping; anything else goes through JSON.stringify.
  if (/^[\w.$ -]*$/.test(s)) {
    sink.byte(34);
    sink.text(s);
    sink.byte(34);
  } else {
    writeString(sink, s);
  }
}

function field(sink: TextSink, name: string, value: number): void {
  sink.text(`,"${name}":`);
  sink.u32(value);
}

/** Appends one type's JSON object (no separator) to `sink`. */
export function writeJsonType(sink: TextSink, btf: RawBtf, id: number): void {
  const owner = btf.owner(id);
  if (!owner) {
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
  sink.text('{"id":');
  sink.u32(id);
  sink.text(',"kind":"');
  sink.text(KIND_NAMES[kind <= BTF_KIND_MAX ? kind : 0]!);
  sink.text('","name":');
  writeName(sink, btf, nameOff);
  switch (kind) {
    case BTF_KIND.INT: {
      const w = v.getUint32(p, le);
      field(sink, 'size', sizeType);
      field(sink, 'bits_offset', intBitOffset(w));
      field(sink, 'nr_bits', intBits(w));
      sink.text(`,"encoding":"${INT_ENCODINGS[intEncoding(w)] ?? 'UNKN'}"`);
      break;
    }
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      field(sink, 'type_id', sizeType);
      break;
    case BTF_KIND.ARRAY:
      field(sink, 'type_id', v.getUint32(p, le));
      field(sink, 'index_type_id', v.getUint32(p + 4, le));
      field(sink, 'nr_elems', v.getUint32(p + 8, le));
      break;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      field(sink, 'size', sizeType);
      field(sink, 'vlen', vlen);
      sink.text(',"members":[');
      for (let i = 0; i < vlen; i++, p += 12) {
        const off = v.getUint32(p + 8, le);
        sink.text(i ? ',{"name":' : '{"name":');
        writeName(sink, btf, v.getUint32(p, le));
        field(sink, 'type_id', v.getUint32(p + 4, le));
        field(sink, 'bits_offset', memberBitOffset(kflag, off));
        const bitfieldSize = memberBitfieldSize(kflag, off);
        if (bitfieldSize) field(sink, 'bitfield_size', bitfieldSize);
        sink.byte(125);
      }
      sink.byte(93);
      break;
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64: {
      const is64 = kind === BTF_KIND.ENUM64;
      sink.text(kflag ? ',"encoding":"SIGNED"' : ',"encoding":"UNSIGNED"');
      field(sink, 'size', sizeType);
      field(sink, 'vlen', vlen);
      sink.text(',"values":[');
      const step = is64 ? 12 : 8;
      for (let i = 0; i < vlen; i++, p += step) {
        sink.text(i ? ',{"name":' : '{"name":');
        writeName(sink, btf, v.getUint32(p, le));
        sink.text(',"val":');
        if (is64) {
          const u = (BigInt(v.getUint32(p + 8, le)) << 32n) | BigInt(v.getUint32(p + 4, le));
          sink.text(`${kflag ? BigInt.asIntN(64, u) : u}`);
        } else if (kflag) {
          sink.i32(v.getInt32(p + 4, le));
        } else {
          // bpftool reads the value as __s32 and widens it to u64 for printing.
          const s = v.getInt32(p + 4, le);
          sink.text(s < 0 ? `${BigInt.asUintN(64, BigInt(s))}` : `${s}`);
        }
        sink.byte(125);
      }
      sink.byte(93);
      break;
    }
    case BTF_KIND.FWD:
      sink.text(kflag ? ',"fwd_kind":"union"' : ',"fwd_kind":"struct"');
      break;
    case BTF_KIND.FUNC:
      field(sink, 'type_id', sizeType);
      sink.text(`,"linkage":"${LINKAGES[vlen] ?? '(unknown)'}"`);
      break;
    case BTF_KIND.FUNC_PROTO:
      field(sink, 'ret_type_id', sizeType);
      field(sink, 'vlen', vlen);
      sink.text(',"params":[');
      for (let i = 0; i < vlen; i++, p += 8) {
        sink.text(i ? ',{"name":' : '{"name":');
        writeName(sink, btf, v.getUint32(p, le));
        field(sink, 'type_id', v.getUint32(p + 4, le));
        sink.byte(125);
      }
      sink.byte(93);
      break;
    case BTF_KIND.VAR:
      field(sink, 'type_id', sizeType);
      sink.text(`,"linkage":"${LINKAGES[v.getUint32(p, le)] ?? '(unknown)'}"`);
      break;
    case BTF_KIND.DATASEC:
      field(sink, 'size', sizeType);
      field(sink, 'vlen', vlen);
      sink.text(',"vars":[');
      for (let i = 0; i < vlen; i++, p += 12) {
        sink.text(i ? ',{"type_id":' : '{"type_id":');
        sink.u32(v.getUint32(p, le));
        field(sink, 'offset', v.getUint32(p + 4, le));
        field(sink, 'size', v.getUint32(p + 8, le));
        sink.byte(125);
      }
      sink.byte(93);
      break;
    case BTF_KIND.FLOAT:
      field(sink, 'size', sizeType);
      break;
    case BTF_KIND.DECL_TAG:
      field(sink, 'type_id', sizeType);
      sink.text(',"component_idx":');
      sink.i32(v.getInt32(p, le));
      break;
  }
  sink.byte(125);
}
