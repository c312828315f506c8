import { type Composite, sizeof, type Type } from 'btfkit/browser';

/** One member of a struct or union as the layout picture draws it. */
export interface LayoutMember {
  /** The member's name; empty for an anonymous member. */
  readonly name: string;
  /** The member's type, spelled as C does (`struct list_head *`). */
  readonly type: string;
  /** The ID of the member's type, to link to. */
  readonly typeId: number;
  /** Offset from the start, in bits. */
  readonly bitOffset: number;
  /** Size in bits: the bitfield width, else the type's size (0 when it has none). */
  readonly bits: number;
  /** Whether the member is a bitfield. */
  readonly bitfield: boolean;
}

/** A stretch of a struct that no member covers. */
export interface LayoutGap {
  /** `hole` between members, or `padding` after the last one. */
  readonly kind: 'hole' | 'padding';
  /** Start, in bits. */
  readonly bitOffset: number;
  /** Length in bits. */
  readonly bits: number;
}

/** The layout of a struct or union: members, holes and trailing padding. */
export interface Layout {
  /** `struct` or `union`. */
  readonly kind: 'struct' | 'union';
  /** Size in bytes. */
  readonly size: number;
  /** Members in declaration order. */
  readonly members: readonly LayoutMember[];
  /**
   * Holes (a member starts after the end of all before it) and the padding after the
   * furthest member end, in offset order. Unions have padding only.
   */
  readonly gaps: readonly LayoutGap[];
}

/**
 * Computes the layout picture of a struct or union, as pahole reports it: a hole wherever a
 * member starts past the furthest end of the members before it (a bitfield ends at its last
 * bit), padding from the furthest end to the size. `idOf` gives a type's ID; `spell` its C
 * spelling.
 */
export function computeLayout(
  t: Composite,
  idOf: (t: Type) => number,
  spell: (t: Type) => string,
): Layout {
  const members: LayoutMember[] = [];
  const gaps: LayoutGap[] = [];
  let end = 0;
  for (const m of t.members) {
    let bits = m.bitfieldSize;
    if (bits === 0) {
      try {
        bits = sizeof(m.type) * 8;
      } catch {
        bits = 0;
      }
    }
    if (t.kind === 'struct' && m.bitOffset > end) {
      gaps.push({ kind: 'hole', bitOffset: end, bits: m.bitOffset - end });
    }
    end = Math.max(end, m.bitOffset + bits);
    members.push({
      name: m.name,
      type: spell(m.type),
      typeId: idOf(m.type),
      bitOffset: m.bitOffset,
      bits,
      bitfield: m.bitfieldSize !== 0,
    });
  }
  if (t.size * 8 > end) gaps.push({ kind: 'padding', bitOffset: end, bits: t.size * 8 - end });
  return { kind: t.kind, size: t.size, members, gaps };
}

/** What one row of the picture shows: a piece of a member or a gap within 8 bytes. */
export interface LayoutCell {
  /** Index into {@link Layout.members}, or -1 for a gap. */
  readonly member: number;
  /** For a gap, its kind. */
  readonly gap: 'hole' | 'padding' | undefined;
  /** Start within the row, in bits (0 to `rowBytes * 8`). */
  readonly from: number;
  /** End within the row, in bits. */
  readonly to: number;
}

/** One row of the picture: `rowBytes` bytes from `offset`, or a run of identical rows. */
export interface LayoutRow {
  /** Byte offset of the row. */
  readonly offset: number;
  /** How many rows this stands for (a large array is one row marked with its count). */
  readonly repeat: number;
  /** The cells, left to right (a struct's; a union is drawn one lane per member). */
  readonly cells: readonly LayoutCell[];
}

/**
 * Cuts a struct's layout into rows of `rowBytes` bytes, each member or gap a cell (split
 * where it crosses a row). A run of at least {@link COLLAPSE_ROWS} rows wholly inside one
 * member or gap collapses into one row with a `repeat` count, so a 4 KiB array is a row or
 * three, not 512.
 */
export function layoutRows(layout: Layout, rowBytes = 8): LayoutRow[] {
  const rowBits = rowBytes * 8;
  interface Span {
    member: number;
    gap: 'hole' | 'padding' | undefined;
    from: number;
    to: number;
  }
  const spans: Span[] = [];
  layout.members.forEach((m, i) => {
    if (m.bits > 0)
      spans.push({ member: i, gap: undefined, from: m.bitOffset, to: m.bitOffset + m.bits });
  });
  for (const g of layout.gaps) {
    spans.push({ member: -1, gap: g.kind, from: g.bitOffset, to: g.bitOffset + g.bits });
  }
  spans.sort((a, b) => a.from - b.from || a.to - b.to);
  const total = Math.max(layout.size * 8, ...spans.map((s) => s.to));
  const rows: LayoutRow[] = [];
  let si = 0;
  for (let rowStart = 0; rowStart < total; ) {
    const rowEnd = rowStart + rowBits;
    // A span covering this whole row and three more: one row for all the rows it fills.
    while (si < spans.length && spans[si]!.to <= rowStart) si++;
    const s = spans[si];
    if (s && s.from <= rowStart && s.to >= rowStart + COLLAPSE_ROWS * rowBits) {
      const full = Math.floor((s.to - rowStart) / rowBits);
      rows.push({
        offset: rowStart / 8,
        repeat: full,
        cells: [{ member: s.member, gap: s.gap, from: 0, to: rowBits }],
      });
      rowStart += full * rowBits;
      continue;
    }
    const cells: LayoutCell[] = [];
    for (let j = si; j < spans.length && spans[j]!.from < rowEnd; j++) {
      const sp = spans[j]!;
      if (sp.to <= rowStart) continue;
      cells.push({
        member: sp.member,
        gap: sp.gap,
        from: Math.max(sp.from, rowStart) - rowStart,
        to: Math.min(sp.to, rowEnd) - rowStart,
      });
    }
    rows.push({ offset: rowStart / 8, repeat: 1, cells });
    rowStart = rowEnd;
  }
  return rows;
}

/** Rows wholly inside one member or gap collapse from this many on. */
export const COLLAPSE_ROWS = 4;

/** Offset of `bits` as pahole prints it: bytes, then `:bit` within the byte for bitfields. */
export function formatOffset(bitOffset: number, bitfield: boolean): string {
  const byte = Math.floor(bitOffset / 8);
  return bitfield || bitOffset % 8 !== 0 ? `${byte}:${bitOffset % 8}` : String(byte);
}

/** A size in bits as bytes, or bits when not whole bytes. */
export function formatBits(bits: number): string {
  return bits % 8 === 0
    ? `${bits / 8} byte${bits === 8 ? '' : 's'}`
    : `${bits} bit${bits === 1 ? '' : 's'}`;
}
