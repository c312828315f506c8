import type { DatasecElfInfo, VariableSymbol } from './datasec-fixup.js';
import { SHT, STV } from './elf-constants.js';
import { type ElfFile, isInSection } from './elf-file.js';

/**
 * The section sizes and variable symbols of an ELF file, for the DATASEC fix-up. Sizes
 * come from `SHT_PROGBITS` and `SHT_NOBITS` sections (decompressed sizes for compressed
 * ones), first section of a name wins. The symbol table is read only when a variable is
 * first looked up, so a kernel image whose DATASECs are already sized never reads it.
 * Symbols in reserved sections (undefined, absolute, common) and values over 32 bits are
 * skipped, as cilium/ebpf does: a DATASEC offset is 32 bits.
 */
export function elfDatasecInfo(elf: ElfFile): DatasecElfInfo {
  const sizes = new Map<string, number>();
  for (const s of elf.sections) {
    if ((s.type === SHT.PROGBITS || s.type === SHT.NOBITS) && !sizes.has(s.name)) {
      sizes.set(s.name, elf.contentSize(s));
    }
  }
  let symbols: Map<string, VariableSymbol> | undefined;
  const key = (section: string, name: string) => `${section}\0${name}`;
  const load = () => {
    const map = new Map<string, VariableSymbol>();
    if (!elf.sections.some((s) => s.type === SHT.SYMTAB)) return map;
    for (const sym of elf.symbolTable()) {
      if (!isInSection(sym) || sym.value > 0xffffffffn) continue;
      const k = key(elf.sections[sym.sectionIndex]!.name, sym.name);
      if (map.has(k)) continue;
      map.set(k, {
        offset: Number(sym.value),
        hidden: sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL,
      });
    }
    return map;
  };
  return {
    sectionSize: (name) => sizes.get(name),
    variable(section, name) {
      symbols ??= load();
      return symbols.get(key(section, name));
    },
  };
}
