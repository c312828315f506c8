import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, readInput } from '../src/model/read-input.js';
import { parseRoute, typeHash } from '../src/model/route.js';
import { rowWindow, scrollToRow } from '../src/model/virtual-window.js';

describe('the virtual window', () => {
  it('draws the visible rows plus the overscan, clamped to the list', () => {
    expect(rowWindow(0, 260, 26, 126585, 8)).toEqual({ start: 0, end: 19 });
    expect(rowWindow(26 * 1000, 260, 26, 126585, 8)).toEqual({ start: 992, end: 1019 });
    expect(rowWindow(26 * 126580, 260, 26, 126585, 8)).toEqual({ start: 126572, end: 126585 });
    expect(rowWindow(0, 260, 26, 0)).toEqual({ start: 0, end: 0 });
  });

  it('scrolls only as far as needed to show a row', () => {
    expect(scrollToRow(5, 0, 260, 26)).toBe(0);
    expect(scrollToRow(20, 0, 260, 26)).toBe(21 * 26 - 260);
    expect(scrollToRow(3, 500, 260, 26)).toBe(78);
  });
});

describe('the URL hash', () => {
  it('names a type by ID or by name', () => {
    expect(parseRoute(typeHash(114))).toEqual({ kind: 'id', id: 114 });
    expect(parseRoute('#/type/task_struct')).toEqual({ kind: 'name', name: 'task_struct' });
    expect(parseRoute('#/type/a%20b')).toEqual({ kind: 'name', name: 'a b' });
    expect(parseRoute('#/type/%E0%A4%A')).toEqual({ kind: 'none' });
    expect(parseRoute('')).toEqual({ kind: 'none' });
  });
});

describe('reading a picked file', () => {
  it('gunzips gzip, passes anything else through, and names a corrupt stream', async () => {
    const data = new Uint8Array([0x9f, 0xeb, 1, 0, 1, 2, 3]);
    expect(await readInput(new Blob([data]))).toEqual(data);
    expect(await readInput(new Blob([gzipSync(data)]))).toEqual(data);
    const bad = gzipSync(new Uint8Array(5000).fill(7)).subarray(0, 30);
    await expect(readInput(new Blob([bad]))).rejects.toThrow(/^web: gzip: corrupt stream/);
    expect(MAX_INPUT_BYTES).toBe(2 ** 30);
  });
});
