/**
 * The length of a name's essential part as libbpf measures it (`bpf_core_essential_name_len`):
 * the name up to the last `X___Y` flavor separator, where neither `X` nor `Y` is an
 * underscore; the whole name when there is none. `task_struct___old` has the essential
 * name `task_struct`; `a____b` and `foo___` have none but themselves.
 *
 * This is narrower than `essentialName` of `@btfkit/types` (the last `___` not at the
 * start); CO-RE candidates and enumerator matches use this rule so that they equal libbpf's.
 */
export function coreEssentialNameLength(name: string): number {
  const n = name.length;
  for (let i = n - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== 0x5f &&
      name.charCodeAt(i + 1) === 0x5f &&
      name.charCodeAt(i + 2) === 0x5f &&
      name.charCodeAt(i + 3) === 0x5f &&
      name.charCodeAt(i + 4) !== 0x5f
    ) {
      return i + 1;
    }
  }
  return n;
}

/** The essential part of a name by {@link coreEssentialNameLength}: `task_struct___old` → `task_struct`. */
export function coreEssentialName(name: string): string {
  return name.slice(0, coreEssentialNameLength(name));
}
