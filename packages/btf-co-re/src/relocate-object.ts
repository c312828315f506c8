import { type ElfFile, loadRawBtfFromElf } from '@btfkit/elf';
import { Spec } from '@btfkit/types';
import { type BtfExt, FormatError, type RandomAccessSource } from '@btfkit/wire';
import { CoreFail } from './btf-access.js';
import type { CoreTargets } from './candidates.js';
import { patchInstruction } from './patch-insn.js';
import { type CoreRelocateOptions, coreRelocate, toRelocationError } from './relocate.js';
import type { CoreInstructionResult, CoreRelocation } from './result.js';

/** An object's relocations applied to its instructions: {@link relocateObject}'s result. */
export interface RelocatedObject {
  /** The object's Spec. */
  readonly spec: Spec;
  /** The opened object. */
  readonly elf: ElfFile;
  /** One entry per relocation, in `.BTF.ext` order. */
  readonly relocations: readonly CoreInstructionResult[];
  /** Whether every relocation succeeded (poison included): the object would load. */
  readonly ok: boolean;
  /** Each relocated section's bytes after patching, by section name. */
  readonly sections: ReadonlyMap<string, Uint8Array>;
  /**
   * The whole file with the patched sections written in place, every other byte as it was;
   * undefined when a relocation failed or the source was not given as bytes.
   */
  readonly bytes: Uint8Array | undefined;
}

/**
 * The CO-RE relocations of an object, in `.BTF.ext` order (libbpf's order of processing).
 * @throws FormatError when a section name is outside the string table
 */
export function objectRelocations(spec: Spec, btfExt: BtfExt | undefined): CoreRelocation[] {
  const out: CoreRelocation[] = [];
  for (const sec of btfExt?.coreRelos?.sections ?? []) {
    const section = spec.raw.strings.tryAt(sec.secNameOff);
    if (section === undefined) {
      throw new FormatError(
        `btf.ext: CO-RE section name offset ${sec.secNameOff} is outside the string table`,
      );
    }
    sec.records.forEach((r, index) => {
      const accessString = spec.raw.strings.tryAt(r.accessStrOff);
      if (accessString === undefined) {
        throw new FormatError(
          `btf.ext: section ${section}: relo #${index}: access string offset ${r.accessStrOff} is outside the string table`,
        );
      }
      out.push({
        section,
        index,
        insnOff: r.insnOff,
        typeID: r.typeID,
        accessString,
        kind: r.kind,
      });
    });
  }
  return out;
}

/**
 * Relocates a BPF object for a target as libbpf does when it loads it: computes every CO-RE
 * relocation ({@link coreRelocate}) and patches the instruction it names in a copy of its
 * section. Failing relocations are reported, not thrown; the patched file is only produced
 * when none fails.
 * @param source - the object file's bytes (or a random-access source: no `bytes` then)
 * @throws FormatError / NotFoundError when the object or its `.BTF`/`.BTF.ext` is malformed
 */
export function relocateObject(
  source: Uint8Array | RandomAccessSource,
  targets: CoreTargets,
  options: CoreRelocateOptions = {},
): RelocatedObject {
  const { btf, elf, btfExt } = loadRawBtfFromElf(source);
  const spec = new Spec(btf);
  const relocations = objectRelocations(spec, btfExt);
  const results = coreRelocate(spec, relocations, targets, {
    byteOrder: options.byteOrder ?? (elf.littleEndian ? 'little' : 'big'),
  });
  const sections = new Map<string, Uint8Array>();
  const out: CoreInstructionResult[] = [];
  let ok = true;
  results.forEach((result, i) => {
    const relocation = relocations[i]!;
    if (!result.ok) {
      ok = false;
      out.push({ relocation, result, fixup: undefined, patched: undefined });
      return;
    }
    try {
      let data = sections.get(relocation.section);
      if (!data) {
        const sec = elf.section(relocation.section);
        if (!sec) throw new CoreFail('instruction', `object has no section ${relocation.section}`);
        data = elf.sectionData(sec).slice();
        sections.set(relocation.section, data);
      }
      patchInstruction(data, elf.littleEndian, relocation.insnOff, result.fixup);
      const end = relocation.insnOff + (data[relocation.insnOff] === 0x18 ? 16 : 8);
      out.push({
        relocation,
        result,
        fixup: result.fixup,
        patched: data.slice(relocation.insnOff, Math.min(end, data.byteLength)),
      });
    } catch (e) {
      ok = false;
      out.push({
        relocation,
        result: { ok: false, error: toRelocationError(relocation, e) },
        fixup: result.fixup,
        patched: undefined,
      });
    }
  });
  let bytes: Uint8Array | undefined;
  if (ok && source instanceof Uint8Array) {
    bytes = source.slice();
    for (const [name, data] of sections) {
      const sec = elf.section(name)!;
      if (elf.isCompressed(sec)) {
        throw new FormatError(
          `elf: section ${name} is compressed; a relocated copy cannot be written in place`,
        );
      }
      bytes.set(data, sec.offset);
    }
  }
  return { spec, elf, relocations: out, ok, sections, bytes };
}
