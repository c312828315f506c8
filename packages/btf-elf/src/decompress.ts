import { BtfError, FormatError, NotSupportedError } from '@btfkit/wire';
import { Decompress } from 'fzstd';
import { ELFCOMPRESS } from './elf-constants.js';
import { inflateZlib } from './inflate.js';

/**
 * The largest decompressed section accepted unless the caller says otherwise: far above the
 * `.BTF` of any kernel (a few MiB), far below what would exhaust memory.
 */
export const DEFAULT_MAX_SECTION_SIZE = 256 * 1024 * 1024;

/**
 * Decodes the payload of a compressed section into exactly `size` bytes (`ch_size`, already
 * checked against the size limit). It may throw anything: btfkit wraps what is not a
 * `BtfError` into a {@link FormatError}, and checks the output's length.
 */
export type Decompressor = (payload: Uint8Array, size: number) => Uint8Array;

/** Decoders for `SHF_COMPRESSED` sections, by `ch_type`; a missing one is the built-in. */
export interface Decompressors {
  /** `ELFCOMPRESS_ZLIB`: a zlib stream (RFC 1950). */
  readonly zlib?: Decompressor;
  /** `ELFCOMPRESS_ZSTD`: zstd frames. */
  readonly zstd?: Decompressor;
}

/** zstd input is fed to its decoder in slices this big, so one step never inflates much at once. */
const FEED = 16 * 1024;

/** zstd windows up to this size are accepted whatever the section's size. */
const MIN_WINDOW_LIMIT = 8 * 1024 * 1024;

/**
 * Decompresses the payload of an `SHF_COMPRESSED` section into exactly `size` bytes. The
 * output buffer is allocated once, from `size` (which the caller has checked against its
 * limit); a stream that would produce more, or less, is an error, and decoding stops as
 * soon as it overruns.
 * @param type - the `ch_type` of the compression header
 * @param payload - the bytes after the compression header
 * @param size - `ch_size`, the decompressed size
 * @param at - file offset of the payload, for error messages
 * @param decompressors - decoders that replace the built-in ones
 * @throws FormatError for corrupt data or a size mismatch
 * @throws NotSupportedError for an unknown `ch_type`
 */
export function decompressSection(
  type: number,
  payload: Uint8Array,
  size: number,
  at: number,
  decompressors: Decompressors = {},
): Uint8Array {
  if (type !== ELFCOMPRESS.ZLIB && type !== ELFCOMPRESS.ZSTD) {
    throw new NotSupportedError(`elf: offset ${at}: unknown compression type ${type}`);
  }
  const custom = type === ELFCOMPRESS.ZLIB ? decompressors.zlib : decompressors.zstd;
  if (custom) return decompressWith(custom, type, payload, size, at);
  if (type === ELFCOMPRESS.ZLIB) return inflateZlib(payload, size, at);
  checkZstdFrames(payload, Math.max(2 * size, MIN_WINDOW_LIMIT), at);
  const out = new Uint8Array(size);
  let written = 0;
  let ended = false;
  const sink = (chunk: Uint8Array, final?: boolean) => {
    if (written + chunk.byteLength > size) {
      throw new FormatError(`elf: offset ${at}: compressed data inflates past ch_size ${size}`, {
        offset: at,
      });
    }
    out.set(chunk, written);
    written += chunk.byteLength;
    if (final) ended = true;
  };
  try {
    const z = new Decompress(sink);
    feed(payload, (slice, final) => z.push(slice, final));
  } catch (err) {
    if (err instanceof BtfError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new FormatError(
      `elf: offset ${at}: corrupt compressed data: ${message}`,
      { offset: at },
      {
        cause: err,
      },
    );
  }
  if (!ended || written !== size) {
    throw new FormatError(
      `elf: offset ${at}: zstd data ${ended ? 'inflates' : 'ends early, at'} ${written} bytes, ch_size says ${size}`,
      { offset: at },
    );
  }
  return out;
}

function decompressWith(
  decode: Decompressor,
  type: number,
  payload: Uint8Array,
  size: number,
  at: number,
): Uint8Array {
  const what = type === ELFCOMPRESS.ZLIB ? 'zlib' : 'zstd';
  let out: Uint8Array;
  try {
    out = decode(payload, size);
  } catch (err) {
    if (err instanceof BtfError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new FormatError(
      `elf: offset ${at}: corrupt ${what} data: ${message}`,
      { offset: at },
      { cause: err },
    );
  }
  if (!(out instanceof Uint8Array) || out.byteLength !== size) {
    const got = out instanceof Uint8Array ? `${out.byteLength} bytes` : 'no bytes';
    throw new FormatError(
      `elf: offset ${at}: the ${what} decoder returned ${got}, ch_size says ${size}`,
      { offset: at },
    );
  }
  return out;
}

function feed(payload: Uint8Array, push: (slice: Uint8Array, final: boolean) => void): void {
  if (payload.byteLength === 0) {
    push(payload, true);
    return;
  }
  for (let i = 0; i < payload.byteLength; i += FEED) {
    const end = Math.min(i + FEED, payload.byteLength);
    push(payload.subarray(i, end), end === payload.byteLength);
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_SKIPPABLE_MASK = 0xfffffff0;
const ZSTD_SKIPPABLE = 0x184d2a50;

/**
 * Walks the zstd frames and their block headers without decoding anything, so a frame that
 * asks for a huge window (the decoder would allocate it up front) is refused before any
 * allocation. Block sizes are checked against the bytes that exist.
 */
function checkZstdFrames(data: Uint8Array, maxWindow: number, at: number): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.byteLength;
  const fail = (pos: number, what: string): never => {
    throw new FormatError(`elf: offset ${at + pos}: zstd: ${what}`, { offset: at + pos });
  };
  const need = (pos: number, n: number, what: string) => {
    if (pos + n > len) fail(pos, `${what} cut at the end of the section`);
  };
  let pos = 0;
  if (len === 0) fail(0, 'no frame');
  while (pos < len) {
    need(pos, 4, 'frame magic');
    const magic = view.getUint32(pos, true);
    if ((magic & ZSTD_SKIPPABLE_MASK) >>> 0 === ZSTD_SKIPPABLE) {
      need(pos, 8, 'skippable frame header');
      pos += 8 + view.getUint32(pos + 4, true);
      if (pos > len) fail(len, 'skippable frame cut at the end of the section');
      continue;
    }
    if (magic !== ZSTD_MAGIC) fail(pos, `bad frame magic 0x${magic.toString(16)}`);
    need(pos, 5, 'frame header');
    const fhd = data[pos + 4]!;
    if (fhd & 0x08) fail(pos + 4, 'reserved frame header bit set');
    const fcsFlag = fhd >> 6;
    const single = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    let p = pos + 5;
    let window = 0;
    if (!single) {
      need(p, 1, 'window descriptor');
      const wd = data[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][fhd & 3]!;
    const fcsSize = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    need(p, fcsSize, 'frame content size');
    if (single) {
      if (fcsSize === 1) window = data[p]!;
      else if (fcsSize === 2) window = view.getUint16(p, true) + 256;
      else if (fcsSize === 4) window = view.getUint32(p, true);
      else window = Number(view.getBigUint64(p, true));
    }
    p += fcsSize;
    if (window > maxWindow)
      fail(pos, `frame window of ${window} bytes is over the limit of ${maxWindow}`);
    for (;;) {
      need(p, 3, 'block header');
      const h = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      const type = (h >> 1) & 3;
      if (type === 3) fail(p, 'reserved block type');
      const blockSize = type === 1 ? 1 : h >>> 3;
      p += 3;
      need(p, blockSize, 'block');
      p += blockSize;
      if (h & 1) break;
    }
    if (checksum) {
      need(p, 4, 'frame checksum');
      p += 4;
    }
    pos = p;
  }
}
