import { NotFoundError, type StringTable, StringTableBuilder } from '@btfkit/wire';
import { pushChildren } from './children.js';
import { encodeTypes, type MarshalOptions } from './marshal-types.js';
import type { Spec } from './spec.js';
import { type TypeSource, typeSourceOf } from './type-source.js';
import type { Type } from './types.js';

/** Options for a {@link Builder}. */
export interface BuilderOptions {
  /**
   * Encode split BTF over this base: types of the base are referenced by their base IDs and
   * not encoded again; new IDs and string offsets continue the base's.
   */
  readonly base?: Spec;
  /**
   * Put these strings first in the string section, in their order, so that a blob re-encoded
   * from its own Spec gets its original string offsets.
   */
  readonly strings?: StringTable;
}

/** What a Builder knows about one source of decoded types. */
interface SourceIDs {
  readonly source: TypeSource;
  /** The source is the Builder's base Spec (or its base): its IDs are used as they are. */
  readonly base: boolean;
  /** Builder ID by source ID, 0 for none; empty for a base source. */
  readonly ids: Int32Array;
}

/**
 * Collects type graphs and encodes them as a BTF blob. Each added type, and every type it
 * reaches, gets a stable ID in the order first seen; equal strings share one offset.
 * Hand-built types and types decoded from a {@link Spec} can be mixed.
 */
export class Builder {
  /** IDs of types that no source decoded (hand-built or copied). */
  private readonly ids = new Map<Type, number>();
  private readonly order: Type[] = [];
  private readonly base: Spec | undefined;
  private readonly firstTypeID: number;
  private readonly seedStrings: StringTable | undefined;
  /** Indexes into {@link order} of types whose children are still to be added. */
  private readonly stack: number[] = [];
  /** The children of the type being walked (reused). */
  private readonly scratch: Type[] = [];
  private readonly sources = new Map<TypeSource, SourceIDs>();
  /** The source last looked up: types of one blob mostly reference each other. */
  private lastSource: SourceIDs | undefined;
  /** The first non-base source: its records give the encoder string offsets to key on. */
  private primary: SourceIDs | undefined;
  /** Per entry of {@link order}: the index of its record in {@link primary}'s blob, or -1. */
  private records = new Int32Array(1024);
  /**
   * The IDs of the children of each entry of {@link order} when it was walked: the encoder
   * takes a reference's ID from here after checking it names the same object.
   */
  private childIDs = new Int32Array(4096);
  private childLength = 0;
  /** Per entry of {@link order}: where its children start in {@link childIDs}, how many. */
  private childStart = new Int32Array(1024);
  private childCount = new Int32Array(1024);
  /** How many added types {@link primary} decoded. */
  private primaryCount = 0;
  /** Where the last {@link find} found its type: the source and the ID in it. */
  private foundIn: SourceIDs | undefined;
  private foundID = 0;

  /** @param options - a base Spec for split BTF, seed strings */
  constructor(options: BuilderOptions = {}) {
    this.base = options.base;
    this.firstTypeID = options.base ? options.base.nextTypeID : 1;
    this.seedStrings = options.strings;
  }

  /** The types added so far, in ID order (not counting void or base types). */
  get types(): readonly Type[] {
    return this.order;
  }

  /**
   * Adds `type` and every type it references; returns its ID (0 for void, the base's ID for a
   * type of the base Spec). Adding a type twice returns the same ID.
   */
  add(type: Type): number {
    const id = this.assign(type);
    this.walk();
    return id;
  }

  /**
   * Adds types in the given order: each gets the next ID, before any type that is only
   * reachable from them; then their children are added. A Spec's types in ID order keep
   * their IDs this way.
   */
  addAll(types: Iterable<Type>): void {
    for (const t of types) this.assign(t);
    this.walk();
  }

  /**
   * The ID of a type added (directly or as a child), or of a base type.
   * @throws NotFoundError when the type was not added
   */
  typeID(type: Type): number {
    const id = this.find(type);
    if (id === undefined)
      throw new NotFoundError(`btf: ${type.kind} '${type.name}': not added to the builder`);
    return id;
  }

  /**
   * Encodes every added type into a BTF blob.
   * @throws BtfError naming the type ID when a field does not fit its encoding
   */
  marshal(options: MarshalOptions = {}): Uint8Array {
    const baseStrings = this.base?.raw.strings;
    const strings = new StringTableBuilder(baseStrings);
    if (this.seedStrings) strings.seed(this.seedStrings);
    const base = this.base;
    const byteOrder = options.byteOrder ?? base?.byteOrder;
    const primary = this.primary?.source.raw;
    // Keying names by offset allocates tables sized by the source's string section: worth it
    // only when a good part of the source is encoded.
    if (primary && this.primaryCount * 4 >= primary.offsets.length) strings.keyBy(primary.strings);
    return encodeTypes(
      {
        types: this.order,
        firstTypeID: this.firstTypeID,
        strings,
        idOf: (t) => {
          const id = this.find(t);
          if (id !== undefined) return id;
          throw new NotFoundError(`btf: ${t.kind} '${t.name}': not added to the builder`);
        },
        children: { ids: this.childIDs, start: this.childStart, count: this.childCount },
        ...(primary
          ? { source: primary, sourceIndex: this.records.subarray(0, this.order.length) }
          : {}),
      },
      byteOrder ? { ...options, byteOrder } : options,
    );
  }

  /**
   * The ID of `type` in this Builder or its base, or undefined. A decoded type is found by
   * its ID in its source, and {@link foundIn}/{@link foundID} say where, for {@link assign}.
   */
  private find(type: Type): number | undefined {
    this.foundIn = undefined;
    // Void is never decoded: it is checked after the source, which most types have.
    const source = typeSourceOf(type);
    if (source !== undefined) {
      const sid = source.idOf(type);
      if (sid !== undefined && sid !== 0) {
        let s = this.lastSource;
        if (s === undefined || s.source !== source) s = this.sourceIDs(source, type);
        if (s.base) return sid;
        const id = s.ids[sid]!;
        if (id !== 0) return id;
        this.foundIn = s;
        this.foundID = sid;
        return undefined;
      }
    }
    if (type.kind === 'void') return 0;
    return this.ids.get(type) ?? this.base?.typeIDOrUndefined(type);
  }

  /** The entry of a source, made when `type` is the first type seen from it. */
  private sourceIDs(source: TypeSource, type: Type): SourceIDs {
    let s = this.sources.get(source);
    if (s === undefined) {
      // A source's types are all in the base or none is.
      const base = this.base?.typeIDOrUndefined(type) !== undefined;
      s = { source, base, ids: new Int32Array(base ? 0 : source.raw.nextTypeID) };
      this.sources.set(source, s);
      if (!base && this.primary === undefined) this.primary = s;
    }
    this.lastSource = s;
    return s;
  }

  private assign(type: Type): number {
    const known = this.find(type);
    if (known !== undefined) return known;
    this.put(type);
    this.stack.push(this.order.length - 1);
    return this.firstTypeID + this.order.length - 1;
  }

  /** Gives `type`, just not found by {@link find}, the next ID. */
  private put(type: Type): void {
    const n = this.order.length;
    const id = this.firstTypeID + n;
    const s = this.foundIn;
    let record = -1;
    if (s === undefined) {
      this.ids.set(type, id);
    } else {
      s.ids[this.foundID] = id;
      if (s === this.primary) {
        record = this.foundID - s.source.raw.firstTypeID;
        this.primaryCount++;
      }
    }
    if (n === this.records.length) {
      this.records = grown(this.records, n * 2);
      this.childStart = grown(this.childStart, n * 2);
      this.childCount = grown(this.childCount, n * 2);
    }
    this.records[n] = record;
    this.order.push(type);
  }

  private walk(): void {
    const stack = this.stack;
    const children = this.scratch;
    // Children get IDs in the order they are first reached, in pushChildren's order.
    while (stack.length > 0) {
      const i = stack.pop()!;
      const start = this.childLength;
      this.childStart[i] = start;
      children.length = 0;
      pushChildren(this.order[i]!, children);
      for (let j = 0; j < children.length; j++) this.child(children[j]!);
      this.childCount[i] = this.childLength - start;
    }
    children.length = 0;
  }

  /** Adds a child of the type being walked, and lists its ID. */
  private child(c: Type): void {
    let id = this.find(c);
    if (id === undefined) {
      this.put(c);
      this.stack.push(this.order.length - 1);
      id = this.firstTypeID + this.order.length - 1;
    }
    if (this.childLength === this.childIDs.length) {
      this.childIDs = grown(this.childIDs, 2 * this.childLength);
    }
    this.childIDs[this.childLength++] = id;
  }
}

/** A copy of `a` with room for `n` entries. */
function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(n);
  next.set(a);
  return next;
}
