import {
  assembleBtf,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND,
  makeInfo,
  makeIntWord,
  packMemberOffset,
  RawBtf,
} from '@btfkit/wire';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A small BTF that takes the C formatter down its branches: every kind, bitfields and
 * padding, a packed struct, anonymous unions and enums inline, structs and unions met again
 * (by value in a prototype, or through their typedef) while being printed, arrays behind
 * pointers, function pointers with varargs, qualifiers, type tags, clashing names and the
 * compiler's va_list typedefs. `prime-blob.c.golden` is what bpftool 7.1 prints for it.
 *
 * V8 optimizes a function from the feedback of what it has run so far, and optimized code
 * that meets a branch it has never run deoptimizes and is compiled again: in a dump of
 * vmlinux the C formatter's largest functions were each compiled two to four times, and the
 * compiler threads used more CPU than the formatting itself. Formatting this blob first
 * gives them feedback for every branch. It is in C terms roughly:
 *
 * ```c
 * struct s { struct s *next; struct t *t; int a: 3; int b: 5; char c; union { int i; } u;
 *            enum { E1, E2 = -1 } e; int arr[2][3]; int (*fp)(int, ...);
 *            const volatile int *restrict q; long l; };  // and tail padding
 * ```
 */
export function primeBlob(): RawBtf {
  const strings: number[] = [0];
  const name = (s: string): number => {
    const off = strings.length;
    for (let i = 0; i < s.length; i++) strings.push(s.charCodeAt(i));
    strings.push(0);
    return off;
  };
  const words: number[] = [];
  const rec = (nameOff: number, kind: number, vlen: number, kflag: number, sizeType: number) => {
    words.push(nameOff, makeInfo(kind, vlen, kflag === 1), sizeType >>> 0);
  };
  const K = BTF_KIND;
  const nInt = name('int');
  // 1 int, 2 char, 3 long int
  rec(nInt, K.INT, 0, 0, 4);
  words.push(makeIntWord(BTF_INT_SIGNED, 0, 32));
  rec(name('char'), K.INT, 0, 0, 1);
  words.push(makeIntWord(BTF_INT_CHAR, 0, 8));
  rec(name('long int'), K.INT, 0, 0, 8);
  words.push(makeIntWord(BTF_INT_SIGNED, 0, 64));
  // 4 struct s *
  rec(0, K.PTR, 0, 0, 5);
  // 5 struct s, with bitfields (kind_flag) and tail padding
  const nS = name('s');
  rec(nS, K.STRUCT, 11, 1, 96);
  const member = (n: string, type: number, bitOff: number, bits = 0) =>
    words.push(n ? name(n) : 0, type, packMemberOffset(true, bitOff, bits));
  member('next', 4, 0);
  member('t', 7, 64);
  member('a', 1, 128, 3);
  member('b', 1, 131, 5);
  member('c', 2, 160);
  member('u', 9, 192);
  member('e', 10, 224);
  member('arr', 12, 256);
  member('fp', 14, 448);
  member('q', 17, 512);
  member('l', 3, 576);
  // 6 struct t { struct s s; } (s by value), 7 struct t *
  rec(name('t'), K.STRUCT, 1, 0, 96);
  member('s', 5, 0);
  rec(0, K.PTR, 0, 0, 6);
  // 8 union { struct t *t; } named, 9 anonymous union { int i; }
  rec(name('w'), K.UNION, 1, 0, 8);
  member('t', 7, 0);
  rec(0, K.UNION, 1, 0, 4);
  member('i', 1, 0);
  // 10 anonymous signed enum, referenced (printed inline)
  rec(0, K.ENUM, 2, 1, 4);
  words.push(name('E1'), 0, name('E2'), 0xffffffff);
  // 11 int[3], 12 int[2][3]
  rec(0, K.ARRAY, 0, 0, 0);
  words.push(1, 1, 3);
  rec(0, K.ARRAY, 0, 0, 0);
  words.push(11, 1, 2);
  // 13 int (int, ...), 14 pointer to it
  rec(0, K.FUNC_PROTO, 2, 0, 1);
  words.push(0, 1, 0, 0);
  rec(0, K.PTR, 0, 0, 13);
  // 15 const int, 16 volatile const int, 17 restrict pointer to it (via 18)
  rec(0, K.CONST, 0, 0, 1);
  rec(0, K.VOLATILE, 0, 0, 15);
  rec(0, K.RESTRICT, 0, 0, 18);
  rec(0, K.PTR, 0, 0, 16);
  // 19 typedef struct s td; 20 union fwd; 21 enum64 with a negative value
  rec(name('td'), K.TYPEDEF, 0, 0, 5);
  rec(name('f'), K.FWD, 0, 1, 0);
  rec(name('e64'), K.ENUM64, 1, 1, 8);
  words.push(name('E3'), 0xffffffff, 0xffffffff);
  // 22 int fn(int, ...), 23 int v, 24 .data { v }, 25 float, 26 decl tag on fn
  rec(name('fn'), K.FUNC, 1, 0, 13);
  rec(name('v'), K.VAR, 0, 0, 1);
  words.push(1);
  rec(name('.data'), K.DATASEC, 1, 0, 4);
  words.push(23, 0, 4);
  rec(name('float'), K.FLOAT, 0, 0, 4);
  rec(name('tag'), K.DECL_TAG, 0, 0, 22);
  words.push(0xffffffff);
  // 27 int __attribute__((btf_type_tag("tag"))) *, via 28
  rec(0, K.PTR, 0, 0, 28);
  rec(name('tag'), K.TYPE_TAG, 0, 0, 1);
  // 29 __builtin_va_list, 30 __gnuc_va_list typedef'd to void
  rec(name('__builtin_va_list'), K.TYPEDEF, 0, 0, 4);
  rec(name('__gnuc_va_list'), K.TYPEDEF, 0, 0, 0);
  // 31 a second struct s, packed: its name clashes, its member is misaligned
  rec(nS, K.STRUCT, 2, 0, 9);
  member('c', 2, 0);
  member('x', 1, 8);
  // 32 typedef struct n *np; 33 struct n { np next; struct t t; }: the typedef is reached
  // through a pointer while its struct is printed
  rec(name('np'), K.TYPEDEF, 0, 0, 34);
  rec(name('n'), K.STRUCT, 2, 0, 104);
  member('next', 32, 0);
  member('t', 6, 64);
  rec(0, K.PTR, 0, 0, 33);
  // 35 an anonymous enum nobody uses (printed alone), with a clashing enumerator
  rec(0, K.ENUM, 2, 0, 4);
  words.push(name('E1'), 1, name('E4'), 0x80000000);
  // 36 an empty struct, 37 an empty enum, 38 a GCC ARM base type libbpf aliases
  rec(name('empty'), K.STRUCT, 0, 0, 0);
  rec(name('ee'), K.ENUM, 0, 0, 4);
  rec(name('__Poly8_t'), K.INT, 0, 0, 1);
  words.push(8);
  // 39 void (*)(void), 40 the prototype, 41 array of those pointers
  rec(0, K.PTR, 0, 0, 40);
  rec(0, K.FUNC_PROTO, 0, 0, 0);
  rec(0, K.ARRAY, 0, 0, 0);
  words.push(39, 1, 4);
  // 42 a union holding the union and the array by value, 43 a const array of it
  rec(name('uu'), K.UNION, 3, 0, 32);
  member('w', 8, 0);
  member('a', 41, 0);
  member('t', 27, 0);
  rec(0, K.CONST, 0, 0, 44);
  rec(0, K.ARRAY, 0, 0, 0);
  words.push(42, 1, 2);
  rec(name('cu'), K.VAR, 0, 0, 43);
  words.push(1);
  // 46 struct g { int (*f)(struct g); } and 49 union h { int (*f)(union h); }: a struct or
  // union met again, by value, while it is being ordered and printed
  rec(name('g'), K.STRUCT, 1, 0, 8);
  member('f', 47, 0);
  rec(0, K.PTR, 0, 0, 48);
  rec(0, K.FUNC_PROTO, 1, 0, 1);
  words.push(0, 46);
  rec(name('h'), K.UNION, 1, 0, 8);
  member('f', 50, 0);
  rec(0, K.PTR, 0, 0, 51);
  rec(0, K.FUNC_PROTO, 1, 0, 1);
  words.push(0, 49);
  // 52 typedef struct gs gt; 53 struct gs { int (*f)(gt); int (*pa)[3]; }: the struct is
  // met through its typedef while printed, and a pointer to an array needs parentheses
  rec(name('gt'), K.TYPEDEF, 0, 0, 53);
  rec(name('gs'), K.STRUCT, 2, 0, 16);
  member('f', 54, 0);
  member('pa', 56, 64);
  rec(0, K.PTR, 0, 0, 55);
  rec(0, K.FUNC_PROTO, 1, 0, 1);
  words.push(0, 52);
  rec(0, K.PTR, 0, 0, 11);

  const types = new Uint8Array(new Uint32Array(words).buffer);
  return RawBtf.parse(assembleBtf(types, Uint8Array.from(strings), HOST_LITTLE_ENDIAN));
}
