import { NotFoundError, type StringTable } from '@btfkit/wire';
import { pushChildren } from './children.js';
import { encodeTypes, type MarshalOptions } from './marshal-types.js';
import type { Spec } from './spec.js';
import { StringTableWriter } from './string-table-writer.js';
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

/**
 * Collects type graphs and encodes them as a BTF blob. Each added type, and every type it
 * reaches, gets a stable ID in the order first seen; equal strings share one offset.
 * Hand-built types and types decoded from a {@link Spec} can be mixed.
 */
export class Builder {
  private readonly ids = new Map<Type, number>();
  private readonly order: Type[] = [];
  private readonly base: Spec | undefined;
  private readonly firstTypeId: number;
  private readonly seedStrings: StringTable | undefined;
  private readonly stack: Type[] = [];

  /** @param options - a base Spec for split BTF, seed strings */
  constructor(options: BuilderOptions = {}) {
    this.base = options.base;
    this.firstTypeId = options.base ? options.base.nextTypeId : 1;
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
    const id = this.lookup(type);
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
    const strings = new StringTableWriter(baseStrings);
    if (this.seedStrings) strings.seed(this.seedStrings);
    const ids = this.ids;
    const base = this.base;
    const byteOrder = options.byteOrder ?? base?.byteOrder;
    return encodeTypes(
      {
        types: this.order,
        firstTypeId: this.firstTypeId,
        strings,
        idOf: (t) => {
          const id = ids.get(t);
          if (id !== undefined) return id;
          if (t.kind === 'void') return 0;
          const b = base?.typeIDOrUndefined(t);
          if (b !== undefined) return b;
          throw new NotFoundError(`btf: ${t.kind} '${t.name}': not added to the builder`);
        },
      },
      byteOrder ? { ...options, byteOrder } : options,
    );
  }

  private lookup(type: Type): number | undefined {
    if (type.kind === 'void') return 0;
    return this.ids.get(type) ?? this.base?.typeIDOrUndefined(type);
  }

  private assign(type: Type): number {
    const known = this.lookup(type);
    if (known !== undefined) return known;
    const id = this.firstTypeId + this.order.length;
    this.ids.set(type, id);
    this.order.push(type);
    this.stack.push(type);
    return id;
  }

  private walk(): void {
    const stack = this.stack;
    const children: Type[] = [];
    // Children get IDs in the order they are first reached.
    while (stack.length > 0) {
      const t = stack.pop()!;
      children.length = 0;
      pushChildren(t, children);
      for (let i = 0; i < children.length; i++) {
        const c = children[i]!;
        if (this.lookup(c) !== undefined) continue;
        this.ids.set(c, this.firstTypeId + this.order.length);
        this.order.push(c);
        stack.push(c);
      }
    }
  }
}
