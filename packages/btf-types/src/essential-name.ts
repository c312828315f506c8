const UNDERSCORE = 0x5f;

/**
 * The length of a name's essential part, in UTF-16 code units (see {@link essentialName}).
 * Hot paths compare names by this length and a prefix instead of slicing a string.
 */
export function essentialNameLength(name: string): number {
  const n = name.length;
  // libbpf's bpf_core_is_flavor_sep at i: `X___Y`, neither X nor Y an underscore.
  for (let i = n - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i + 1) === UNDERSCORE &&
      name.charCodeAt(i + 2) === UNDERSCORE &&
      name.charCodeAt(i + 3) === UNDERSCORE &&
      name.charCodeAt(i) !== UNDERSCORE &&
      name.charCodeAt(i + 4) !== UNDERSCORE
    ) {
      return i + 1;
    }
  }
  return n;
}

/**
 * The essential name of a type: its name without a `___flavor` suffix. CO-RE uses flavors to
 * declare several local versions of one kernel type (`task_struct___old`); they all match the
 * kernel's `task_struct`.
 *
 * The rule is libbpf's (`bpf_core_essential_name_len`): the name is cut before the last
 * `X___Y` flavor separator where neither `X` nor `Y` is an underscore, and kept whole when
 * there is none: `a___b___c` → `a___b`, while `a____b`, `foo___` and `___x` are their own
 * essential names. cilium/ebpf cuts at the last `___` not at the start instead, which differs
 * for such names (`a____b` → `a_`, `foo___` → `foo`); btfkit follows libbpf because its CO-RE
 * results are the oracle, and the Spec's essential-name index uses the same rule.
 */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/**
 * {@link essentialNameLength} over the UTF-8 bytes of a name in a string table: the name
 * starts at `start` and ends at a NUL byte or at `end`; the result counts bytes. `_` is
 * ASCII, so the rule cuts a name's bytes where it cuts its UTF-16 code units. The name index
 * hashes and compares essential names with it, straight from the string table.
 * @internal
 */
export function essentialByteLength(
  bytes: Uint8Array,
  start: number,
  end = bytes.byteLength,
): number {
  // One forward pass finds both the NUL and the last separator; it is the loop of
  // essentialNameLength over bytes, `Y` also not the NUL that ends the name.
  let cut = -1;
  let i = start;
  for (; i < end; i++) {
    const x = bytes[i]!;
    if (x === 0) break;
    if (
      x !== UNDERSCORE &&
      bytes[i + 1] === UNDERSCORE &&
      bytes[i + 2] === UNDERSCORE &&
      bytes[i + 3] === UNDERSCORE &&
      i + 4 < end
    ) {
      const y = bytes[i + 4]!;
      if (y !== UNDERSCORE && y !== 0) cut = i + 1;
    }
  }
  return (cut < 0 ? i : cut) - start;
}
