import { loadRawBtfFromElf } from '@btfkit/elf';
import { type ByteOrder, Spec } from '@btfkit/types';
import {
  BPF_CORE_RELO_KIND,
  BTF_KIND,
  type BtfRecord,
  type CompositeRecord,
  encodeBtf,
  FormatError,
  kindName,
  type MemberRecord,
  mapRecordTypeIDs,
  NotSupportedError,
  type RandomAccessSource,
  type RawBtf,
  StringTableBuilder,
} from '@btfkit/wire';
import { coreRelocate } from './relocate.js';
import { objectRelocations } from './relocate-object.js';
import type { CoreAccessPath, CoreFixup } from './result.js';

/** libbpf's limit on typedef and qualifier chains, which bpftool's walk trusts the input for. */
const MAX_MODIFIER_CHAIN = 32;

/** Options for {@link minimalBtf}. */
export interface MinimalBtfOptions {
  /** Byte order of the blob; the target's by default (bpftool writes the host's). */
  readonly byteOrder?: ByteOrder;
}

/**
 * The types of a target that a set of relocations needs: what `bpftool gen min_core_btf`
 * keeps (bpftool 7.1's btfgen), so that a program relocated against the result gets the same
 * values as against the whole target. For field relocations, the target's root type and, along
 * the access path, each member used and the member's type (structs and unions reached that way
 * keep only the members some relocation uses); for type ID, existence and size relocations,
 * the type and everything it references, through pointers too (again structs and unions
 * without their members); for `type matches`, the type with all its members, recursively, but
 * only the names of structs and unions behind a pointer; for enum relocations, the whole enum.
 * Local type ID relocations and poisoned ones need nothing. Types keep their target order; IDs
 * are renumbered; a reference to a type that is not kept becomes void, as in bpftool.
 * @param target - the Spec every fixup's target path points into (not split BTF)
 * @param fixups - the fixups of the relocations, e.g. of every object to ship
 * @throws NotSupportedError for split BTF, a fixup whose target is another Spec, or a kind
 *   bpftool does not handle (a FWD reached by a field or type relocation, a tag, a FUNC)
 * @throws FormatError when a path does not fit the target's types (a member index past a
 *   struct's members, a step into a scalar, a chain of more than 32 typedefs and qualifiers)
 */
export function minimalBtf(
  target: Spec,
  fixups: Iterable<CoreFixup>,
  options: MinimalBtfOptions = {},
): Uint8Array {
  if (target.base) {
    throw new NotSupportedError('co-re: min btf: the target is split BTF; give its base instead');
  }
  const marks = new Marks(target.raw);
  for (const f of fixups) {
    const path = f.target;
    if (!path || f.poison) continue;
    if (path.spec !== target) {
      throw new NotSupportedError(
        `co-re: min btf: relocation ${f.relocation.section}#${f.relocation.index}: its target is another Spec`,
      );
    }
    marks.record(f.relocation.kind, path);
  }
  return marks.build(options.byteOrder ?? target.byteOrder);
}

/**
 * {@link minimalBtf} for BPF objects: `bpftool gen min_core_btf TARGET OUT OBJ...`. Each
 * object's relocations are computed against `target` in `.BTF.ext` order, with one candidate
 * cache per object, as bpftool does; nothing is patched. Unlike bpftool, an object without
 * `.BTF.ext` is taken as one without relocations rather than refused.
 * @param objects - the ELF objects' bytes (or random-access sources)
 * @throws CoreRelocationError for the first relocation that fails (bpftool fails then too)
 * @throws FormatError / NotFoundError when an object or its `.BTF`/`.BTF.ext` is malformed
 * @throws as {@link minimalBtf}
 */
export function minimalBtfForObjects(
  target: Spec,
  objects: Iterable<Uint8Array | RandomAccessSource>,
  options: MinimalBtfOptions = {},
): Uint8Array {
  const fixups: CoreFixup[] = [];
  for (const object of objects) {
    // The BTF as stored, as bpftool's btf__parse reads it (no DATASEC fixup: no relocation
    // looks at one).
    const { btf, elf, btfExt } = loadRawBtfFromElf(object);
    const spec = new Spec(btf);
    const results = coreRelocate(spec, objectRelocations(spec, btfExt), target, {
      byteOrder: elf.littleEndian ? 'little' : 'big',
    });
    for (const r of results) {
      if (!r.ok) throw r.error;
      fixups.push(r.fixup);
    }
  }
  return minimalBtf(target, fixups, options);
}

/** What bpftool marks in its clone of the target: types, and members of structs and unions. */
class Marks {
  private readonly types: Uint8Array;
  private readonly members = new Map<number, Set<number>>();

  constructor(private readonly raw: RawBtf) {
    this.types = new Uint8Array(raw.nextTypeID);
  }

  record(kind: number, path: CoreAccessPath): void {
    switch (kind) {
      case BPF_CORE_RELO_KIND.FIELD_BYTE_OFFSET:
      case BPF_CORE_RELO_KIND.FIELD_BYTE_SIZE:
      case BPF_CORE_RELO_KIND.FIELD_EXISTS:
      case BPF_CORE_RELO_KIND.FIELD_SIGNED:
      case BPF_CORE_RELO_KIND.FIELD_LSHIFT_U64:
      case BPF_CORE_RELO_KIND.FIELD_RSHIFT_U64:
        this.field(path);
        return;
      case BPF_CORE_RELO_KIND.TYPE_ID_LOCAL:
        return;
      case BPF_CORE_RELO_KIND.TYPE_ID_TARGET:
      case BPF_CORE_RELO_KIND.TYPE_EXISTS:
      case BPF_CORE_RELO_KIND.TYPE_SIZE:
        this.markType(path.rootTypeID, true);
        return;
      case BPF_CORE_RELO_KIND.TYPE_MATCHES:
        this.markMatch(path.rootTypeID);
        return;
      case BPF_CORE_RELO_KIND.ENUMVAL_EXISTS:
      case BPF_CORE_RELO_KIND.ENUMVAL_VALUE:
        this.markType(path.rootTypeID, false);
        return;
      default:
        throw new NotSupportedError(`co-re: min btf: relocation kind ${kind} is not known`);
    }
  }

  private recordOf(id: number): BtfRecord {
    if (id <= 0 || id >= this.types.length) {
      throw new FormatError(`co-re: min btf: type id ${id} is not in the target`, { typeID: id });
    }
    return this.raw.record(id);
  }

  /** btfgen_record_field_relo: the root, then each member along the path and its type. */
  private field(path: CoreAccessPath): void {
    let id = path.rootTypeID;
    this.markType(id, false);
    if (id === 0) return;
    let rec = this.recordOf(id);
    for (let i = 1; i < path.raw.length; i++) {
      for (let n = 0; isModifier(rec.kind); n++) {
        if (n >= MAX_MODIFIER_CHAIN) {
          throw new FormatError(
            `co-re: min btf: type id ${id}: more than ${MAX_MODIFIER_CHAIN} typedefs and qualifiers`,
            { typeID: id },
          );
        }
        id = (rec as { type: number }).type;
        rec = this.recordOf(id);
      }
      const index = path.raw[i]!;
      if (rec.kind === BTF_KIND.STRUCT || rec.kind === BTF_KIND.UNION) {
        const m = rec.members[index];
        if (!m) {
          throw new FormatError(
            `co-re: min btf: type id ${id}: member ${index} is past its ${rec.members.length} members`,
            { typeID: id },
          );
        }
        this.markMember(id, index);
        id = m.type;
        this.markType(id, false);
        if (i + 1 < path.raw.length) rec = this.recordOf(id);
      } else if (rec.kind === BTF_KIND.ARRAY) {
        id = rec.type;
        if (i + 1 < path.raw.length) rec = this.recordOf(id);
      } else {
        throw new NotSupportedError(
          `co-re: min btf: type id ${id}: unsupported kind ${kindName(rec.kind)} on an access path`,
        );
      }
    }
  }

  private markMember(id: number, index: number): void {
    let set = this.members.get(id);
    if (!set) {
      set = new Set();
      this.members.set(id, set);
    }
    set.add(index);
  }

  /**
   * btfgen_mark_type: the type, and what it references; structs and unions end the walk,
   * pointers too unless `followPointers`.
   */
  private markType(root: number, followPointers: boolean): void {
    const stack = [root];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === 0 || seen.has(id)) continue;
      seen.add(id);
      const rec = this.recordOf(id);
      this.types[id] = 1;
      switch (rec.kind) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          break;
        case BTF_KIND.PTR:
          if (followPointers) stack.push(rec.type);
          break;
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.TYPEDEF:
          stack.push(rec.type);
          break;
        case BTF_KIND.ARRAY:
          stack.push(rec.indexType, rec.type);
          break;
        case BTF_KIND.FUNC_PROTO:
          for (let i = rec.params.length - 1; i >= 0; i--) stack.push(rec.params[i]!.type);
          stack.push(rec.returnType);
          break;
        default:
          throw unsupported(id, rec);
      }
    }
  }

  /**
   * btfgen_mark_type_match: the type with every member and what they reference, except the
   * members of structs and unions reached through a pointer.
   */
  private markMatch(root: number): void {
    const stack: [number, boolean][] = [[root, false]];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const [id, behindPtr] = stack.pop()!;
      const key = `${id}:${behindPtr ? 1 : 0}`;
      if (id === 0 || seen.has(key)) continue;
      seen.add(key);
      const rec = this.recordOf(id);
      this.types[id] = 1;
      switch (rec.kind) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          if (behindPtr) break;
          for (let i = rec.members.length - 1; i >= 0; i--) {
            this.markMember(id, i);
            stack.push([rec.members[i]!.type, false]);
          }
          break;
        case BTF_KIND.FWD:
          // A FWD's third word is 0: bpftool follows it to void.
          break;
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
          stack.push([rec.type, behindPtr]);
          break;
        case BTF_KIND.PTR:
          stack.push([rec.type, true]);
          break;
        case BTF_KIND.ARRAY:
          stack.push([rec.indexType, false], [rec.type, false]);
          break;
        case BTF_KIND.FUNC_PROTO:
          for (let i = rec.params.length - 1; i >= 0; i--) stack.push([rec.params[i]!.type, false]);
          stack.push([rec.returnType, false]);
          break;
        default:
          throw unsupported(id, rec);
      }
    }
  }

  /**
   * btfgen_get_btf: every marked type in ID order, structs and unions rebuilt with their
   * marked members only, strings added as libbpf's `btf__add_*` add them, then every
   * reference renumbered (0 for a type not kept).
   */
  build(byteOrder: ByteOrder): Uint8Array {
    const strings = new StringTableBuilder();
    const str = (off: number): number => (off === 0 ? 0 : strings.add(this.raw.strings.at(off)));
    const newIds = new Uint32Array(this.types.length);
    const kept: BtfRecord[] = [];
    for (let id = 1; id < this.types.length; id++) {
      if (this.types[id] !== 1) continue;
      const rec = this.raw.record(id);
      kept.push(
        rec.kind === BTF_KIND.STRUCT || rec.kind === BTF_KIND.UNION
          ? this.composite(id, rec, strings)
          : renameStrings(rec, str),
      );
      newIds[id] = kept.length;
    }
    const records = kept.map((rec) => mapRecordTypeIDs(rec, (id) => newIds[id] ?? 0));
    return encodeBtf({ records, strings: strings.finish(), littleEndian: byteOrder === 'little' });
  }

  /** A struct or union as `btf__add_struct`/`btf__add_union` and `btf__add_field` make it. */
  private composite(
    id: number,
    rec: CompositeRecord,
    strings: StringTableBuilder,
  ): CompositeRecord {
    const name = this.raw.strings.at(rec.nameOff);
    const nameOff = name === '' ? 0 : strings.add(name);
    const used = this.members.get(id);
    const members: MemberRecord[] = [];
    let kflag = false;
    rec.members.forEach((m, i) => {
      if (!used?.has(i)) return;
      const bitOffset = rec.kflag ? m.offset & 0xffffff : m.offset;
      const bitSize = rec.kflag ? m.offset >>> 24 : 0;
      const bitfield = bitSize !== 0 || bitOffset % 8 !== 0;
      if (bitfield && (bitSize === 0 || bitOffset > 0xffffff)) {
        throw new FormatError(
          `co-re: min btf: type id ${id}: member ${i} at bit ${bitOffset} cannot be encoded`,
          { typeID: id },
        );
      }
      if (rec.kind === BTF_KIND.UNION && bitOffset !== 0) {
        throw new FormatError(
          `co-re: min btf: type id ${id}: union member ${i} at bit ${bitOffset}, not 0`,
          { typeID: id },
        );
      }
      kflag ||= bitfield;
      const memberName = this.raw.strings.at(m.nameOff);
      members.push({
        nameOff: memberName === '' ? 0 : strings.add(memberName),
        type: m.type,
        offset: (bitOffset | (bitSize << 24)) >>> 0,
      });
    });
    return { kind: rec.kind, nameOff, kflag, size: rec.size, members };
  }
}

function isModifier(kind: number): boolean {
  return (
    kind === BTF_KIND.TYPEDEF ||
    kind === BTF_KIND.CONST ||
    kind === BTF_KIND.VOLATILE ||
    kind === BTF_KIND.RESTRICT ||
    kind === BTF_KIND.TYPE_TAG
  );
}

function unsupported(id: number, rec: BtfRecord): NotSupportedError {
  return new NotSupportedError(
    `co-re: min btf: type id ${id}: unsupported kind ${kindName(rec.kind)} (bpftool keeps none)`,
  );
}

/** A copy of a record with its string offsets moved to the new string table, as `btf__add_type`. */
function renameStrings(rec: BtfRecord, str: (off: number) => number): BtfRecord {
  const nameOff = str(rec.nameOff);
  switch (rec.kind) {
    case BTF_KIND.ENUM:
      return {
        ...rec,
        nameOff,
        values: rec.values.map((v) => ({ ...v, nameOff: str(v.nameOff) })),
      };
    case BTF_KIND.ENUM64:
      return {
        ...rec,
        nameOff,
        values: rec.values.map((v) => ({ ...v, nameOff: str(v.nameOff) })),
      };
    case BTF_KIND.FUNC_PROTO:
      return {
        ...rec,
        nameOff,
        params: rec.params.map((p) => ({ ...p, nameOff: str(p.nameOff) })),
      };
    default:
      return { ...rec, nameOff };
  }
}
