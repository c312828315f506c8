import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadSpecFromBytes, SHT } from '@btfkit/elf';
import type { RandomAccessSource } from '@btfkit/wire';
import { rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { writeElf } from './elf-writer.js';
import { testdata } from './helpers.js';

const VIRTUAL_SIZE = 512 * 1024 * 1024;
const TEXT_SIZE = 400 * 1024 * 1024;

describe('a large kernel image', () => {
  it('loads .BTF reading only headers and that section', () => {
    const btf = new Uint8Array(
      gunzipSync(readFileSync(join(testdata, 'vmlinux', 'vmlinux.btf.gz'))),
    );
    const { bytes, layout } = writeElf(
      [
        { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(8) },
        { name: '.BTF', type: SHT.PROGBITS, data: btf },
      ],
      { is64: true, littleEndian: btf[0] === 0x9f, fileType: 2, machine: 62 },
    );
    // Make it a 512 MiB file: the section table moves to the end and .text grows to 400 MiB
    // of bytes that exist only virtually; reading any of them is counted.
    const le = btf[0] === 0x9f;
    const table = bytes.slice(layout.shoff);
    const tableAt = VIRTUAL_SIZE - table.byteLength;
    const textAt = 64 * 1024 * 1024;
    const head = bytes.slice(0, layout.shoff);
    const hv = new DataView(head.buffer);
    hv.setBigUint64(40, BigInt(tableAt), le);
    const tv = new DataView(table.buffer);
    tv.setBigUint64(64 + 24, BigInt(textAt), le);
    tv.setBigUint64(64 + 32, BigInt(TEXT_SIZE), le);
    let bytesRead = 0;
    const source: RandomAccessSource = {
      size: VIRTUAL_SIZE,
      read(offset, length) {
        bytesRead += length;
        const out = new Uint8Array(length);
        for (const [at, part] of [
          [0, head],
          [tableAt, table],
        ] as const) {
          const from = Math.max(offset, at);
          const to = Math.min(offset + length, at + part.byteLength);
          if (from < to) out.set(part.subarray(from - at, to - at), from - offset);
        }
        return out;
      },
    };
    const spec = loadSpecFromBytes(source);
    const golden = new TextDecoder().decode(
      gunzipSync(readFileSync(join(testdata, 'vmlinux', 'vmlinux.raw.golden.gz'))),
    );
    expect(rawDump(spec.raw)).toBe(golden);
    expect(bytesRead).toBeLessThan(btf.byteLength + 64 * 1024);
  });
});
