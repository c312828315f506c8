/**
 * The helper functions a generated module may need, as source text. Each is emitted only
 * when used, in this order, so output stays small and deterministic. `$` cannot occur in a C
 * identifier, so these names never clash with a generated declaration.
 *
 * Bitfields are written (and wide ones read) through a window: the few whole bytes that hold
 * the field, read as one unsigned integer in the module's byte order; narrow ones are read
 * inline by the same rule (see the generator). In that integer the field is `n`
 * bits at shift `s` from the least significant bit, which the generator computes from the BTF
 * bit offset: little-endian targets number bits from the least significant bit of the first
 * byte, big-endian ones from the most significant bit.
 */

/** Names of the helpers, in emission order. */
export const HELPERS = [
  '$len',
  '$bytes',
  '$setBytes',
  '$win',
  '$put',
  '$bfset',
  '$winBig',
  '$putBig',
  '$bfu64',
  '$bfs64',
  '$bfset64',
  '$u128',
  '$set128',
] as const;

/** A helper's name. */
export type Helper = (typeof HELPERS)[number];

/** Helpers that the given helper calls. */
export const HELPER_DEPS: Readonly<Partial<Record<Helper, readonly Helper[]>>> = {
  $setBytes: ['$len'],
  $bfset: ['$win', '$put'],
  $bfu64: ['$winBig'],
  $bfs64: ['$winBig'],
  $bfset64: ['$winBig', '$putBig'],
};

/** The source of a helper for the given byte order. */
export function helperSource(h: Helper, le: boolean): string {
  const L = String(le);
  switch (h) {
    case '$len':
      return `function $len(v: { readonly length: number }, n: number, what: string): void {
  if (v.length !== n) throw new RangeError(\`\${what}: \${v.length} elements, the type has \${n}\`);
}`;
    case '$bytes':
      return `function $bytes(view: DataView, o: number, n: number): Uint8Array {
  if (o < 0 || o + n > view.byteLength) {
    throw new RangeError(\`bytes \${o}..\${o + n} outside the view of \${view.byteLength}\`);
  }
  return new Uint8Array(view.buffer, view.byteOffset + o, n).slice();
}`;
    case '$setBytes':
      return `function $setBytes(view: DataView, o: number, v: Uint8Array, n: number, what: string): void {
  $len(v, n, what);
  if (o < 0 || o + n > view.byteLength) {
    throw new RangeError(\`bytes \${o}..\${o + n} outside the view of \${view.byteLength}\`);
  }
  new Uint8Array(view.buffer, view.byteOffset + o, n).set(v);
}`;
    case '$win':
      return `function $win(view: DataView, o: number, w: number): number {
  switch (w) {
    case 1:
      return view.getUint8(o);
    case 2:
      return view.getUint16(o, ${L});
    case 3:
      return ${
        le
          ? 'view.getUint16(o, true) | (view.getUint8(o + 2) << 16)'
          : '(view.getUint16(o, false) << 8) | view.getUint8(o + 2)'
      };
    default:
      return view.getUint32(o, ${L});
  }
}`;
    case '$put':
      return `function $put(view: DataView, o: number, w: number, x: number): void {
  switch (w) {
    case 1:
      view.setUint8(o, x);
      return;
    case 2:
      view.setUint16(o, x, ${L});
      return;
    case 3:
${
  le
    ? `      view.setUint16(o, x, true);
      view.setUint8(o + 2, x >>> 16);`
    : `      view.setUint16(o, x >>> 8, false);
      view.setUint8(o + 2, x);`
}
      return;
    default:
      view.setUint32(o, x, ${L});
  }
}`;
    case '$bfset':
      return `function $bfset(view: DataView, o: number, w: number, s: number, n: number, v: number): void {
  const m = (2 ** n - 1) << s;
  $put(view, o, w, (($win(view, o, w) & ~m) | ((v << s) & m)) >>> 0);
}`;
    case '$winBig':
      return `function $winBig(view: DataView, o: number, w: number): bigint {
  let x = 0n;
  for (let i = 0; i < w; i++) x = (x << 8n) | BigInt(view.getUint8(${le ? 'o + w - 1 - i' : 'o + i'}));
  return x;
}`;
    case '$putBig':
      return `function $putBig(view: DataView, o: number, w: number, x: bigint): void {
  for (let i = 0; i < w; i++) {
    view.setUint8(${le ? 'o + i' : 'o + w - 1 - i'}, Number(x & 0xffn));
    x >>= 8n;
  }
}`;
    case '$bfu64':
      return `function $bfu64(view: DataView, o: number, w: number, s: number, n: number): bigint {
  return BigInt.asUintN(n, $winBig(view, o, w) >> BigInt(s));
}`;
    case '$bfs64':
      return `function $bfs64(view: DataView, o: number, w: number, s: number, n: number): bigint {
  return BigInt.asIntN(n, $winBig(view, o, w) >> BigInt(s));
}`;
    case '$bfset64':
      return `function $bfset64(view: DataView, o: number, w: number, s: number, n: number, v: bigint): void {
  const m = ((1n << BigInt(n)) - 1n) << BigInt(s);
  $putBig(view, o, w, ($winBig(view, o, w) & ~m) | ((BigInt.asUintN(n, v) << BigInt(s)) & m));
}`;
    case '$u128':
      return `function $u128(view: DataView, o: number): bigint {
  return ${
    le
      ? '(view.getBigUint64(o + 8, true) << 64n) | view.getBigUint64(o, true)'
      : '(view.getBigUint64(o, false) << 64n) | view.getBigUint64(o + 8, false)'
  };
}`;
    case '$set128':
      return `function $set128(view: DataView, o: number, v: bigint): void {
  const x = BigInt.asUintN(128, v);
  view.setBigUint64(o${le ? '' : ' + 8'}, BigInt.asUintN(64, x), ${L});
  view.setBigUint64(o${le ? ' + 8' : ''}, x >> 64n, ${L});
}`;
  }
}
