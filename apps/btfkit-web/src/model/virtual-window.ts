/** The rows a virtualized list draws. */
export interface RowWindow {
  /** First row drawn (index into the results). */
  readonly start: number;
  /** One past the last row drawn. */
  readonly end: number;
}

/**
 * Which rows of a list of `count` rows of `rowHeight` pixels to draw when the viewport of
 * `viewportHeight` pixels is scrolled to `scrollTop`: the visible ones plus `overscan` on
 * each side, so a fast scroll does not show blank space before the next frame.
 */
export function rowWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, first + visible + overscan));
  return { start, end };
}

/** The scroll offset that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}
