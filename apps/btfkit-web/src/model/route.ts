/** What the URL hash names: a type by ID, a type by name, or nothing. */
export type Route =
  | { readonly kind: 'id'; readonly id: number }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'none' };

/** Reads `#/type/<id>` or `#/type/<name>` (URI-encoded); anything else is no route. */
export function parseRoute(hash: string): Route {
  const m = /^#\/type\/(.+)$/.exec(hash);
  if (!m) return { kind: 'none' };
  let value: string;
  try {
    value = decodeURIComponent(m[1]!);
  } catch {
    return { kind: 'none' };
  }
  if (/^\d+$/.test(value)) return { kind: 'id', id: Number(value) };
  return value === '' ? { kind: 'none' } : { kind: 'name', name: value };
}

/** The hash naming type `id`. */
export function typeHash(id: number): string {
  return `#/type/${id}`;
}
