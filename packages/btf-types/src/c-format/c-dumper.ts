import {
  BTF_KIND,
  FormatError,
  memberBitfieldSize,
  memberBitOffset,
  type RawBtf,
} from '@btfkit/wire';
import { CSink } from './c-sink.js';
import { markReferenced, TypeOrderer } from './emit-order.js';
import { LayoutMath, tablePointerSize } from './layout-math.js';
import { NameCounter } from './name-counter.js';
import { TypeTable } from './type-table.js';

// `emit_state` values of libbpf's `btf_dump`.
const NOT_EMITTED = 0;
const EMITTING = 1;
const EMITTED = 2;

// Where a frame of the emitting walk is.
const E_ENTER = 0;
const E_AFTER_TYPEDEF = 1;
const E_MEMBERS = 2;
const E_FINISH_COMPOSITE = 3;
const E_PROTO = 4;

/**
 * How deep declarations may nest when printed (array and function-pointer declarators,
 * parameters, anonymous structs and unions printed inline). libbpf recurses without a bound;
 * real headers nest a few levels, and the bound keeps a hostile input from overflowing the
 * JavaScript stack.
 */
export const MAX_DECL_DEPTH = 400;

/** GCC's internal ARM SIMD types that libbpf aliases when it meets them as INTs. */
const MISSING_BASE_TYPES: readonly (readonly [string, string])[] = [
  ['__Poly8_t', 'unsigned char'],
  ['__Poly16_t', 'unsigned short'],
  ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
];

/**
 * A port of the BTF-to-C converter (`btf_dump.c`) that Debian's bpftool 7.1.0 is built
 * with: the libbpf of Linux 6.1.y, which is libbpf 1.1's converter without the
 * `mode(byte)`/`mode(word)` enum attributes (they came after Linux 6.1) and with `(void)`
 * for prototypes without parameters (libbpf 1.5, backported to 6.1.y). One
 * {@link dumpType} call per root type orders the definitions it needs and prints each,
 * with forward declarations where a type is used through a pointer before it is complete
 * and `___N` suffixes on clashing names.
 *
 * Output is bytes: names are copied byte for byte from the string sections.
 */
/**
 * The most C output per byte of input BTF. Real BTF prints less than it weighs (vmlinux:
 * about 0.6 bytes per byte); malformed sizes and offsets could otherwise demand gigabytes of
 * padding lines from a few hundred bytes.
 */
const OUTPUT_PER_INPUT_BYTE = 64;
/** Small inputs may always print this much. */
const MIN_OUTPUT_LIMIT = 1 << 16;

export class CDumper {
  /** Where the C text goes. */
  readonly out: CSink;
  private readonly tab: TypeTable;
  private readonly strings: Uint8Array;
  private readonly layout: LayoutMath;
  private readonly orderer: TypeOrderer;
  /** Pointer size for padding (`d->ptr_sz`). */
  private readonly ptrSize: number;
  private readonly pads: readonly (readonly [string, number])[];
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  /** The count from {@link NameCounter.add} when a type's name was resolved; > 1 adds `___N`. */
  private readonly nameDups: Uint32Array;
  private readonly typeNames: NameCounter;
  private readonly identNames: NameCounter;
  private declIDs = new Uint32Array(256);
  private declTop = 0;
  private depth = 0;
  private eIDs = new Int32Array(256);
  private eCont = new Int32Array(256);
  private eWhere = new Uint8Array(256);
  private eIndex = new Int32Array(256);
  private readonly maxEmitDepth: number;

  /**
   * @param chunkSize - starting capacity of {@link out}
   * @throws NotSupportedError or FormatError when `btf` has kinds, references or names
   *   libbpf could not print
   */
  constructor(btf: RawBtf, chunkSize: number) {
    const tab = new TypeTable(btf);
    this.tab = tab;
    this.strings = tab.strings;
    let input = 0;
    for (let b: RawBtf | undefined = btf; b; b = b.base) input += b.bytes.byteLength;
    this.out = new CSink(
      tab.strings,
      chunkSize,
      Math.max(MIN_OUTPUT_LIMIT, OUTPUT_PER_INPUT_BYTE * input),
    );
    this.ptrSize = tablePointerSize(tab) || 8;
    this.pads = [
      ['long', this.ptrSize * 8],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    this.layout = new LayoutMath(tab, this.ptrSize);
    this.orderer = new TypeOrderer(tab, markReferenced(tab));
    this.emitState = new Uint8Array(tab.count);
    this.emitState[0] = EMITTED;
    this.fwdEmitted = new Uint8Array(tab.count);
    this.nameResolved = new Uint8Array(tab.count);
    this.nameDups = new Uint32Array(tab.count);
    this.typeNames = new NameCounter(tab.strings, tab.count >>> 2);
    this.identNames = new NameCounter(tab.strings, tab.count >>> 2);
    this.maxEmitDepth = 4 * tab.count + 64;
  }

  /** One past the highest type ID. */
  get typeCount(): number {
    return this.tab.count;
  }

  /**
   * Prints type `id` and every definition it needs that is not printed yet
   * (`btf_dump__dump_type`).
   * @throws FormatError naming the type ID of a cycle C cannot express or of a declaration
   *   nested deeper than {@link MAX_DECL_DEPTH}
   */
  dumpType(id: number): void {
    const n = this.orderer.order(id);
    const queue = this.orderer.queue;
    for (let i = 0; i < n; i++) this.emitType(queue[i]!);
  }

  // btf_dump_emit_type, with an explicit stack; `cont` is the containing struct (0: top level).
  private emitType(root: number): void {
    const { kind, nameOff, vlen, sizeType, words, extraStart } = this.tab;
    const emitState = this.emitState;
    const fwdEmitted = this.fwdEmitted;
    let top = this.pushEmit(0, root, 0);
    while (top > 0) {
      const f = top - 1;
      let id = this.eIDs[f]!;
      const cont = this.eCont[f]!;
      switch (this.eWhere[f]) {
        case E_ENTER: {
          const s = emitState[id]!;
          if (s === EMITTED) {
            top--;
            continue;
          }
          let k = kind[id]!;
          if (s === EMITTING) {
            top--;
            if (fwdEmitted[id]) continue;
            if (k === BTF_KIND.STRUCT || k === BTF_KIND.UNION) {
              // A struct refers to itself from inside its own definition: no declaration.
              if (id === cont || nameOff[id] === 0) continue;
              this.emitStructFwd(id);
              this.out.text(';\n\n');
              fwdEmitted[id] = 1;
            } else if (k === BTF_KIND.TYPEDEF) {
              // Only pointers reach a typedef being emitted, and its definition will do.
              if (!this.isBlacklisted(id)) {
                this.emitTypedefDef(id, 0);
                this.out.text(';\n\n');
              }
              fwdEmitted[id] = 1;
            }
            continue;
          }
          // Pointers, qualifiers and arrays only lead to what they refer to.
          let steps = 0;
          while (
            k === BTF_KIND.PTR ||
            k === BTF_KIND.VOLATILE ||
            k === BTF_KIND.CONST ||
            k === BTF_KIND.RESTRICT ||
            k === BTF_KIND.TYPE_TAG ||
            k === BTF_KIND.ARRAY
          ) {
            id = k === BTF_KIND.ARRAY ? words[extraStart[id]!]! : sizeType[id]!;
            this.eIDs[f] = id;
            if (++steps > this.tab.count) {
              throw new FormatError(`btf: type id ${id}: reference cycle through pointers only`, {
                typeID: id,
              });
            }
            if (emitState[id] !== NOT_EMITTED) break;
            k = kind[id]!;
          }
          if (emitState[id] !== NOT_EMITTED) continue;
          switch (k) {
            case BTF_KIND.INT:
              this.emitMissingAliases(id);
              emitState[id] = EMITTED;
              top--;
              continue;
            case BTF_KIND.ENUM:
            case BTF_KIND.ENUM64:
              if (cont === 0) {
                this.emitEnumDef(id, 0);
                this.out.text(';\n\n');
              }
              emitState[id] = EMITTED;
              top--;
              continue;
            case BTF_KIND.FWD:
              this.emitFwdDef(id);
              this.out.text(';\n\n');
              emitState[id] = EMITTED;
              top--;
              continue;
            case BTF_KIND.TYPEDEF:
              emitState[id] = EMITTING;
              this.eWhere[f] = E_AFTER_TYPEDEF;
              top = this.pushEmit(top, sizeType[id]!, id);
              continue;
            case BTF_KIND.STRUCT:
            case BTF_KIND.UNION:
              emitState[id] = EMITTING;
              // A definition printed here (top level, or anonymous and so inline) prints its
              // members, so what they use needs declaring first.
              if (cont === 0 || nameOff[id] === 0) {
                this.eWhere[f] = E_MEMBERS;
                continue;
              }
              if (!fwdEmitted[id] && id !== cont) {
                this.emitStructFwd(id);
                this.out.text(';\n\n');
                fwdEmitted[id] = 1;
              }
              this.eWhere[f] = E_FINISH_COMPOSITE;
              continue;
            case BTF_KIND.FUNC_PROTO:
              this.eWhere[f] = E_PROTO;
              this.eIndex[f] = -1;
              top = this.pushEmit(top, sizeType[id]!, cont);
              continue;
            default:
              top--;
              continue;
          }
        }
        case E_AFTER_TYPEDEF:
          if (!fwdEmitted[id] && !this.isBlacklisted(id)) {
            this.emitTypedefDef(id, 0);
            this.out.text(';\n\n');
          }
          emitState[id] = EMITTED;
          top--;
          continue;
        case E_MEMBERS: {
          const i = this.eIndex[f]!;
          if (i < vlen[id]!) {
            this.eIndex[f] = i + 1;
            const inner = nameOff[id] === 0 ? cont : id;
            top = this.pushEmit(top, words[extraStart[id]! + 3 * i + 1]!, inner);
            continue;
          }
          this.eWhere[f] = E_FINISH_COMPOSITE;
          continue;
        }
        case E_FINISH_COMPOSITE:
          if (cont === 0) {
            this.emitStructDef(id, 0);
            this.out.text(';\n\n');
            emitState[id] = EMITTED;
          } else {
            emitState[id] = NOT_EMITTED;
          }
          top--;
          continue;
        default: {
          // E_PROTO: the return type, then each parameter.
          const i = this.eIndex[f]! + 1;
          if (i < vlen[id]!) {
            this.eIndex[f] = i;
            top = this.pushEmit(top, words[extraStart[id]! + 2 * i + 1]!, cont);
            continue;
          }
          top--;
        }
      }
    }
  }

  private pushEmit(at: number, id: number, cont: number): number {
    if (at >= this.eIDs.length) {
      if (at >= this.maxEmitDepth) {
        throw new FormatError(
          `btf: type id ${id}: reference cycle through pointers, arrays or qualifiers only`,
          { typeID: id },
        );
      }
      const n = this.eIDs.length * 2;
      const ids = new Int32Array(n);
      ids.set(this.eIDs);
      this.eIDs = ids;
      const c = new Int32Array(n);
      c.set(this.eCont);
      this.eCont = c;
      const w = new Uint8Array(n);
      w.set(this.eWhere);
      this.eWhere = w;
      const x = new Int32Array(n);
      x.set(this.eIndex);
      this.eIndex = x;
    }
    this.eIDs[at] = id;
    this.eCont[at] = cont;
    this.eWhere[at] = E_ENTER;
    this.eIndex[at] = 0;
    return at + 1;
  }

  private isBlacklisted(id: number): boolean {
    // __builtin_va_list is the compiler's own; redefining it breaks the header.
    const off = this.tab.nameOff[id]!;
    return off !== 0 && this.tab.nameIs(off, '__builtin_va_list');
  }

  private emitMissingAliases(id: number): void {
    this.resolveName(id, this.typeNames);
    if (this.nameDups[id]! > 1) return;
    const off = this.tab.nameOff[id]!;
    for (const [name, alias] of MISSING_BASE_TYPES) {
      if (this.tab.nameIs(off, name)) {
        this.out.text(`typedef ${alias} ${name};\n\n`);
        return;
      }
    }
  }

  // Names --------------------------------------------------------------------------------

  /** `btf_dump_resolve_name`: counts the name in `map` the first time `id` is named. */
  private resolveName(id: number, map: NameCounter): void {
    if (this.nameResolved[id]) return;
    const off = this.tab.nameOff[id]!;
    if (off === 0) return;
    this.nameResolved[id] = 1;
    const k = this.tab.kind[id];
    // Forward declarations and empty enums never clash: they name nothing new.
    if (k === BTF_KIND.FWD || (k === BTF_KIND.ENUM && this.tab.vlen[id] === 0)) return;
    this.nameDups[id] = map.add(off);
  }

  /** Prints the struct, union or enum tag of `id` (`btf_dump_type_name`). */
  private typeName(id: number): void {
    this.resolveName(id, this.typeNames);
    this.out.dupName(this.tab.nameOff[id]!, this.nameDups[id]!);
  }

  /** Prints the typedef name of `id` (`btf_dump_ident_name`). */
  private identName(id: number): void {
    this.resolveName(id, this.identNames);
    this.out.dupName(this.tab.nameOff[id]!, this.nameDups[id]!);
  }

  /**
   * Prints a declarator name: a string offset (0 for none), or `-(id + 1)` for the resolved
   * typedef name of type `id`.
   */
  private fieldName(fname: number): void {
    if (fname >= 0) this.out.name(fname);
    else this.identName(-fname - 1);
  }

  private hasName(fname: number): boolean {
    return fname >= 0 ? this.strings[fname] !== 0 : this.tab.nameOff[-fname - 1] !== 0;
  }

  // Definitions ---------------------------------------------------------------------------

  private emitStructFwd(id: number): void {
    const out = this.out;
    out.text(this.tab.kind[id] === BTF_KIND.STRUCT ? 'struct' : 'union');
    if (this.tab.nameOff[id]) out.byte(32);
    this.typeName(id);
  }

  private emitStructDef(id: number, lvl: number): void {
    const { kind, nameOff, vlen, sizeType, kflag, words, extraStart } = this.tab;
    const out = this.out;
    const isStruct = kind[id] === BTF_KIND.STRUCT;
    const align = this.layout.alignOf(id);
    const packed = isStruct && this.layout.isStructPacked(id);
    out.text(isStruct ? 'struct' : 'union');
    if (nameOff[id]) out.byte(32);
    this.typeName(id);
    out.text(' {');
    const n = vlen[id]!;
    const x = extraStart[id]!;
    const bitfields = kflag[id] === 1;
    let off = 0;
    let prevBitfield = false;
    for (let i = 0; i < n; i++) {
      const m = x + 3 * i;
      const type = words[m + 1]!;
      const word = words[m + 2]!;
      const bitSize = memberBitfieldSize(bitfields, word);
      const bitOff = memberBitOffset(bitfields, word) | 0;
      const mAlign = packed ? 1 : this.layout.alignOf(type);
      if (off < bitOff) {
        this.emitBitPadding(off, bitOff, mAlign, prevBitfield && bitSize !== 0, lvl + 1);
      }
      out.newline(lvl + 1);
      this.emitTypeDecl(type, words[m]!, lvl + 1);
      if (bitSize) {
        out.text(': ');
        out.u32(bitSize);
        off = (bitOff + bitSize) | 0;
        prevBitfield = true;
      } else {
        const size = Math.max(0, this.layout.resolveSize(type)) | 0;
        off = (bitOff + Math.imul(size, 8)) | 0;
        prevBitfield = false;
      }
      out.byte(59);
    }
    const end = Math.imul(sizeType[id]!, 8);
    if (isStruct && off < end) this.emitBitPadding(off, end, align, false, lvl + 1);
    // libbpf keeps `struct empty {}` on one line.
    if (n || sizeType[id]) out.newline(lvl);
    out.byte(125);
    if (packed) out.text(' __attribute__((packed))');
  }

  /**
   * Explicit padding between bit offsets `cur` < `next` (`btf_dump_emit_bit_padding`): the
   * widest of long/int/short/char that reaches an aligned boundary, a `: 0` marker where the
   * compiler would not align by itself, then whole units and a smaller remainder.
   */
  private emitBitPadding(
    cur: number,
    next: number,
    nextAlign: number,
    inBitfield: boolean,
    lvl: number,
  ): void {
    const pads = this.pads;
    let padBits = 0;
    let padType = '';
    let newOff = 0;
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(cur, bits);
      if (newOff <= next) break;
    }
    if (newOff > cur && newOff <= next) {
      if (
        inBitfield ||
        (newOff === next && roundup(cur, nextAlign * 8) !== newOff) ||
        (newOff !== next && next - newOff <= newOff - cur)
      ) {
        this.padLine(lvl, padType, inBitfield ? newOff - cur : 0);
      }
      cur = newOff;
    }
    while (cur !== next) {
      const bits = Math.min(next - cur, padBits);
      if (bits === padBits) {
        this.padLine(lvl, padType, padBits);
        cur += bits;
        continue;
      }
      // The remainder gets the smallest type that holds it.
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, size] = pads[i]!;
        padType = name;
        padBits = size;
        if (size < bits) continue;
        this.padLine(lvl, name, bits);
        cur += bits;
        break;
      }
    }
  }

  private padLine(lvl: number, type: string, bits: number): void {
    const out = this.out;
    out.newline(lvl);
    out.text(type);
    out.text(': ');
    out.i32(bits);
    out.byte(59);
  }

  private emitEnumFwd(id: number): void {
    this.out.text('enum ');
    this.typeName(id);
  }

  private emitEnumDef(id: number, lvl: number): void {
    const { kind, nameOff, vlen, kflag, words, extraStart } = this.tab;
    const out = this.out;
    out.text('enum');
    if (nameOff[id]) out.byte(32);
    this.typeName(id);
    const n = vlen[id]!;
    if (!n) return;
    out.text(' {');
    const x = extraStart[id]!;
    const signed = kflag[id] === 1;
    const is64 = kind[id] === BTF_KIND.ENUM64;
    const stride = is64 ? 3 : 2;
    for (let i = 0; i < n; i++) {
      const v = x + stride * i;
      const name = words[v]!;
      out.newline(lvl + 1);
      // Enumerators share one namespace with typedef names.
      out.dupName(name, this.identNames.add(name));
      out.text(' = ');
      if (is64) {
        const u = (BigInt(words[v + 2]!) << 32n) | BigInt(words[v + 1]!);
        out.text(signed ? `${BigInt.asIntN(64, u)}LL,` : `${u}ULL,`);
      } else {
        const w = words[v + 1]!;
        if (signed) out.i32(w | 0);
        else out.u32(w);
        out.byte(44);
      }
    }
    out.newline(lvl);
    out.byte(125);
  }

  private emitFwdDef(id: number): void {
    this.out.text(this.tab.kflag[id] ? 'union ' : 'struct ');
    this.typeName(id);
  }

  private emitTypedefDef(id: number, lvl: number): void {
    this.resolveName(id, this.identNames);
    const target = this.tab.sizeType[id]!;
    // Old GCCs typedef __gnuc_va_list to void; libbpf repairs it.
    if (
      target === 0 &&
      this.nameDups[id]! <= 1 &&
      this.tab.nameIs(this.tab.nameOff[id]!, '__gnuc_va_list')
    ) {
      this.out.text('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.out.text('typedef ');
    this.emitTypeDecl(target, -id - 1, lvl);
  }

  // Declarations --------------------------------------------------------------------------

  /**
   * Prints a declaration of `fname` (see {@link fieldName}) with type `id`
   * (`btf_dump_emit_type_decl`): collects the chain of pointers, qualifiers, arrays and
   * function prototypes down to a named type, then prints it inside out.
   */
  private emitTypeDecl(id: number, fname: number, lvl: number): void {
    if (++this.depth > MAX_DECL_DEPTH) throw this.tooDeep(id);
    const { kind, sizeType, words, extraStart, count } = this.tab;
    const start = this.declTop;
    let steps = 0;
    for (;;) {
      if (this.declTop >= this.declIDs.length) this.growDecl();
      this.declIDs[this.declTop++] = id;
      if (id === 0) break;
      const k = kind[id]!;
      if (
        k === BTF_KIND.PTR ||
        k === BTF_KIND.VOLATILE ||
        k === BTF_KIND.CONST ||
        k === BTF_KIND.RESTRICT ||
        k === BTF_KIND.FUNC_PROTO ||
        k === BTF_KIND.TYPE_TAG
      ) {
        id = sizeType[id]!;
      } else if (k === BTF_KIND.ARRAY) {
        id = words[extraStart[id]!]!;
      } else {
        break;
      }
      if (++steps > count) {
        throw new FormatError(`btf: type id ${id}: declaration chain loops`, { typeID: id });
      }
    }
    this.emitTypeChain(start, this.declTop - start, fname, lvl);
    this.declTop = start;
    this.depth--;
  }

  private tooDeep(id: number): FormatError {
    return new FormatError(
      `btf: type id ${id}: declaration nested more than ${MAX_DECL_DEPTH} levels deep`,
      { typeID: id },
    );
  }

  private growDecl(): void {
    const ids = new Uint32Array(this.declIDs.length * 2);
    ids.set(this.declIDs);
    this.declIDs = ids;
  }

  /**
   * Prints the qualifiers on top of the declaration stack before a type name (`const int`)
   * and returns how many entries are left.
   */
  private emitMods(start: number, cnt: number): number {
    const kind = this.tab.kind;
    while (cnt) {
      const k = kind[this.declIDs[start + cnt - 1]!];
      if (k === BTF_KIND.VOLATILE) this.out.text('volatile ');
      else if (k === BTF_KIND.CONST) this.out.text('const ');
      else if (k === BTF_KIND.RESTRICT) this.out.text('restrict ');
      else return cnt;
      cnt--;
    }
    return cnt;
  }

  /** Drops qualifiers on arrays and function prototypes, as libbpf does for GCC's extras. */
  private dropMods(start: number, cnt: number): number {
    const kind = this.tab.kind;
    while (cnt) {
      const k = kind[this.declIDs[start + cnt - 1]!];
      if (
        k !== BTF_KIND.VOLATILE &&
        k !== BTF_KIND.CONST &&
        k !== BTF_KIND.RESTRICT &&
        k !== BTF_KIND.TYPE_TAG
      ) {
        return cnt;
      }
      cnt--;
    }
    return cnt;
  }

  private emitName(fname: number, lastWasPtr: boolean): void {
    if (!lastWasPtr && this.hasName(fname)) this.out.byte(32);
    this.fieldName(fname);
  }

  /**
   * `btf_dump_emit_type_chain`: prints the `cnt` declaration-stack entries from `start`,
   * top first. Arrays and function prototypes print the rest of the stack inside their own
   * declarator, so they end the loop.
   */
  private emitTypeChain(start: number, cnt: number, fname: number, lvl: number): void {
    const tab = this.tab;
    const { kind, nameOff, vlen, words, extraStart } = tab;
    const out = this.out;
    // `int ***`, not `int * * *`; true at the start for a lone pointer to a function.
    let lastWasPtr = true;
    while (cnt) {
      const id = this.declIDs[start + --cnt]!;
      if (id === 0) {
        cnt = this.emitMods(start, cnt);
        out.text('void');
        lastWasPtr = false;
        continue;
      }
      const k = kind[id]!;
      switch (k) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
          cnt = this.emitMods(start, cnt);
          out.name(nameOff[id]!);
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          cnt = this.emitMods(start, cnt);
          if (nameOff[id] === 0) this.emitStructDef(id, lvl);
          else this.emitStructFwd(id);
          break;
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
          cnt = this.emitMods(start, cnt);
          if (nameOff[id] === 0) this.emitEnumDef(id, lvl);
          else this.emitEnumFwd(id);
          break;
        case BTF_KIND.FWD:
          cnt = this.emitMods(start, cnt);
          this.emitFwdDef(id);
          break;
        case BTF_KIND.TYPEDEF:
          cnt = this.emitMods(start, cnt);
          this.identName(id);
          break;
        case BTF_KIND.PTR:
          out.text(lastWasPtr ? '*' : ' *');
          break;
        case BTF_KIND.VOLATILE:
          out.text(' volatile');
          break;
        case BTF_KIND.CONST:
          out.text(' const');
          break;
        case BTF_KIND.RESTRICT:
          out.text(' restrict');
          break;
        case BTF_KIND.TYPE_TAG:
          cnt = this.emitMods(start, cnt);
          out.text(' __attribute__((btf_type_tag("');
          out.name(nameOff[id]!);
          out.text('")))');
          break;
        case BTF_KIND.ARRAY: {
          const nelems = words[extraStart[id]! + 2]!;
          cnt = this.dropMods(start, cnt);
          if (cnt === 0) {
            this.emitName(fname, lastWasPtr);
            out.byte(91);
            out.u32(nelems);
            out.byte(93);
            return;
          }
          // No parentheses between the dimensions of a multi-dimensional array.
          const multidim = kind[this.declIDs[start + cnt - 1]!] === BTF_KIND.ARRAY;
          if (!lastWasPtr && this.hasName(fname)) out.byte(32);
          if (!multidim) out.byte(40);
          if (++this.depth > MAX_DECL_DEPTH) throw this.tooDeep(id);
          this.emitTypeChain(start, cnt, fname, lvl);
          this.depth--;
          if (!multidim) out.byte(41);
          out.byte(91);
          out.u32(nelems);
          out.byte(93);
          return;
        }
        case BTF_KIND.FUNC_PROTO: {
          cnt = this.dropMods(start, cnt);
          if (cnt) {
            out.text(' (');
            if (++this.depth > MAX_DECL_DEPTH) throw this.tooDeep(id);
            this.emitTypeChain(start, cnt, fname, lvl);
            this.depth--;
            out.byte(41);
          } else {
            this.emitName(fname, lastWasPtr);
          }
          out.byte(40);
          const n = vlen[id]!;
          const x = extraStart[id]!;
          // No parameters, or Clang's single void one: `f(void)`.
          if (n === 0 || (n === 1 && words[x + 1] === 0)) {
            out.text('void)');
            return;
          }
          for (let i = 0; i < n; i++) {
            if (i > 0) out.text(', ');
            const type = words[x + 2 * i + 1]!;
            // A last parameter of type void means varargs.
            if (i === n - 1 && type === 0) {
              out.text('...');
              break;
            }
            this.emitTypeDecl(type, words[x + 2 * i]!, lvl);
          }
          out.byte(41);
          return;
        }
        default:
          // FUNC, VAR, DATASEC, DECL_TAG end a chain without text, as in libbpf.
          return;
      }
      lastWasPtr = k === BTF_KIND.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }
}

/** C's `roundup` on ints, truncating division as C does. */
function roundup(x: number, y: number): number {
  return Math.trunc((x + y - 1) / y) * y;
}
