import { BPF_CORE_RELO_KIND, BTF_KIND, isOpaque, type RawBtf } from '@btfkit/wire';

function knownRecord(btf: RawBtf, id: number) {
  if (id === 0 || !btf.owner(id)) return undefined;
  const rec = btf.record(id);
  return isOpaque(rec) ? undefined : rec;
}

const MODS = new Set<number>([
  BTF_KIND.TYPEDEF,
  BTF_KIND.CONST,
  BTF_KIND.VOLATILE,
  BTF_KIND.RESTRICT,
  BTF_KIND.TYPE_TAG,
]);

/**
 * Resolves a CO-RE access string at the record level, independently of the code under
 * test, and returns the name it ends at: the last named member for field relocations, the
 * enumerator for enum relocations, the root type for type relocations.
 * @throws Error when an index does not exist
 */
export function resolveAccessString(
  btf: RawBtf,
  typeID: number,
  access: string,
  kind: number,
): string {
  const idx = access.split(':').map((s) => {
    if (!/^\d+$/.test(s)) throw new Error(`bad access string ${access}`);
    return Number(s);
  });
  const skip = (id: number) => {
    let cur = id;
    for (let i = 0; i < 32; i++) {
      const rec = knownRecord(btf, cur);
      if (!rec || !MODS.has(rec.kind) || !('type' in rec)) return cur;
      cur = rec.type;
    }
    throw new Error('modifier chain too deep');
  };
  const root = knownRecord(btf, typeID);
  if (!root) throw new Error(`type ${typeID} does not exist`);
  const rootName = btf.name(root.nameOff) ?? '';
  if (kind >= BPF_CORE_RELO_KIND.TYPE_ID_LOCAL && kind <= BPF_CORE_RELO_KIND.TYPE_SIZE)
    return rootName;
  if (kind === BPF_CORE_RELO_KIND.TYPE_MATCHES) return rootName;
  if (kind === BPF_CORE_RELO_KIND.ENUMVAL_EXISTS || kind === BPF_CORE_RELO_KIND.ENUMVAL_VALUE) {
    const e = knownRecord(btf, skip(typeID));
    if (e?.kind !== BTF_KIND.ENUM && e?.kind !== BTF_KIND.ENUM64) throw new Error('not an enum');
    const v = e.values[idx[0]!];
    if (!v) throw new Error(`enum has no value ${idx[0]}`);
    return btf.name(v.nameOff) ?? '';
  }
  let cur = typeID;
  let last = rootName;
  for (const i of idx.slice(1)) {
    const rec = knownRecord(btf, skip(cur));
    if (rec?.kind === BTF_KIND.STRUCT || rec?.kind === BTF_KIND.UNION) {
      const m = rec.members[i];
      if (!m) throw new Error(`member ${i} of type ${cur} does not exist`);
      const name = btf.name(m.nameOff) ?? '';
      if (name) last = name;
      cur = m.type;
    } else if (rec?.kind === BTF_KIND.ARRAY) {
      if (i >= rec.nelems && rec.nelems !== 0)
        throw new Error(`index ${i} past array of ${rec.nelems}`);
      cur = rec.type;
    } else {
      throw new Error(`cannot index type ${cur}`);
    }
  }
  return last;
}
