import { FormatError } from '@btfkit/wire';

/**
 * A zlib stream decoder (RFC 1950 around RFC 1951 DEFLATE) for `ELFCOMPRESS_ZLIB` sections.
 *
 * The whole compressed payload is at hand and the decompressed size is known from the
 * compression header, so this decodes straight into one buffer of exactly that size and fails
 * as soon as the stream would write past it. Every table is bounded by the format (at most
 * 2^15 entries), nothing recurses, and each step consumes input or output, so no input makes it
 * loop without end. The Adler-32 checksum in the trailer is checked.
 */

/** Base lengths of the length symbols 257..285 (RFC 1951 3.2.5). */
const LENGTH_BASE = Uint16Array.of(
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
);
/** Extra bits of the length symbols 257..285. */
const LENGTH_EXTRA = Uint8Array.of(
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
);
/** Base distances of the distance symbols 0..29. */
const DIST_BASE = Uint16Array.of(
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
);
/** Extra bits of the distance symbols 0..29. */
const DIST_EXTRA = Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
);
/** The order in which a dynamic block lists the code lengths of the code-length alphabet. */
const CLEN_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const MAX_BITS = 15;

/**
 * A canonical Huffman code as a lookup table indexed by the next `bits` input bits (least
 * significant first, as DEFLATE packs them). Each entry is `symbol << 4 | length`; 0 marks a
 * bit pattern that no code starts with (possible only for incomplete codes).
 */
interface Code {
  readonly table: Uint32Array;
  readonly bits: number;
}

/** Thrown inside the decoder; {@link inflateZlib} adds the section's offset. */
class InflateError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * Builds the lookup table of the code with these lengths (0 = symbol unused).
 * @param single - allow a code of one 1-bit symbol, which leaves half the patterns unused
 *   (RFC 1951 3.2.7 allows it for distances; zlib accepts it for literals/lengths too). An
 *   over-subscribed code, or any other incomplete one, is an error; a code with no symbols
 *   at all is accepted and fails when a symbol is read from it.
 */
function buildCode(lengths: Uint8Array, what: string, pos: number, single: boolean): Code {
  const count = new Uint16Array(MAX_BITS + 1);
  let bits = 0;
  for (let i = 0; i < lengths.length; i++) {
    const l = lengths[i]!;
    count[l]!++;
    if (l > bits) bits = l;
  }
  count[0] = 0;
  let left = 1;
  for (let l = 1; l <= MAX_BITS; l++) {
    left = (left << 1) - count[l]!;
    if (left < 0) throw new InflateError(`${what} code is over-subscribed`, pos);
  }
  if (left > 0 && bits > 0 && !(single && bits === 1)) {
    throw new InflateError(`${what} code is incomplete`, pos);
  }
  // First canonical code of each length.
  const next = new Uint16Array(MAX_BITS + 2);
  for (let l = 1, code = 0; l <= MAX_BITS; l++) {
    code = (code + count[l - 1]!) << 1;
    next[l] = code;
  }
  const size = 1 << bits;
  const table = new Uint32Array(bits === 0 ? 1 : size);
  for (let sym = 0; sym < lengths.length; sym++) {
    const l = lengths[sym]!;
    if (l === 0) continue;
    const code = next[l]!++;
    // DEFLATE sends codes most significant bit first into an LSB-first stream: reverse them.
    let rev = 0;
    for (let i = 0; i < l; i++) rev |= ((code >>> i) & 1) << (l - 1 - i);
    const entry = (sym << 4) | l;
    for (let i = rev; i < size; i += 1 << l) table[i] = entry;
  }
  return { table, bits };
}

/**
 * Reads the bits of a DEFLATE stream, least significant first. Bytes past the end read as
 * zero while `pos` keeps counting, so a stream that runs out shows as consumed bits past the
 * input, which {@link BitReader.take} and {@link BitReader.decode} report.
 */
class BitReader {
  /** Bits loaded and not yet consumed, in the low `cnt` bits. */
  private buf = 0;
  private cnt = 0;
  private readonly end: number;

  constructor(
    private readonly src: Uint8Array,
    /** The next byte to load. */
    private pos: number,
  ) {
    this.end = src.byteLength;
  }

  /** The offset of the byte the next bit comes from, for error messages. */
  at(): number {
    return Math.min(this.pos - (this.cnt >>> 3), this.end);
  }

  private need(n: number): void {
    while (this.cnt < n) {
      this.buf |= (this.pos < this.end ? this.src[this.pos]! : 0) << this.cnt;
      this.pos++;
      this.cnt += 8;
    }
  }

  private consume(n: number): void {
    this.buf >>>= n;
    this.cnt -= n;
    if (this.pos > this.end && this.pos * 8 - this.cnt > this.end * 8) {
      throw new InflateError('stream is cut short', this.end);
    }
  }

  /** The next `n` bits (at most 16) as a number, first bit lowest. */
  take(n: number): number {
    this.need(n);
    const v = this.buf & ((1 << n) - 1);
    this.consume(n);
    return v;
  }

  /** The next symbol of `code`. */
  decode(code: Code, what: string): number {
    this.need(code.bits);
    const e = code.table[this.buf & ((1 << code.bits) - 1)]!;
    const len = e & 15;
    if (len === 0) throw new InflateError(`invalid ${what} code`, this.at());
    this.consume(len);
    return e >>> 4;
  }

  /** Drops the bits up to the next byte boundary. */
  align(): void {
    this.consume(this.cnt & 7);
  }

  /** Copies `n` whole bytes (the reader is byte-aligned) to `out` at `op`. */
  copy(out: Uint8Array, op: number, n: number): void {
    // Whole bytes may still sit in the bit buffer; they come first.
    while (n > 0 && this.cnt >= 8) {
      out[op++] = this.take(8);
      n--;
    }
    if (this.pos + n > this.end) throw new InflateError('stored block is cut short', this.end);
    out.set(this.src.subarray(this.pos, this.pos + n), op);
    this.pos += n;
  }
}

let fixedLit: Code | undefined;
let fixedDist: Code | undefined;

function fixedCodes(): [Code, Code] {
  if (!fixedLit || !fixedDist) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedLit = buildCode(lit, 'fixed literal/length', 0, false);
    fixedDist = buildCode(new Uint8Array(32).fill(5), 'fixed distance', 0, false);
  }
  return [fixedLit, fixedDist];
}

/**
 * Decodes the zlib stream `src` into exactly `size` bytes.
 * @param at - the file offset of `src`, for error messages
 * @throws FormatError naming the file offset of the problem: a bad header, a corrupt or
 *   truncated stream, output longer or shorter than `size`, or a checksum mismatch
 */
export function inflateZlib(src: Uint8Array, size: number, at: number): Uint8Array {
  try {
    return inflate(src, size);
  } catch (err) {
    if (!(err instanceof InflateError)) throw err;
    const offset = at + Math.min(err.pos, src.byteLength);
    throw new FormatError(`elf: offset ${offset}: zlib: ${err.message}`, { offset });
  }
}

function inflate(src: Uint8Array, size: number): Uint8Array {
  const end = src.byteLength;
  if (end < 2) throw new InflateError('stream too short for its header', 0);
  const cmf = src[0]!;
  const flg = src[1]!;
  if ((cmf & 0x0f) !== 8)
    throw new InflateError(`compression method ${cmf & 0x0f} is not deflate`, 0);
  if (cmf >>> 4 > 7) throw new InflateError(`window size 2^${(cmf >>> 4) + 8} is over 32 KiB`, 0);
  if (((cmf << 8) | flg) % 31 !== 0) throw new InflateError('header check bits are wrong', 1);
  if (flg & 0x20) throw new InflateError('a preset dictionary is not supported', 1);

  const out = new Uint8Array(size);
  let op = 0;
  const r = new BitReader(src, 2);
  let final = 0;
  while (!final) {
    final = r.take(1);
    const type = r.take(2);
    if (type === 0) {
      // Stored: skip to a byte boundary, then LEN and its complement.
      r.align();
      const len = r.take(16);
      const nlen = r.take(16);
      if ((len ^ 0xffff) !== nlen) {
        throw new InflateError('stored block length does not match its complement', r.at() - 4);
      }
      if (op + len > size) throw new InflateError(`inflates past ch_size ${size}`, r.at());
      r.copy(out, op, len);
      op += len;
      continue;
    }
    if (type === 3) throw new InflateError('block type 3 is reserved', r.at());
    let lit: Code;
    let dist: Code;
    if (type === 1) {
      [lit, dist] = fixedCodes();
    } else {
      const hlit = r.take(5) + 257;
      const hdist = r.take(5) + 1;
      const hclen = r.take(4) + 4;
      if (hlit > 286) throw new InflateError(`${hlit} literal/length codes (at most 286)`, r.at());
      if (hdist > 30) throw new InflateError(`${hdist} distance codes (at most 30)`, r.at());
      const clens = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) clens[CLEN_ORDER[i]!] = r.take(3);
      const clen = buildCode(clens, 'code length', r.at(), false);
      const lengths = new Uint8Array(hlit + hdist);
      for (let i = 0; i < lengths.length; ) {
        const sym = r.decode(clen, 'code length');
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let value = 0;
        let repeat: number;
        if (sym === 16) {
          if (i === 0) throw new InflateError('repeat code with no previous length', r.at());
          value = lengths[i - 1]!;
          repeat = 3 + r.take(2);
        } else if (sym === 17) {
          repeat = 3 + r.take(3);
        } else {
          repeat = 11 + r.take(7);
        }
        if (i + repeat > lengths.length) {
          throw new InflateError('code lengths repeat past the end of the list', r.at());
        }
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (lengths[256] === 0) throw new InflateError('no code for the end of block', r.at());
      lit = buildCode(lengths.subarray(0, hlit), 'literal/length', r.at(), true);
      dist = buildCode(lengths.subarray(hlit), 'distance', r.at(), true);
    }
    for (;;) {
      const sym = r.decode(lit, 'literal/length');
      if (sym < 256) {
        if (op >= size) throw new InflateError(`inflates past ch_size ${size}`, r.at());
        out[op++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw new InflateError(`invalid length symbol ${sym}`, r.at());
      const len = LENGTH_BASE[li]! + r.take(LENGTH_EXTRA[li]!);
      const ds = r.decode(dist, 'distance');
      if (ds >= 30) throw new InflateError(`invalid distance symbol ${ds}`, r.at());
      const d = DIST_BASE[ds]! + r.take(DIST_EXTRA[ds]!);
      if (d > op) throw new InflateError(`distance ${d} reaches before the start`, r.at());
      if (op + len > size) throw new InflateError(`inflates past ch_size ${size}`, r.at());
      for (let k = 0; k < len; k++, op++) out[op] = out[op - d]!;
    }
  }
  if (op !== size)
    throw new InflateError(`ends early, at ${op} bytes, ch_size says ${size}`, r.at());
  // The Adler-32 of the output, big-endian, after the last block's byte.
  r.align();
  let want = 0;
  for (let i = 0; i < 4; i++) want = ((want << 8) | r.take(8)) >>> 0;
  const sum = adler32(out);
  if (sum !== want) {
    throw new InflateError(
      `Adler-32 is 0x${sum.toString(16)}, the stream says 0x${want.toString(16)}`,
      r.at() - 4,
    );
  }
  return out;
}

/** The Adler-32 checksum of `data` (RFC 1950 8.2). */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = data.byteLength;
  // 5552 bytes is the most that keeps the sums below 2^32 before the modulo.
  for (let i = 0; i < n; ) {
    const stop = Math.min(i + 5552, n);
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
