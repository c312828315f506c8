import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Spec } from 'btfkit';
import type { RawBtf } from 'btfkit/wire';
import { UsageError } from './cli-error.js';

// The libraries are imported on first use, so a command loads only what it needs: a raw
// dump of vmlinux never loads the type graph, the ELF reader or koffi.

/** The running kernel's BTF, the default input of every command. */
export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/** The path a command reads: the one given, else the running kernel's BTF. */
export function inputPath(file: string | undefined): string {
  if (file !== undefined) return file;
  if (!existsSync(KERNEL_BTF)) {
    throw new UsageError(`no FILE given and ${KERNEL_BTF} does not exist on this machine`);
  }
  return KERNEL_BTF;
}

/**
 * The base a file needs: `--base` when given, else vmlinux for a module's BTF under
 * /sys/kernel/btf (as bpftool does).
 */
export function basePath(path: string, base: string | undefined): string | undefined {
  if (base !== undefined) return base;
  const abs = resolve(path);
  if (dirname(abs) === dirname(KERNEL_BTF) && basename(abs) !== 'vmlinux') return KERNEL_BTF;
  return undefined;
}

/**
 * The BTF of a file as stored: a raw blob, or the `.BTF` section of an ELF file before any
 * fix-up (what `bpftool btf dump file` shows). A gzipped file is unpacked first.
 */
export async function rawAsStored(path: string, base?: RawBtf): Promise<RawBtf> {
  const { detectByteOrder, openFile, RawBtf } = await import('btfkit/wire');
  const opts = base ? { base } : {};
  const file = openFile(path);
  try {
    const head = file.read(0, Math.min(4, file.size));
    // The ELF reader is loaded only for what is not raw BTF.
    if (detectByteOrder(head) === undefined) {
      const { ElfFile, readBtfSections } = await import('btfkit/elf');
      if (ElfFile.hasMagic(head))
        return RawBtf.parse(readBtfSections(ElfFile.open(file)).btf, opts);
    }
    return RawBtf.parse(file.read(0, file.size), opts);
  } finally {
    file.close();
  }
}

/**
 * The BTF bytes of a file as stored: the file itself (unpacked when gzipped), or an ELF
 * object's `.BTF` section before any fix-up; `elf` says which.
 */
export async function btfAsStored(path: string): Promise<{ bytes: Uint8Array; elf: boolean }> {
  const { detectByteOrder, openFile } = await import('btfkit/wire');
  const file = openFile(path);
  try {
    const head = file.read(0, Math.min(4, file.size));
    if (detectByteOrder(head) === undefined) {
      const { ElfFile, readBtfSections } = await import('btfkit/elf');
      if (ElfFile.hasMagic(head)) {
        return { bytes: readBtfSections(ElfFile.open(file)).btf, elf: true };
      }
    }
    return { bytes: file.read(0, file.size), elf: false };
  } finally {
    file.close();
  }
}

/** Reads the raw base blob named by {@link basePath}. */
export async function rawBase(path: string | undefined): Promise<RawBtf | undefined> {
  return path === undefined ? undefined : rawAsStored(path);
}

/**
 * Loads a Spec (raw or ELF, ELF DATASECs fixed up; gzipped or not), over a base Spec when
 * given. An ELF file is read only in the parts that matter.
 */
export async function loadSpecAt(path: string, base?: Spec): Promise<Spec> {
  const { loadSpec } = await import('btfkit');
  return loadSpec(path, base ? { base } : {});
}

/** {@link loadSpecAt} of FILE over its base (`--base`, or vmlinux for module BTF). */
export async function loadInput(file: string | undefined, base: string | undefined): Promise<Spec> {
  const path = inputPath(file);
  const baseFile = basePath(path, base);
  return loadSpecAt(path, baseFile === undefined ? undefined : await loadSpecAt(baseFile));
}
