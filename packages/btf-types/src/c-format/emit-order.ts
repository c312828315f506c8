import { BTF_KIND, FormatError, refersByTypeWord } from '@btfkit/wire';
import type { TypeTable } from './type-table.js';

/** `order_state` values of libbpf's `btf_dump`. */
export const NOT_ORDERED = 0;
export const ORDERING = 1;
export const ORDERED = 2;

/**
 * Marks every type that another type refers to (libbpf 1.1's `btf_dump_mark_referenced`).
 * An anonymous enum nobody refers to is a top-level declaration of constants and is printed
 * on its own; a referenced one is printed inline where it is used.
 */
export function markReferenced(tab: TypeTable): Uint8Array {
  const { count, kind, vlen, sizeType, words, extraStart } = tab;
  const referenced = new Uint8Array(count);
  for (let id = 1; id < count; id++) {
    const x = extraStart[id]!;
    const k = kind[id]!;
    if (refersByTypeWord(k)) {
      referenced[sizeType[id]!] = 1;
      continue;
    }
    switch (k) {
      case BTF_KIND.ARRAY:
        referenced[words[x + 1]!] = 1;
        referenced[words[x]!] = 1;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let i = 0, n = vlen[id]!; i < n; i++) referenced[words[x + 3 * i + 1]!] = 1;
        break;
      case BTF_KIND.FUNC_PROTO:
        // libbpf 1.1 marks the parameters but not the return type.
        for (let i = 0, n = vlen[id]!; i < n; i++) referenced[words[x + 2 * i + 1]!] = 1;
        break;
      case BTF_KIND.DATASEC:
        for (let i = 0, n = vlen[id]!; i < n; i++) referenced[words[x + 3 * i]!] = 1;
        break;
    }
  }
  return referenced;
}

// Where a frame of the ordering walk is.
const ENTER = 0;
const AFTER_PTR = 1;
const PASS = 2;
const MEMBERS = 3;
const AFTER_TYPEDEF = 4;
const PROTO = 5;

/**
 * The topological sort of libbpf 1.1's `btf_dump_order_type`, run with an explicit stack:
 * queues the named definitions type `root` needs, each after the definitions it embeds. A link through a pointer to a named struct or union is weak (a forward declaration
 * satisfies it); everything else is strong.
 */
export class TypeOrderer {
  private readonly tab: TypeTable;
  /** `order_state` per type. */
  readonly state: Uint8Array;
  /** The definitions the last {@link order} call queued, in the order to print them. */
  queue = new Uint32Array(64);
  private readonly referenced: Uint8Array;
  private ids = new Int32Array(256);
  private ptr = new Uint8Array(256);
  private where = new Uint8Array(256);
  private index = new Int32Array(256);
  private strong = new Uint8Array(256);
  /** A walk that never ends loops through kinds that cannot close a cycle; see {@link order}. */
  private readonly maxDepth: number;

  constructor(tab: TypeTable, referenced: Uint8Array) {
    this.tab = tab;
    this.referenced = referenced;
    this.state = new Uint8Array(tab.count);
    this.state[0] = ORDERED;
    // In a walk that ends, a type is on the stack at most a few times: a second visit of a
    // struct or union ends at its ORDERING state, and without one in between the path repeats.
    this.maxDepth = 4 * tab.count + 64;
  }

  /**
   * Orders type `root` and what it depends on, queueing named definitions in {@link queue};
   * returns how many it queued.
   * @throws FormatError naming the type ID of a cycle C cannot express (a type that contains
   *   itself by value, or a reference loop with no struct, union or typedef in it)
   */
  order(root: number): number {
    const state = this.state;
    if (state[root] === ORDERED) return 0;
    const { kind, nameOff, vlen, sizeType, words, extraStart } = this.tab;
    switch (kind[root]) {
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DATASEC:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        state[root] = ORDERED;
        return 0;
    }
    const referenced = this.referenced;
    let queued = 0;
    let top = 0;
    let ret = 0;
    this.push(top++, root, 0);
    while (top > 0) {
      const f = top - 1;
      const id = this.ids[f]!;
      const k = kind[id]!;
      switch (this.where[f]) {
        case ENTER: {
          const throughPtr = this.ptr[f] === 1;
          const s = state[id]!;
          if (s === ORDERED) {
            ret = 1;
            top--;
            continue;
          }
          if (s === ORDERING) {
            if ((k === BTF_KIND.STRUCT || k === BTF_KIND.UNION) && throughPtr && nameOff[id]) {
              ret = 0;
              top--;
              continue;
            }
            throw new FormatError(`btf: type id ${id}: unsatisfiable type cycle`, { typeID: id });
          }
          switch (k) {
            case BTF_KIND.INT:
            case BTF_KIND.FLOAT:
              state[id] = ORDERED;
              ret = 0;
              top--;
              continue;
            case BTF_KIND.PTR:
              this.where[f] = AFTER_PTR;
              top = this.push(top, sizeType[id]!, 1);
              continue;
            case BTF_KIND.ARRAY:
              this.where[f] = PASS;
              top = this.push(top, words[extraStart[id]!]!, 0);
              continue;
            case BTF_KIND.STRUCT:
            case BTF_KIND.UNION:
              if (throughPtr && nameOff[id]) {
                ret = 0;
                top--;
                continue;
              }
              state[id] = ORDERING;
              this.where[f] = MEMBERS;
              continue;
            case BTF_KIND.ENUM:
            case BTF_KIND.ENUM64:
            case BTF_KIND.FWD:
              if (nameOff[id] || !referenced[id]) queued = this.enqueue(queued, id);
              state[id] = ORDERED;
              ret = 1;
              top--;
              continue;
            case BTF_KIND.TYPEDEF:
              this.where[f] = AFTER_TYPEDEF;
              top = this.push(top, sizeType[id]!, this.ptr[f]!);
              continue;
            case BTF_KIND.VOLATILE:
            case BTF_KIND.CONST:
            case BTF_KIND.RESTRICT:
            case BTF_KIND.TYPE_TAG:
              this.where[f] = PASS;
              top = this.push(top, sizeType[id]!, this.ptr[f]!);
              continue;
            case BTF_KIND.FUNC_PROTO:
              this.where[f] = PROTO;
              this.index[f] = -1;
              this.strong[f] = 0;
              top = this.push(top, sizeType[id]!, this.ptr[f]!);
              continue;
            default:
              // FUNC, VAR, DATASEC, DECL_TAG: nothing to define.
              state[id] = ORDERED;
              ret = 0;
              top--;
              continue;
          }
        }
        case AFTER_PTR:
          state[id] = ORDERED;
          top--;
          continue;
        case PASS:
          top--;
          continue;
        case MEMBERS: {
          const i = this.index[f]!;
          if (i < vlen[id]!) {
            this.index[f] = i + 1;
            top = this.push(top, words[extraStart[id]! + 3 * i + 1]!, 0);
            continue;
          }
          if (nameOff[id]) queued = this.enqueue(queued, id);
          state[id] = ORDERED;
          ret = 1;
          top--;
          continue;
        }
        case AFTER_TYPEDEF:
          if (this.ptr[f] === 1 && ret === 0) {
            top--;
            continue;
          }
          queued = this.enqueue(queued, id);
          state[id] = ORDERED;
          ret = 1;
          top--;
          continue;
        default: {
          // PROTO: `ret` is the strength of the return type or of the previous parameter.
          if (ret > 0) this.strong[f] = 1;
          const i = this.index[f]! + 1;
          if (i < vlen[id]!) {
            this.index[f] = i;
            top = this.push(top, words[extraStart[id]! + 2 * i + 1]!, this.ptr[f]!);
            continue;
          }
          ret = this.strong[f]!;
          top--;
        }
      }
    }
    return queued;
  }

  private enqueue(at: number, id: number): number {
    if (at >= this.queue.length) {
      const q = new Uint32Array(this.queue.length * 2);
      q.set(this.queue);
      this.queue = q;
    }
    this.queue[at] = id;
    return at + 1;
  }

  /** Pushes a frame at `at` and returns the new stack height. */
  private push(at: number, id: number, throughPtr: number): number {
    if (at >= this.ids.length) {
      if (at >= this.maxDepth) {
        throw new FormatError(
          `btf: type id ${id}: reference cycle through pointers, arrays or qualifiers only`,
          { typeID: id },
        );
      }
      this.grow();
    }
    this.ids[at] = id;
    this.ptr[at] = throughPtr;
    this.where[at] = ENTER;
    this.index[at] = 0;
    return at + 1;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const ids = new Int32Array(n);
    ids.set(this.ids);
    this.ids = ids;
    const ptr = new Uint8Array(n);
    ptr.set(this.ptr);
    this.ptr = ptr;
    const where = new Uint8Array(n);
    where.set(this.where);
    this.where = where;
    const index = new Int32Array(n);
    index.set(this.index);
    this.index = index;
    const strong = new Uint8Array(n);
    strong.set(this.strong);
    this.strong = strong;
  }
}
