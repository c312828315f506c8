import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RawBtf, Spec } from 'btfkit';
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

function isElf(bytes: Uint8Array): boolean {
  return bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Largest gunzipped input we accept: far above any vmlinux BTF (a few MB). */
const MAX_GUNZIPPED = 1 << 30;

function isGzip(b: Uint8Array): boolean {
  return b[0] === 0x1f && b[1] === 0x8b;
}

/** A file's bytes; gzipped files (BTF archives, our bundled sample) are unpacked. */
function readBytes(path: string): Uint8Array {
  let b = readFileSync(path);
  if (isGzip(b)) b = gunzipSync(b, { maxOutputLength: MAX_GUNZIPPED });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The first `n` bytes of a file (fewer when it is shorter), without reading the rest. */
function readHead(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(n);
    return head.subarray(0, readSync(fd, head, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * The BTF of a file as stored: a raw blob, or the `.BTF` section of an ELF file before any
 * fix-up (what `bpftool btf dump file` shows).
 */
export async function rawAsStored(path: string, base?: RawBtf): Promise<RawBtf> {
  const bytes = readBytes(path);
  const opts = base ? { base } : {};
  const { RawBtf } = await import('@btfkit/wire');
  if (!isElf(bytes)) return RawBtf.parse(bytes, opts);
  const { ElfFile, readBtfSections } = await import('@btfkit/elf');
  return RawBtf.parse(readBtfSections(ElfFile.open(bytes)).btf, opts);
}

/** Reads the raw base blob named by {@link basePath}. */
export async function rawBase(path: string | undefined): Promise<RawBtf | undefined> {
  return path === undefined ? undefined : rawAsStored(path);
}

/**
 * Loads a Spec (raw or ELF, ELF DATASECs fixed up), over a base Spec when given. An ELF
 * file is read only in the parts that matter; a gzipped file is unpacked first.
 */
export async function loadSpecAt(path: string, base?: Spec): Promise<Spec> {
  const opts = base ? { base } : {};
  const head = readHead(path, 2);
  const { loadSpec, loadSpecFromBytes } = await import('btfkit');
  if (isGzip(head)) return loadSpecFromBytes(readBytes(path), opts);
  return loadSpec(path, opts);
}

/** {@link loadSpecAt} of FILE over its base (`--base`, or vmlinux for module BTF). */
export async function loadInput(file: string | undefined, base: string | undefined): Promise<Spec> {
  const path = inputPath(file);
  const baseFile = basePath(path, base);
  return loadSpecAt(path, baseFile === undefined ? undefined : await loadSpecAt(baseFile));
}
