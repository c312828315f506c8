import { BTF_KIND, BTF_KIND_MAX, KIND_NAMES } from './kinds.js';
import type { RawBtf } from './raw-btf.js';
import { type BtfRecord, isOpaque, memberBitfieldSize, memberBitOffset } from './type-records.js';

/**
 * Formats BTF the way `bpftool btf dump file X format raw` (bpftool 7.1) prints it: one
 * block per type, `[id] KIND 'name' fields`, members indented by a tab. For split BTF only
 * the split part is printed, with IDs continuing the base's (bpftool's `-B base`).
 *
 * Yields one string per type, each ending in a newline, so a caller can stream the output.
 */
export function* rawDumpChunks(btf: RawBtf): IterableIterator<string> {
  const first = btf.firstTypeId;
  for (let i = 0; i < btf.typeCount; i++) {
    const id = first + i;
    yield formatRawType(btf, id, btf.record(id));
  }
}

/** The whole raw dump of a blob as one string; see {@link rawDumpChunks}. */
export function rawDump(btf: RawBtf): string {
  const parts: string[] = [];
  for (const chunk of rawDumpChunks(btf)) parts.push(chunk);
  return parts.join('');
}

function name(btf: RawBtf, off: number): string {
  if (off === 0) return '(anon)';
  return btf.strings.tryAt(off) ?? '(invalid)';
}

function kindLabel(kind: number): string {
  return KIND_NAMES[kind <= BTF_KIND_MAX ? kind : 0]!;
}

function intEncoding(enc: number): string {
  switch (enc) {
    case 0:
      return '(none)';
    case 1:
      return 'SIGNED';
    case 2:
      return 'CHAR';
    case 4:
      return 'BOOL';
    default:
      return 'UNKN';
  }
}

function linkage(l: number, extern: string): string {
  switch (l) {
    case 0:
      return 'static';
    case 1:
      return 'global';
    case 2:
      return extern;
    default:
      return '(unknown)';
  }
}

/**
 * Formats one type record as bpftool's raw dump does, including the trailing newline.
 * @param btf - the blob the record belongs to, for names and DATASEC entry suffixes
 */
export function formatRawType(btf: RawBtf, id: number, rec: BtfRecord): string {
  let s = `[${id}] ${kindLabel(rec.kind)} '${name(btf, rec.nameOff)}'`;
  if (isOpaque(rec)) return `${s}\n`;
  switch (rec.kind) {
    case BTF_KIND.INT:
      s += ` size=${rec.size} bits_offset=${rec.bitOffset} nr_bits=${rec.bits} encoding=${intEncoding(rec.encoding)}`;
      break;
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      s += ` type_id=${rec.type}`;
      break;
    case BTF_KIND.ARRAY:
      s += ` type_id=${rec.type} index_type_id=${rec.indexType} nr_elems=${rec.nelems}`;
      break;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      s += ` size=${rec.size} vlen=${rec.members.length}`;
      for (const m of rec.members) {
        s += `\n\t'${name(btf, m.nameOff)}' type_id=${m.type} bits_offset=${memberBitOffset(rec.kflag, m.offset)}`;
        const bits = memberBitfieldSize(rec.kflag, m.offset);
        if (bits) s += ` bitfield_size=${bits}`;
      }
      break;
    case BTF_KIND.ENUM:
      s += ` encoding=${rec.kflag ? 'SIGNED' : 'UNSIGNED'} size=${rec.size} vlen=${rec.values.length}`;
      for (const v of rec.values) s += `\n\t'${name(btf, v.nameOff)}' val=${v.value}`;
      break;
    case BTF_KIND.ENUM64:
      s += ` encoding=${rec.kflag ? 'SIGNED' : 'UNSIGNED'} size=${rec.size} vlen=${rec.values.length}`;
      for (const v of rec.values) {
        s += `\n\t'${name(btf, v.nameOff)}' val=${v.value}${rec.kflag ? 'LL' : 'ULL'}`;
      }
      break;
    case BTF_KIND.FWD:
      s += ` fwd_kind=${rec.kflag ? 'union' : 'struct'}`;
      break;
    case BTF_KIND.FUNC:
      s += ` type_id=${rec.type} linkage=${linkage(rec.linkage, 'extern')}`;
      break;
    case BTF_KIND.FUNC_PROTO:
      s += ` ret_type_id=${rec.returnType} vlen=${rec.params.length}`;
      for (const p of rec.params) s += `\n\t'${name(btf, p.nameOff)}' type_id=${p.type}`;
      break;
    case BTF_KIND.VAR:
      s += ` type_id=${rec.type}, linkage=${linkage(rec.linkage, 'extern')}`;
      break;
    case BTF_KIND.DATASEC:
      s += ` size=${rec.size} vlen=${rec.entries.length}`;
      for (const e of rec.entries) {
        s += `\n\ttype_id=${e.type} offset=${e.offset} size=${e.size}`;
        if (e.type < btf.nextTypeId) {
          const kind = e.type === 0 ? 0 : btf.kindOf(e.type);
          s += ` (${kindLabel(kind)} '${name(btf, btf.nameOffOf(e.type))}')`;
        }
      }
      break;
    case BTF_KIND.FLOAT:
      s += ` size=${rec.size}`;
      break;
    case BTF_KIND.DECL_TAG:
      s += ` type_id=${rec.type} component_idx=${rec.componentIdx}`;
      break;
  }
  return `${s}\n`;
}
