import {
  BTF_KIND,
  type BtfError,
  FormatError,
  infoKflag,
  infoKind,
  infoVlen,
  kindName,
} from '@btfkit/wire';
import { DedupTable } from './dedup-table.js';

// libbpf's `btf__dedup` (tools/lib/bpf/btf.c, "BTF dedup algorithm") over the records as
// words, pass by pass, with the same tables, the same walk orders and the same in-place
// rewrites of referenced IDs, so that it picks the same canonical types. Where libbpf
// recurses (type graph equivalence, identical structs, reference types) this walks with
// explicit stacks in the same order.

const {
  INT,
  PTR,
  ARRAY,
  STRUCT,
  UNION,
  ENUM,
  FWD,
  TYPEDEF,
  VOLATILE,
  CONST,
  RESTRICT,
  FUNC,
  FUNC_PROTO,
  VAR,
  DATASEC,
  FLOAT,
  DECL_TAG,
  TYPE_TAG,
  ENUM64,
} = BTF_KIND;

const UNPROCESSED = 0xffffffff;
const IN_PROGRESS = 0xfffffffe;
/** libbpf's `BTF_MAX_NR_TYPES`: map entries above it are markers, not IDs. */
const MAX_NR_TYPES = 0x7fffffff;

/**
 * The types being deduplicated, as host-order words: `words[offsets[id]]` is the first word
 * of type `id`'s record (`offsets[0]` points at three zero words, libbpf's void type), and
 * `offsets[count]` is one past the last record. String offsets in the records of the part
 * being deduplicated have been deduplicated already: equal strings, equal offsets.
 */
export interface DedupGraph {
  readonly words: Uint32Array;
  readonly offsets: Uint32Array;
  /** Number of type IDs, void included. */
  readonly count: number;
  /** The first ID of the part being deduplicated; below it is the base, kept as is. */
  readonly startId: number;
  /**
   * Dedup typedefs in the struct pass, by graph equivalence, as libbpf 1.7 and later do
   * (so a typedef may reach itself through a pointer); else with the reference types, as
   * libbpf 1.1 does.
   */
  readonly typedefsAsStructs: boolean;
}

/** What {@link dedupGraph} decided. */
export interface DedupOutcome {
  /** The IDs kept, in order: output ID `startId + i` is input ID `kept[i]`. */
  readonly kept: Uint32Array;
  /** The output ID of every input ID (void and base IDs map to themselves). */
  readonly newIds: Uint32Array;
  /** The canonical input ID of every input ID (libbpf's `map`, resolved). */
  readonly canonical: Uint32Array;
}

/**
 * Runs libbpf's dedup passes after string dedup: primitive types, structs and unions,
 * forward declarations, reference types, then compaction. Referenced IDs in `graph.words`
 * are rewritten in place (to input IDs, as libbpf does before it remaps).
 * @throws FormatError when a type graph has a kind where libbpf fails with EINVAL, or
 * reference types form a loop (libbpf's ELOOP)
 */
export function dedupGraph(graph: DedupGraph): DedupOutcome {
  return new Dedup(graph).run();
}

class Dedup {
  private readonly w: Uint32Array;
  private readonly offs: Uint32Array;
  private readonly n: number;
  private readonly start: number;
  private readonly map: Uint32Array;
  private readonly hypot: Uint32Array;
  private readonly hypotList: Uint32Array;
  private hypotCount = 0;
  private hypotAdjustCanon = false;
  private readonly table: DedupTable;
  private readonly typedefsAsStructs: boolean;
  private stack = new Uint32Array(256);
  private frameStep = new Uint32Array(256);

  constructor(g: DedupGraph) {
    this.w = g.words;
    this.offs = g.offsets;
    this.n = g.count;
    this.start = g.startId;
    this.typedefsAsStructs = g.typedefsAsStructs;
    this.map = new Uint32Array(this.n);
    this.hypot = new Uint32Array(this.n).fill(UNPROCESSED);
    this.hypotList = new Uint32Array(this.n);
    this.table = new DedupTable(this.n);
  }

  run(): DedupOutcome {
    const { w, offs, map, n, start } = this;
    map.fill(UNPROCESSED);
    map[0] = 0;
    for (let id = 1; id < n; id++) {
      const k = infoKind(w[offs[id]! + 1]!);
      if (k === VAR || k === DATASEC) map[id] = id;
    }
    this.prep();
    for (let id = start; id < n; id++) this.primType(id);
    for (let id = start; id < n; id++) this.structType(id);
    this.resolveFwds();
    for (let id = start; id < n; id++) this.refType(id);
    return this.compact();
  }

  private kind(id: number): number {
    return infoKind(this.w[this.offs[id]! + 1]!);
  }

  private vlen(o: number): number {
    return infoVlen(this.w[o + 1]!);
  }

  // Signatures: libbpf's `hash_combine(h, v) = h * 31 + v`, in 32 bits.

  private hashCommon(o: number): number {
    const w = this.w;
    let h = w[o]! | 0;
    h = (Math.imul(h, 31) + w[o + 1]!) | 0;
    return (Math.imul(h, 31) + w[o + 2]!) | 0;
  }

  private hashIntTag(o: number): number {
    return (Math.imul(this.hashCommon(o), 31) + this.w[o + 3]!) | 0;
  }

  /** A typedef's signature leaves out its target, which the struct pass compares as a graph. */
  private hashTypedef(o: number): number {
    return (Math.imul(this.w[o]! | 0, 31) + this.w[o + 1]!) | 0;
  }

  private hashEnum(o: number): number {
    return this.w[o]! | 0;
  }

  private hashStruct(o: number): number {
    const w = this.w;
    let h = this.hashCommon(o);
    const end = o + 3 + 3 * this.vlen(o);
    for (let m = o + 3; m < end; m += 3) {
      h = (Math.imul(h, 31) + w[m]!) | 0;
      h = (Math.imul(h, 31) + w[m + 2]!) | 0;
    }
    return h;
  }

  private hashArray(o: number): number {
    const w = this.w;
    let h = this.hashCommon(o);
    h = (Math.imul(h, 31) + w[o + 3]!) | 0;
    h = (Math.imul(h, 31) + w[o + 4]!) | 0;
    return (Math.imul(h, 31) + w[o + 5]!) | 0;
  }

  private hashFnproto(o: number): number {
    const w = this.w;
    let h = this.hashCommon(o);
    const end = o + 3 + 2 * this.vlen(o);
    for (let p = o + 3; p < end; p += 2) {
      h = (Math.imul(h, 31) + w[p]!) | 0;
      h = (Math.imul(h, 31) + w[p + 1]!) | 0;
    }
    return h;
  }

  private equalCommon(a: number, b: number): boolean {
    const w = this.w;
    return w[a] === w[b] && w[a + 1] === w[b + 1] && w[a + 2] === w[b + 2];
  }

  private equalIntTag(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.w[a + 3] === this.w[b + 3];
  }

  private equalEnum(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const w = this.w;
    const per = infoKind(w[a + 1]!) === ENUM ? 2 : 3;
    const end = 3 + per * this.vlen(a);
    for (let i = 3; i < end; i++) if (w[a + i] !== w[b + i]) return false;
    return true;
  }

  private isEnumFwd(o: number): boolean {
    const k = infoKind(this.w[o + 1]!);
    return (k === ENUM || k === ENUM64) && this.vlen(o) === 0;
  }

  private compatEnum(a: number, b: number): boolean {
    if (!this.isEnumFwd(a) && !this.isEnumFwd(b)) return this.equalEnum(a, b);
    const w = this.w;
    const ka = infoKind(w[a + 1]!);
    const kb = infoKind(w[b + 1]!);
    return w[a] === w[b] && (ka === ENUM || ka === ENUM64) && (kb === ENUM || kb === ENUM64);
  }

  private shallowEqualStruct(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const w = this.w;
    const end = 3 + 3 * this.vlen(a);
    for (let i = 3; i < end; i += 3) {
      if (w[a + i] !== w[b + i] || w[a + i + 2] !== w[b + i + 2]) return false;
    }
    return true;
  }

  private equalArray(a: number, b: number): boolean {
    const w = this.w;
    return (
      this.equalCommon(a, b) &&
      w[a + 3] === w[b + 3] &&
      w[a + 4] === w[b + 4] &&
      w[a + 5] === w[b + 5]
    );
  }

  private equalFnproto(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const w = this.w;
    const end = 3 + 2 * this.vlen(a);
    for (let i = 3; i < end; i++) if (w[a + i] !== w[b + i]) return false;
    return true;
  }

  private compatFnproto(a: number, b: number): boolean {
    const w = this.w;
    if (w[a] !== w[b] || w[a + 1] !== w[b + 1]) return false;
    const end = 3 + 2 * this.vlen(a);
    for (let i = 3; i < end; i += 2) if (w[a + i] !== w[b + i]) return false;
    return true;
  }

  /** Base types are canonical by definition; they go into the table as candidates. */
  private prep(): void {
    const { offs, map, table } = this;
    for (let id = 1; id < this.start; id++) {
      map[id] = id;
      const o = offs[id]!;
      let h: number;
      switch (this.kind(id)) {
        case VAR:
        case DATASEC:
          continue;
        case CONST:
        case VOLATILE:
        case RESTRICT:
        case PTR:
        case FWD:
        case FUNC:
        case FLOAT:
        case TYPE_TAG:
          h = this.hashCommon(o);
          break;
        case TYPEDEF:
          h = this.typedefsAsStructs ? this.hashTypedef(o) : this.hashCommon(o);
          break;
        case INT:
        case DECL_TAG:
          h = this.hashIntTag(o);
          break;
        case ENUM:
        case ENUM64:
          h = this.hashEnum(o);
          break;
        case STRUCT:
        case UNION:
          h = this.hashStruct(o);
          break;
        case ARRAY:
          h = this.hashArray(o);
          break;
        case FUNC_PROTO:
          h = this.hashFnproto(o);
          break;
        default:
          throw this.unexpected(id);
      }
      table.add(h, id);
    }
  }

  private primType(id: number): void {
    const { offs, table, map } = this;
    const o = offs[id]!;
    let newId = id;
    let h: number;
    switch (this.kind(id)) {
      case INT:
        h = this.hashIntTag(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalIntTag(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
        break;
      case ENUM:
      case ENUM64:
        h = this.hashEnum(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          const co = offs[c]!;
          if (this.equalEnum(o, co)) {
            newId = c;
            break;
          }
          if (this.compatEnum(o, co)) {
            if (this.isEnumFwd(o)) {
              newId = c;
              break;
            }
            // A canonical enum forward declaration resolves to this full enum.
            map[c] = id;
          }
        }
        break;
      case FWD:
      case FLOAT:
        h = this.hashCommon(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalCommon(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
        break;
      default:
        return;
    }
    map[id] = newId;
    if (newId === id) table.add(h, id);
  }

  private isMapped(id: number): boolean {
    return this.map[id]! <= MAX_NR_TYPES;
  }

  private resolve(id: number): number {
    const map = this.map;
    let steps = 0;
    for (;;) {
      const m = map[id]!;
      if (m > MAX_NR_TYPES || m === id) return id;
      id = m;
      if (++steps > this.n) throw this.loop(id);
    }
  }

  private resolveFwd(id: number): number {
    if (this.kind(id) !== FWD) return id;
    const r = this.resolve(id);
    return this.kind(r) !== FWD ? r : id;
  }

  private hypotAdd(from: number, to: number): void {
    this.hypotList[this.hypotCount++] = from;
    this.hypot[from] = to;
  }

  private clearHypot(): void {
    const { hypot, hypotList } = this;
    for (let i = 0; i < this.hypotCount; i++) hypot[hypotList[i]!] = UNPROCESSED;
    this.hypotCount = 0;
    this.hypotAdjustCanon = false;
  }

  private identicalArrays(a: number, b: number): boolean {
    if (this.kind(a) !== ARRAY || this.kind(b) !== ARRAY) return false;
    return this.equalArray(this.offs[a]!, this.offs[b]!);
  }

  /** libbpf's `btf_dedup_identical_structs`, with a stack of ID pairs for its recursion. */
  private identicalStructs(a: number, b: number): boolean {
    const { w, offs } = this;
    const pairs = [a, b];
    // Only a malformed graph embeds a struct in itself; there libbpf recurses forever. Pairs
    // seen are not compared again, and a budget bounds the walk on adversarial graphs (real
    // structs embed a few levels deep).
    const seen = new Set<number>();
    let budget = 1 << 16;
    while (pairs.length > 0) {
      if (--budget < 0) return false;
      const y = pairs.pop()!;
      const x = pairs.pop()!;
      const kx = this.kind(x);
      if ((kx !== STRUCT && kx !== UNION) || kx !== this.kind(y)) return false;
      const ox = offs[x]!;
      const oy = offs[y]!;
      if (!this.shallowEqualStruct(ox, oy)) return false;
      const end = 3 + 3 * this.vlen(ox);
      const later: number[] = [];
      for (let i = 3; i < end; i += 3) {
        const tx = w[ox + i + 1]!;
        const ty = w[oy + i + 1]!;
        if (tx === ty || this.identicalArrays(tx, ty)) continue;
        later.push(tx, ty);
      }
      // Members are compared in order: the first one that differs decides.
      for (let i = later.length - 2; i >= 0; i -= 2) {
        const key = later[i]! * 0x100000000 + later[i + 1]!;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push(later[i]!, later[i + 1]!);
      }
    }
    return true;
  }

  /**
   * libbpf 1.6's `btf_dedup_identical_types(a, b, 16)`: the two graphs are the same shape
   * down to depth 16 (structs, unions, arrays and function prototypes count a level; chains
   * of pointers, qualifiers and typedefs do not). A stack of ID pairs for its recursion; a
   * budget of steps stands in for the depth on a loop of reference types, where libbpf 1.6
   * would not stop. libbpf 1.6 compares an array's element and index types with themselves
   * (`a2 = btf_array(t1)`); this compares them with the other array's.
   */
  private identicalTypes(a: number, b: number): boolean {
    const { w, offs } = this;
    const pairs = [a, b, 16];
    let budget = 1 << 16;
    while (pairs.length > 0) {
      if (--budget < 0) return false;
      const depth = pairs.pop()!;
      const y = pairs.pop()!;
      const x = pairs.pop()!;
      if (depth <= 0) return false;
      const ox = offs[x]!;
      const oy = offs[y]!;
      const k = infoKind(w[ox + 1]!);
      if (k !== infoKind(w[oy + 1]!)) return false;
      switch (k) {
        case 0:
          break;
        case INT:
          if (!this.equalIntTag(ox, oy)) return false;
          break;
        case ENUM:
        case ENUM64:
          if (!this.compatEnum(ox, oy)) return false;
          break;
        case FWD:
        case FLOAT:
          if (!this.equalCommon(ox, oy)) return false;
          break;
        case CONST:
        case VOLATILE:
        case RESTRICT:
        case PTR:
        case TYPEDEF:
        case FUNC:
        case TYPE_TAG:
          if (w[ox + 1] !== w[oy + 1] || w[ox] !== w[oy]) return false;
          pairs.push(w[ox + 2]!, w[oy + 2]!, depth);
          break;
        case ARRAY:
          if (!this.equalCommon(ox, oy) || w[ox + 5] !== w[oy + 5]) return false;
          if (w[ox + 4] !== w[oy + 4]) pairs.push(w[ox + 4]!, w[oy + 4]!, depth - 1);
          if (w[ox + 3] !== w[oy + 3]) pairs.push(w[ox + 3]!, w[oy + 3]!, depth - 1);
          break;
        case STRUCT:
        case UNION: {
          if (!this.shallowEqualStruct(ox, oy)) return false;
          const end = 3 + 3 * this.vlen(ox);
          for (let i = 3; i < end; i += 3) {
            const tx = w[ox + i + 1]!;
            const ty = w[oy + i + 1]!;
            if (tx !== ty) pairs.push(tx, ty, depth - 1);
          }
          break;
        }
        case FUNC_PROTO: {
          if (!this.compatFnproto(ox, oy)) return false;
          if (w[ox + 2] !== w[oy + 2]) pairs.push(w[ox + 2]!, w[oy + 2]!, depth - 1);
          const end = 3 + 2 * this.vlen(ox);
          for (let i = 3; i < end; i += 2) {
            const tx = w[ox + i + 1]!;
            const ty = w[oy + i + 1]!;
            if (tx !== ty) pairs.push(tx, ty, depth - 1);
          }
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }

  private push(depth: number, x: number, y: number): number {
    if (depth + 2 > this.stack.length) {
      const s = new Uint32Array(this.stack.length * 2);
      s.set(this.stack);
      this.stack = s;
    }
    this.stack[depth] = x;
    this.stack[depth + 1] = y;
    return depth + 2;
  }

  /**
   * libbpf's `btf_dedup_is_equiv(cand, canon)`: a depth-first walk of both graphs side by
   * side. Any mismatch ends the whole walk, so the recursion is a pre-order walk of a stack
   * of pairs, each type's referenced types pushed in reverse to be visited in order.
   */
  private isEquiv(candRoot: number, canonRoot: number): boolean {
    const { w, offs, hypot } = this;
    let depth = this.push(0, candRoot, canonRoot);
    while (depth > 0) {
      depth -= 2;
      const cand = this.stack[depth]!;
      let canon = this.stack[depth + 1]!;
      if (this.resolve(cand) === this.resolve(canon)) continue;
      canon = this.resolveFwd(canon);
      const hy = hypot[canon]!;
      if (hy <= MAX_NR_TYPES) {
        if (hy === cand) continue;
        if (this.identicalArrays(hy, cand)) continue;
        if (this.identicalStructs(hy, cand)) continue;
        // Newer libbpf (1.6) also takes identical pointer, qualifier, typedef and function
        // chains here, to a depth of 16; libbpf 1.1 leaves such structs apart. A superset
        // of the checks above, so whatever libbpf 1.1 merges merges the same way.
        if (this.identicalTypes(hy, cand)) continue;
        return false;
      }
      this.hypotAdd(canon, cand);
      const co = offs[cand]!;
      const ko = offs[canon]!;
      if (w[co] !== w[ko]) return false;
      const ck = infoKind(w[co + 1]!);
      const kk = infoKind(w[ko + 1]!);
      if ((ck === FWD || kk === FWD) && ck !== kk) {
        let real: number;
        let fwdKind: number;
        if (ck === FWD) {
          real = kk;
          fwdKind = infoKflag(w[co + 1]!) ? UNION : STRUCT;
        } else {
          real = ck;
          fwdKind = infoKflag(w[ko + 1]!) ? UNION : STRUCT;
          if (fwdKind === real && canon < this.start) this.hypotAdjustCanon = true;
        }
        if (fwdKind !== real) return false;
        continue;
      }
      if (ck !== kk) return false;
      switch (ck) {
        case INT:
          if (!this.equalIntTag(co, ko)) return false;
          break;
        case ENUM:
        case ENUM64:
          if (!this.compatEnum(co, ko)) return false;
          break;
        case FWD:
        case FLOAT:
          if (!this.equalCommon(co, ko)) return false;
          break;
        case CONST:
        case VOLATILE:
        case RESTRICT:
        case PTR:
        case TYPEDEF:
        case FUNC:
        case TYPE_TAG:
          if (w[co + 1] !== w[ko + 1]) return false;
          depth = this.push(depth, w[co + 2]!, w[ko + 2]!);
          break;
        case ARRAY:
          if (!this.equalCommon(co, ko) || w[co + 5] !== w[ko + 5]) return false;
          depth = this.push(depth, w[co + 3]!, w[ko + 3]!);
          depth = this.push(depth, w[co + 4]!, w[ko + 4]!);
          break;
        case STRUCT:
        case UNION: {
          if (!this.shallowEqualStruct(co, ko)) return false;
          for (let i = 3 * this.vlen(co); i > 0; i -= 3) {
            depth = this.push(depth, w[co + i + 1]!, w[ko + i + 1]!);
          }
          break;
        }
        case FUNC_PROTO: {
          if (!this.compatFnproto(co, ko)) return false;
          for (let i = 2 * this.vlen(co); i > 0; i -= 2) {
            depth = this.push(depth, w[co + i + 2]!, w[ko + i + 2]!);
          }
          depth = this.push(depth, w[co + 2]!, w[ko + 2]!);
          break;
        }
        default:
          throw this.unexpected(cand);
      }
    }
    return true;
  }

  private mergeHypot(): void {
    const { map, hypot, hypotList } = this;
    for (let i = 0; i < this.hypotCount; i++) {
      const canonId = hypotList[i]!;
      const targId = hypot[canonId]!;
      const t = this.resolve(targId);
      const c = this.resolve(canonId);
      const tk = this.kind(t);
      const ck = this.kind(c);
      if (tk !== FWD && ck === FWD) map[c] = t;
      if (this.hypotAdjustCanon) continue;
      if (tk === FWD && ck !== FWD) map[t] = c;
      if ((tk === STRUCT || tk === UNION) && ck !== FWD && this.isMapped(c) && !this.isMapped(t)) {
        map[t] = c;
      }
    }
  }

  /**
   * Structs, unions and, in libbpf 1.7's mode, typedefs: each against the candidates of
   * its signature, by graph equivalence.
   */
  private structType(id: number): void {
    const { map, offs, table, w } = this;
    if (map[id]! <= MAX_NR_TYPES) return;
    const k = this.kind(id);
    if (k !== STRUCT && k !== UNION && (k !== TYPEDEF || !this.typedefsAsStructs)) return;
    const o = offs[id]!;
    const typedef = k === TYPEDEF;
    const h = typedef ? this.hashTypedef(o) : this.hashStruct(o);
    let newId = id;
    for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
      if (table.keyOf(e) !== h) continue;
      const c = table.valueOf(e);
      const co = offs[c]!;
      if (typedef ? w[o] !== w[co] || w[o + 1] !== w[co + 1] : !this.shallowEqualStruct(o, co)) {
        continue;
      }
      this.clearHypot();
      if (!this.isEquiv(id, c)) continue;
      this.mergeHypot();
      if (this.hypotAdjustCanon) continue;
      newId = c;
      break;
    }
    map[id] = newId;
    if (newId === id) table.add(h, id);
  }

  private resolveFwds(): void {
    const { map, w, offs, n } = this;
    // Name -> the one canonical struct or union of that name, or 0 when there are several.
    const names = new Map<number, number>();
    for (let id = 1; id < n; id++) {
      const k = this.kind(id);
      if ((k !== STRUCT && k !== UNION) || map[id] !== id) continue;
      const name = w[offs[id]!]!;
      names.set(name, names.has(name) ? 0 : id);
    }
    for (let id = this.start; id < n; id++) {
      if (this.kind(id) !== FWD || map[id] !== id) continue;
      const o = offs[id]!;
      const c = names.get(w[o]!);
      if (!c) continue;
      const ck = this.kind(c);
      const union = infoKflag(w[o + 1]!);
      if ((ck === STRUCT && union) || (ck === UNION && !union)) continue;
      map[id] = c;
    }
  }

  /** The word holding the `k`-th ID a reference type refers to, or -1 past the last. */
  private refSlot(o: number, kind: number, k: number): number {
    switch (kind) {
      case ARRAY:
        return k < 2 ? o + 3 + k : -1;
      case FUNC_PROTO:
        if (k === 0) return o + 2;
        return k <= this.vlen(o) ? o + 3 + 2 * (k - 1) + 1 : -1;
      default:
        return k === 0 ? o + 2 : -1;
    }
  }

  private isRefKind(kind: number): boolean {
    switch (kind) {
      case CONST:
      case VOLATILE:
      case RESTRICT:
      case PTR:
      case FUNC:
      case TYPE_TAG:
      case DECL_TAG:
      case ARRAY:
      case FUNC_PROTO:
        return true;
      case TYPEDEF:
        return !this.typedefsAsStructs;
      default:
        return false;
    }
  }

  /**
   * libbpf's `btf_dedup_ref_type`: referenced types first (rewriting the references to their
   * canonical IDs), then the type itself against the table. A stack of frames stands for
   * the recursion: the type and how many of its references are done.
   */
  private refType(root: number): void {
    const { map, w, offs } = this;
    const m = map[root]!;
    if (m === IN_PROGRESS) throw this.loop(root);
    if (m <= MAX_NR_TYPES) return;
    if (!this.isRefKind(this.kind(root))) throw this.unexpected(root);
    map[root] = IN_PROGRESS;
    let depth = 0;
    depth = this.pushFrame(depth, root);
    while (depth > 0) {
      const id = this.stack[depth - 1]!;
      const step = this.frameStep[depth - 1]!;
      const o = offs[id]!;
      const kind = infoKind(w[o + 1]!);
      const slot = this.refSlot(o, kind, step);
      if (slot >= 0) {
        this.frameStep[depth - 1] = step + 1;
        const c = w[slot]!;
        const mc = map[c]!;
        if (mc === IN_PROGRESS) throw this.loop(c);
        if (mc <= MAX_NR_TYPES) {
          w[slot] = this.resolve(c);
          continue;
        }
        if (!this.isRefKind(this.kind(c))) throw this.unexpected(c);
        map[c] = IN_PROGRESS;
        depth = this.pushFrame(depth, c);
        continue;
      }
      const newId = this.finishRef(id, o, kind);
      depth--;
      if (depth > 0) {
        const p = this.stack[depth - 1]!;
        const po = offs[p]!;
        w[this.refSlot(po, infoKind(w[po + 1]!), this.frameStep[depth - 1]! - 1)] = newId;
      }
    }
  }

  private pushFrame(depth: number, id: number): number {
    if (depth === this.stack.length) {
      const s = new Uint32Array(depth * 2);
      s.set(this.stack);
      this.stack = s;
    }
    if (depth >= this.frameStep.length) {
      const f = new Uint32Array(this.stack.length);
      f.set(this.frameStep);
      this.frameStep = f;
    }
    this.stack[depth] = id;
    this.frameStep[depth] = 0;
    return depth + 1;
  }

  private finishRef(id: number, o: number, kind: number): number {
    const { table, offs } = this;
    let h: number;
    let newId = id;
    switch (kind) {
      case DECL_TAG:
        h = this.hashIntTag(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalIntTag(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
        break;
      case ARRAY:
        h = this.hashArray(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalArray(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
        break;
      case FUNC_PROTO:
        h = this.hashFnproto(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalFnproto(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
        break;
      default:
        h = this.hashCommon(o);
        for (let e = table.first(h); e !== -1; e = table.nextOf(e)) {
          if (table.keyOf(e) !== h) continue;
          const c = table.valueOf(e);
          if (this.equalCommon(o, offs[c]!)) {
            newId = c;
            break;
          }
        }
    }
    this.map[id] = newId;
    if (newId === id) table.add(h, id);
    return newId;
  }

  private compact(): DedupOutcome {
    const { map, n, start } = this;
    const newIds = this.hypot;
    newIds[0] = 0;
    for (let id = 1; id < start; id++) newIds[id] = id;
    const kept = this.hypotList;
    let next = start;
    for (let id = start; id < n; id++) {
      if (map[id] !== id) {
        newIds[id] = UNPROCESSED;
        continue;
      }
      kept[next - start] = id;
      newIds[id] = next++;
    }
    // Resolved once here: every later lookup is one step. Each chain ends at a kept type
    // once every pass has run; the writer checks that for every ID it rewrites.
    const canonical = map;
    for (let id = 0; id < n; id++) canonical[id] = this.resolve(id);
    return { kept: kept.subarray(0, next - start), newIds, canonical };
  }

  private unexpected(id: number): FormatError {
    return new FormatError(
      `btf dedup: type id ${id}: ${kindName(this.kind(id))} where libbpf's dedup expects none (EINVAL)`,
      { typeID: id },
    );
  }

  private loop(id: number): BtfError {
    return new FormatError(`btf dedup: type id ${id}: reference types form a loop (ELOOP)`, {
      typeID: id,
    });
  }
}
