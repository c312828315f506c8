import {
  assembleBtf,
  BTF_FUNC_LINKAGE,
  BTF_KIND,
  BTF_VAR_LINKAGE,
  type DatasecRecord,
  FormatError,
  makeInfo,
  NotSupportedError,
  type RawBtf,
} from '@btfkit/wire';
import { knownRecord, pointerSize, recordAlignments, resolveRecordSize } from './record-size.js';

/** Where a variable's ELF symbol puts it. */
export interface VariableSymbol {
  /** `st_value`: the variable's offset in its section. */
  readonly offset: number;
  /** Whether the symbol has `STV_HIDDEN` or `STV_INTERNAL` visibility. */
  readonly hidden: boolean;
}

/** What the DATASEC fixup needs from the ELF file. */
export interface DatasecElfInfo {
  /** The size of the `SHT_PROGBITS` or `SHT_NOBITS` section called `name`, if there is one. */
  sectionSize(name: string): number | undefined;
  /** The symbol called `name` defined in section `section`, if there is one. */
  variable(section: string, name: string): VariableSymbol | undefined;
}

/** The DATASEC of kernel symbols: kfuncs and `__ksym` variables. */
export const KSYMS_SECTION = '.ksyms';
/** The DATASEC of `__kconfig` externs. */
export const KCONFIG_SECTION = '.kconfig';
/** The name of the VAR libbpf adds to stand in for kfuncs in `.ksyms`. */
export const DUMMY_KSYM = 'dummy_ksym';

/**
 * Fills in what the compiler leaves out of a BPF object's BTF, the way libbpf does when it
 * opens the object (`bpf_object__open`): returns a new blob in which
 *
 * - every DATASEC with size 0 gets the size of its ELF section, and each global or static
 *   VAR in it the offset of its ELF symbol; a global VAR whose symbol is hidden becomes
 *   static. DATASECs that already have a size (linked objects, vmlinux) are left alone;
 * - `.ksyms` lays its entries out as 4-byte slots: VARs become global `int`s, kfunc FUNCs
 *   become global and are replaced in the DATASEC by one added VAR, `dummy_ksym`, whose
 *   name also fills their prototypes' unnamed parameters;
 * - `.kconfig` lays its VARs out sorted by alignment (descending), size, then name, and
 *   makes them global;
 * - the entries of every DATASEC are sorted by offset.
 *
 * The one difference from libbpf 1.1: a static VAR gets its symbol's offset too (libbpf
 * leaves it at 0, cilium/ebpf fills it), so two statics never share offset 0.
 * Only records of this blob are changed; for split BTF the base is not touched.
 * @throws FormatError when a DATASEC has no ELF section to size it, a global VAR has no
 *   symbol, an offset or size does not fit in 32 bits, or an entry has the wrong kind
 * @throws NotSupportedError for a `.kconfig` entry whose type has no alignment (libbpf's
 *   `btf__align_of`, which the C formatter shares)
 */
export function fixupDatasecs(btf: RawBtf, elf: DatasecElfInfo): Uint8Array {
  const out = btf.bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = btf.littleEndian;
  const own = (id: number) => id >= btf.firstTypeID && id < btf.nextTypeID;
  const at = (id: number) => btf.typesOffset + btf.offsets[id - btf.firstTypeID]!;
  const u32 = (pos: number, v: number) => view.setUint32(pos, v >>> 0, le);
  const mustOwn = (id: number, what: string) => {
    if (!own(id)) {
      throw new NotSupportedError(
        `btf: type id ${id}: ${what} is in the base BTF and cannot be fixed up`,
      );
    }
  };
  const name = (off: number) => btf.name(off) ?? '';
  const ptrSize = pointerSize(btf);

  const datasecs: { id: number; rec: DatasecRecord; name: string }[] = [];
  for (let id = btf.firstTypeID; id < btf.nextTypeID; id++) {
    if (btf.kindOf(id) !== BTF_KIND.DATASEC) continue;
    const rec = knownRecord(btf, id);
    if (rec?.kind === BTF_KIND.DATASEC) datasecs.push({ id, rec, name: name(rec.nameOff) });
  }

  // .ksyms: kfuncs need the stand-in VAR, which is appended as the next type ID.
  let dummy: { id: number; nameOff: number; type: number; newString: boolean } | undefined;
  const ksyms = datasecs.filter((d) => d.name === KSYMS_SECTION);
  if (
    ksyms.some((d) =>
      d.rec.entries.some(
        (e) => e.type !== 0 && btf.owner(e.type) && btf.kindOf(e.type) === BTF_KIND.FUNC,
      ),
    )
  ) {
    const existing = findString(btf, DUMMY_KSYM);
    dummy = {
      id: btf.nextTypeID,
      nameOff: existing ?? btf.strings.end,
      type: findInt32(btf),
      newString: existing === undefined,
    };
  }
  for (const ds of ksyms) {
    const base = at(ds.id);
    ds.rec.entries.forEach((e, i) => {
      const entryAt = base + 12 + 12 * i;
      const kind = e.type !== 0 && btf.owner(e.type) ? btf.kindOf(e.type) : -1;
      if (kind === BTF_KIND.FUNC) {
        mustOwn(e.type, 'kfunc');
        const fn = knownRecord(btf, e.type);
        const proto = fn?.kind === BTF_KIND.FUNC ? knownRecord(btf, fn.type) : undefined;
        if (fn?.kind !== BTF_KIND.FUNC || proto?.kind !== BTF_KIND.FUNC_PROTO) {
          throw new FormatError(
            `btf: type id ${e.type}: kfunc in ${KSYMS_SECTION} has no FUNC_PROTO`,
            { typeID: e.type },
          );
        }
        mustOwn(fn.type, 'kfunc prototype');
        proto.params.forEach((p, j) => {
          if (p.type !== 0 && p.nameOff === 0) u32(at(fn.type) + 12 + 8 * j, dummy!.nameOff);
        });
        u32(at(e.type) + 4, makeInfo(BTF_KIND.FUNC, BTF_FUNC_LINKAGE.GLOBAL, fn.kflag));
        u32(entryAt, dummy!.id);
      } else if (kind === BTF_KIND.VAR) {
        mustOwn(e.type, 'ksym VAR');
        u32(at(e.type) + 8, findInt32(btf));
        u32(at(e.type) + 12, BTF_VAR_LINKAGE.GLOBAL_ALLOCATED);
      } else {
        throw new FormatError(
          `btf: type id ${ds.id}: ${KSYMS_SECTION} entry ${i} (type ${e.type}) is neither VAR nor FUNC`,
          {
            typeID: ds.id,
          },
        );
      }
      u32(entryAt + 4, 4 * i);
      u32(entryAt + 8, 4);
    });
    u32(base + 8, 4 * ds.rec.entries.length);
  }

  const kconfigs = datasecs.filter((d) => d.name === KCONFIG_SECTION);
  const aligns = kconfigs.length > 0 ? recordAlignments(btf, ptrSize) : undefined;
  for (const ds of kconfigs) {
    const base = at(ds.id);
    const layout = ds.rec.entries.map((e, i) => {
      const rec = knownRecord(btf, e.type);
      if (rec?.kind !== BTF_KIND.VAR) {
        throw new NotSupportedError(
          `btf: type id ${ds.id}: ${KCONFIG_SECTION} entry ${i} (type ${e.type}) is not a VAR`,
        );
      }
      mustOwn(e.type, 'kconfig VAR');
      const size = resolveRecordSize(btf, rec.type, ptrSize);
      // libbpf: "failed to determine alignment" for a kind without one.
      const align = aligns!.alignOf(rec.type);
      if (align <= 0) {
        throw new NotSupportedError(
          `btf: type id ${e.type}: ${KCONFIG_SECTION} VAR '${name(rec.nameOff)}' has a type without an alignment`,
        );
      }
      return { i, id: e.type, name: name(rec.nameOff), size, align };
    });
    // libbpf's cmp_externs: alignment descending, then size ascending, then name.
    const order = [...layout].sort(
      (a, b) =>
        b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    let off = 0;
    for (const v of order) {
      const dataOff = Math.ceil(off / v.align) * v.align;
      off = dataOff + v.size;
      if (off > 0xffffffff) {
        throw new FormatError(`btf: type id ${ds.id}: ${KCONFIG_SECTION} does not fit in 32 bits`, {
          typeID: ds.id,
        });
      }
      u32(base + 12 + 12 * v.i + 4, dataOff);
      u32(at(v.id) + 12, BTF_VAR_LINKAGE.GLOBAL_ALLOCATED);
    }
    u32(base + 8, off);
  }

  for (const ds of datasecs) {
    if (ds.name === KSYMS_SECTION || ds.name === KCONFIG_SECTION || ds.rec.size !== 0) continue;
    const base = at(ds.id);
    const size = elf.sectionSize(ds.name);
    if (size === undefined || size === 0) {
      throw new FormatError(
        `btf: type id ${ds.id}: DATASEC ${ds.name}: no ELF section gives its size`,
        {
          typeID: ds.id,
        },
      );
    }
    if (size > 0xffffffff) {
      throw new FormatError(
        `btf: type id ${ds.id}: DATASEC ${ds.name}: section size ${size} does not fit in 32 bits`,
        {
          typeID: ds.id,
        },
      );
    }
    u32(base + 8, size);
    ds.rec.entries.forEach((e, i) => {
      const rec = knownRecord(btf, e.type);
      if (rec?.kind !== BTF_KIND.VAR) {
        throw new FormatError(
          `btf: type id ${ds.id}: DATASEC ${ds.name} entry ${i} (type ${e.type}) is not a VAR`,
          {
            typeID: ds.id,
          },
        );
      }
      if (rec.linkage === BTF_VAR_LINKAGE.GLOBAL_EXTERN) return;
      const varName = name(rec.nameOff);
      const sym = elf.variable(ds.name, varName);
      if (!sym) {
        if (rec.linkage === BTF_VAR_LINKAGE.STATIC) return;
        throw new FormatError(
          `btf: type id ${e.type}: DATASEC ${ds.name}: no ELF symbol for VAR '${varName}'`,
          {
            typeID: e.type,
          },
        );
      }
      u32(base + 12 + 12 * i + 4, sym.offset);
      if (sym.hidden && rec.linkage !== BTF_VAR_LINKAGE.STATIC) {
        mustOwn(e.type, 'hidden VAR');
        u32(at(e.type) + 12, BTF_VAR_LINKAGE.STATIC);
      }
    });
  }

  for (const ds of datasecs) sortEntries(view, at(ds.id), ds.rec.entries.length, le);

  if (!dummy) return out;
  const types = new Uint8Array(btf.header.typeLen + 16);
  types.set(out.subarray(btf.typesOffset, btf.typesOffset + btf.header.typeLen));
  const tv = new DataView(types.buffer);
  const varAt = btf.header.typeLen;
  tv.setUint32(varAt, dummy.nameOff, le);
  tv.setUint32(varAt + 4, makeInfo(BTF_KIND.VAR, 0, false), le);
  tv.setUint32(varAt + 8, dummy.type, le);
  tv.setUint32(varAt + 12, BTF_VAR_LINKAGE.GLOBAL_ALLOCATED, le);
  const strAt = btf.header.hdrLen + btf.header.strOff;
  const oldStrings = out.subarray(strAt, strAt + btf.header.strLen);
  let strings = oldStrings;
  if (dummy.newString) {
    const added = new TextEncoder().encode(`${DUMMY_KSYM}\0`);
    strings = new Uint8Array(oldStrings.byteLength + added.byteLength);
    strings.set(oldStrings);
    strings.set(added, oldStrings.byteLength);
  }
  return assembleBtf(types, strings, le, btf.layout);
}

/** Sorts a DATASEC's entries by offset in place; equal offsets keep their order. */
function sortEntries(view: DataView, recordAt: number, count: number, le: boolean): void {
  const entries: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const p = recordAt + 12 + 12 * i;
    entries.push([view.getUint32(p, le), view.getUint32(p + 4, le), view.getUint32(p + 8, le)]);
  }
  entries.sort((a, b) => a[1] - b[1]);
  entries.forEach(([type, offset, size], i) => {
    const p = recordAt + 12 + 12 * i;
    view.setUint32(p, type, le);
    view.setUint32(p + 4, offset, le);
    view.setUint32(p + 8, size, le);
  });
}

/** The first 32-bit INT (libbpf's `find_int_btf_id`), or 0 when there is none. */
function findInt32(btf: RawBtf): number {
  for (let id = 1; id < btf.nextTypeID; id++) {
    if (btf.kindOf(id) !== BTF_KIND.INT) continue;
    const rec = knownRecord(btf, id);
    if (rec?.kind === BTF_KIND.INT && rec.bits === 32) return id;
  }
  return 0;
}

/** The offset of an existing string equal to `s` in the blob or its bases. */
function findString(btf: RawBtf, s: string): number | undefined {
  for (let t: RawBtf | undefined = btf; t; t = t.base) {
    for (const [off, str] of t.strings.entries()) if (str === s) return off;
  }
  return undefined;
}
