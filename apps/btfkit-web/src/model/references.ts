import { pushChildren, type Spec, type Type } from 'btfkit/browser';

/**
 * The reverse edges of a Spec's type graph: for each type ID, the IDs of the types whose
 * records reference it (members, pointees, element and index types, parameters, returns,
 * section variables, tag targets), each once, ascending. Stored as one CSR array pair.
 * Building it decodes every type.
 */
export class ReverseIndex {
  private readonly start: Int32Array;
  private readonly from: Int32Array;

  constructor(spec: Spec) {
    const n = spec.nextTypeID;
    const counts = new Int32Array(n + 1);
    const edges: number[] = [];
    const children: Type[] = [];
    for (let id = 1; id < n; id++) {
      children.length = 0;
      pushChildren(spec.typeByID(id), children);
      let last = -1;
      for (const c of children) {
        const to = spec.typeID(c);
        // Several members of one type: one edge.
        if (to === last || (edges.length > 0 && hasEdge(edges, id, to))) continue;
        last = to;
        edges.push(to, id);
        counts[to + 1]! += 1;
      }
    }
    for (let i = 1; i <= n; i++) counts[i]! += counts[i - 1]!;
    const from = new Int32Array(edges.length / 2);
    const fill = counts.slice(0, n);
    for (let e = 0; e < edges.length; e += 2) from[fill[edges[e]!]!++] = edges[e + 1]!;
    this.start = counts;
    this.from = from;
  }

  /** The IDs that reference `id` directly, ascending. */
  referrers(id: number): Int32Array {
    if (id < 0 || id + 1 >= this.start.length) return new Int32Array(0);
    return this.from.subarray(this.start[id]!, this.start[id + 1]!);
  }

  /**
   * The named types that reach `id` through anonymous types only (a struct holding a
   * pointer to it, a function taking it): what a reader means by "used by". Breadth first
   * from `id` up the reverse edges, stopping at each named type; at most `limit` found.
   */
  namedReferrers(id: number, isNamed: (id: number) => boolean, limit = 1000): number[] {
    const out: number[] = [];
    const seen = new Set<number>([id]);
    let frontier = [id];
    while (frontier.length > 0 && out.length < limit) {
      const next: number[] = [];
      for (const at of frontier) {
        for (const r of this.referrers(at)) {
          if (seen.has(r)) continue;
          seen.add(r);
          if (isNamed(r)) {
            out.push(r);
            if (out.length >= limit) break;
          } else next.push(r);
        }
        if (out.length >= limit) break;
      }
      frontier = next;
    }
    return out.sort((a, b) => a - b);
  }
}

/** Whether the edge `to <- id` was just added (edges of one type are pushed together). */
function hasEdge(edges: number[], id: number, to: number): boolean {
  for (let e = edges.length - 2; e >= 0 && edges[e + 1] === id; e -= 2) {
    if (edges[e] === to) return true;
  }
  return false;
}
