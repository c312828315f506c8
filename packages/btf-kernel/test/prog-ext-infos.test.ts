import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VerifierError } from '@btfkit/kernel';
import { describe, expect } from 'vitest';
import { kernelIt, TESTDATA } from './kernel.js';
import { loadObjectProgram, loadProgram, PROG_TYPE } from './prog-loader.js';

const FUNCS = join(TESTDATA, 'core-kernel', 'funcs-el.o');

/**
 * A 64-byte Ethernet frame whose byte 14 is `b`: a socket filter sees the packet from there
 * (its `len` is 50).
 */
function packet(b: number): Uint8Array {
  const p = new Uint8Array(64);
  p.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  p[14] = b;
  return p;
}

describe('BPF_PROG_LOAD with the func and line info btfkit marshals', () => {
  kernelIt('the kernel takes every record and gives the same ones back', () => {
    const object = new Uint8Array(readFileSync(FUNCS));
    const { program, btf, layout, extInfos } = loadObjectProgram(object, 'socket', {
      type: PROG_TYPE.SOCKET_FILTER,
      name: 'funcs',
    });
    try {
      // The program, its static callee and its global callee.
      expect(extInfos.funcInfoCount).toBe(3);
      expect(extInfos.lineInfoCount).toBeGreaterThan(5);
      const info = program.info();
      expect(info.type).toBe(PROG_TYPE.SOCKET_FILTER);
      expect(info.name).toBe('funcs');
      expect(info.btfId).toBe(btf.info().id);
      expect(info.nrFuncInfo).toBe(extInfos.funcInfoCount);
      expect(info.nrLineInfo).toBe(extInfos.lineInfoCount);
      expect(info.funcInfoRecSize).toBe(extInfos.funcInfoRecSize);
      expect(info.lineInfoRecSize).toBe(extInfos.lineInfoRecSize);
      // The verifier rewrote no instruction, so even the instruction indexes are ours.
      expect(info.xlatedProgLen).toBe(layout.insns.byteLength);
      expect(info.funcInfo).toEqual(extInfos.funcInfo);
      expect(info.lineInfo).toEqual(extInfos.lineInfo);
      // And it runs: 3 * len + the first byte, through both callees.
      expect(program.testRun(packet(7)).retval).toBe(3 * 50 + 7);
    } finally {
      program.close();
      btf.close();
    }
  });

  kernelIt('a func info the kernel refuses comes back as a VerifierError with its log', () => {
    const object = new Uint8Array(readFileSync(FUNCS));
    const { program, btf, layout, extInfos } = loadObjectProgram(object, 'socket', {
      type: PROG_TYPE.SOCKET_FILTER,
      name: 'funcs',
    });
    program.close();
    try {
      // The records swapped: the first function no longer starts at instruction 0.
      const swapped = new Uint8Array(extInfos.funcInfo);
      swapped.set(extInfos.funcInfo.subarray(8, 16), 0);
      swapped.set(extInfos.funcInfo.subarray(0, 8), 8);
      let error: unknown;
      try {
        loadProgram({
          type: PROG_TYPE.SOCKET_FILTER,
          insns: layout.insns,
          license: 'GPL',
          btf,
          extInfos: { ...extInfos, funcInfo: swapped },
        }).close();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(VerifierError);
      expect((error as VerifierError).log).toMatch(/insn_off 8 for the first func info record/);
    } finally {
      btf.close();
    }
  });
});
