import { essentialName } from 'btfkit/types';
import { KIND_NAMES } from 'btfkit/wire';

/** How the search box matches names. */
export type SearchMode = 'substring' | 'exact' | 'essential';

/** A query over the type list. */
export interface TypeQuery {
  /** The text typed; empty matches every type. */
  readonly text: string;
  /** How {@link text} matches a name. Substring search ignores case. */
  readonly mode: SearchMode;
  /** A wire kind (`BTF_KIND_*`) to keep, or -1 for every kind. */
  readonly kind: number;
}

/**
 * The list of every type of an open file, as the page holds it: names and wire kinds by ID
 * (void excluded, base types first for split BTF), searchable without the worker. Names
 * arrive as one string joined by `\n` (one structured-clone string is far cheaper to send
 * between threads than 126k small ones); substring search runs `indexOf` over one lowercase
 * copy of it.
 */
export class TypeIndex {
  /** Names by ID - 1. */
  readonly names: readonly string[];
  /** Wire kinds by ID - 1. */
  readonly kinds: Uint8Array;
  private readonly lower: string;
  /** Where each name starts in {@link lower}, by ID - 1, plus the end. */
  private readonly starts: Int32Array;

  /**
   * @param joined - every name in ID order, separated by `\n`
   * @param kinds - every wire kind in ID order
   */
  constructor(joined: string, kinds: Uint8Array) {
    const names = joined === '' && kinds.length === 0 ? [] : joined.split('\n');
    if (names.length !== kinds.length) {
      throw new Error(`web: ${names.length} names for ${kinds.length} types`);
    }
    this.names = names;
    this.kinds = kinds;
    this.lower = joined.toLowerCase();
    const starts = new Int32Array(names.length + 1);
    let at = 0;
    for (let i = 0; i < names.length; i++) {
      starts[i] = at;
      at += names[i]!.length + 1;
    }
    starts[names.length] = at;
    this.starts = starts;
  }

  /** Number of types (IDs 1 to count). */
  get count(): number {
    return this.names.length;
  }

  /** The name of type `id` (empty for anonymous types). */
  name(id: number): string {
    return this.names[id - 1] ?? '';
  }

  /** The wire kind of type `id`. */
  kind(id: number): number {
    return this.kinds[id - 1] ?? 0;
  }

  /** The IDs that match, ascending; for substring search, exact matches first. */
  search(q: TypeQuery): Int32Array {
    const n = this.names.length;
    const out = new Int32Array(n);
    let k = 0;
    const kinds = this.kinds;
    const text = q.text;
    const want = q.kind;
    if (text === '') {
      for (let i = 0; i < n; i++) if (want < 0 || kinds[i] === want) out[k++] = i + 1;
      return out.subarray(0, k);
    }
    if (q.mode === 'substring') {
      const needle = text.toLowerCase();
      if (needle.includes('\n')) return out.subarray(0, 0);
      const lower = this.lower;
      const starts = this.starts;
      let pos = lower.indexOf(needle);
      while (pos >= 0) {
        const i = findName(starts, pos);
        if (want < 0 || kinds[i] === want) out[k++] = i + 1;
        pos = lower.indexOf(needle, starts[i + 1]!);
      }
      return exactFirst(out.subarray(0, k), this.names, text);
    }
    const names = this.names;
    if (q.mode === 'exact') {
      for (let i = 0; i < n; i++) {
        if (names[i] === text && (want < 0 || kinds[i] === want)) out[k++] = i + 1;
      }
      return out.subarray(0, k);
    }
    const essential = essentialName(text);
    const flavored = `${essential}___`;
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      if (name !== essential && !(name.startsWith(flavored) && essentialName(name) === essential)) {
        continue;
      }
      if (want < 0 || kinds[i] === want) out[k++] = i + 1;
    }
    return out.subarray(0, k);
  }

  /**
   * The first line bpftool prints for a type in `format raw`: `[ID] KIND 'name'`, anonymous
   * names as `(anon)`.
   */
  label(id: number): string {
    return rowLabel(id, this.kind(id), this.name(id));
  }
}

/** `[ID] KIND 'name'` as bpftool's raw dump starts each type. */
export function rowLabel(id: number, kind: number, name: string): string {
  return `[${id}] ${kindName(kind)} '${name === '' ? '(anon)' : name}'`;
}

/** bpftool's name of a wire kind (`STRUCT`, `FUNC_PROTO`). */
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `KIND_${kind}`;
}

/** `ids` with those named exactly `text` moved to the front, each group in ID order. */
function exactFirst(ids: Int32Array, names: readonly string[], text: string): Int32Array {
  let exact = 0;
  for (const id of ids) if (names[id - 1] === text) exact++;
  if (exact === 0) return ids;
  const out = new Int32Array(ids.length);
  let a = 0;
  let b = exact;
  for (const id of ids) {
    if (names[id - 1] === text) out[a++] = id;
    else out[b++] = id;
  }
  return out;
}

/** The index of the name whose span in the joined text holds `pos` (binary search). */
function findName(starts: Int32Array, pos: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
