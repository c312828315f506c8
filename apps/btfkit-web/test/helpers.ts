import { loadSpecFromBytes, type Spec } from 'btfkit';

export { readFixture, readText, testdata } from '../../../tooling/test-fixtures.ts';

import { readFixture } from '../../../tooling/test-fixtures.ts';

let vmlinux: Spec | undefined;

/** testdata's vmlinux, loaded once per test file. */
export function vmlinuxSpec(): Spec {
  vmlinux ??= loadSpecFromBytes(readFixture('vmlinux', 'vmlinux.btf.gz'));
  return vmlinux;
}

/** A struct's or union's summary as pahole prints it at the top level of its block. */
export interface PaholeLayout {
  /** Bits of holes (`XXX N bytes hole` and `XXX N bits hole` lines of the outer level). */
  readonly holeBits: number;
  /** Bits of padding (`padding:` and `bit_padding:`). */
  readonly paddingBits: number;
  /** Whether pahole printed the `size:` summary (it does not for unions). */
  readonly summarized: boolean;
}

/** pahole's layouts by `struct NAME`/`union NAME`; names printed twice are left out. */
export function parsePahole(text: string): Map<string, PaholeLayout> {
  const out = new Map<string, PaholeLayout>();
  const twice = new Set<string>();
  let key: string | undefined;
  let hole = 0;
  let pad = 0;
  let summarized = false;
  for (const line of text.split('\n')) {
    let m = /^(struct|union) (\S+) \{$/.exec(line);
    if (m) {
      key = `${m[1]} ${m[2]}`;
      hole = 0;
      pad = 0;
      summarized = false;
      continue;
    }
    if (key === undefined) continue;
    if (/^}.*;$/.test(line)) {
      if (out.has(key)) twice.add(key);
      out.set(key, { holeBits: hole, paddingBits: pad, summarized });
      key = undefined;
      continue;
    }
    m = /^\t\/\* XXX (\d+) (byte|bit)s? hole/.exec(line);
    if (m) hole += Number(m[1]) * (m[2] === 'byte' ? 8 : 1);
    m = /^\t\/\* padding: (\d+) \*\//.exec(line);
    if (m) pad += Number(m[1]) * 8;
    m = /^\t\/\* bit_padding: (\d+) bits \*\//.exec(line);
    if (m) pad += Number(m[1]);
    if (/^\t\/\* size: \d+/.test(line)) summarized = true;
  }
  for (const k of twice) out.delete(k);
  return out;
}

/** bpftool raw dump's first lines by ID: `[ID] KIND 'name'` and the rest of the line. */
export function rawHeads(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of text.matchAll(/^\[(\d+)\] (.*)$/gm)) out.set(Number(m[1]), `[${m[1]}] ${m[2]}`);
  return out;
}
