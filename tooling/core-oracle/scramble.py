#!/usr/bin/env python3
"""Writes a copy of a CO-RE fixture object whose .BTF.ext CO-RE records are scrambled in
place, deterministically from SEED: each record keeps its instruction but gets a type ID,
relocation kind and access string drawn from those of the object's records (plus nearby type
IDs), so relocations meet roots, kinds and instructions they were not compiled for. libbpf's
answers for these (mostly refusals: wrong kind of root, access strings that do not fit,
instructions that do not take the value) are goldens like any other.

usage: scramble.py SEED IN.o OUT.o
"""
import random
import struct
import sys

from elf_section import byte_order, find_section

seed, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(seed)
data = bytearray(open(src, "rb").read())
order = byte_order(data)
section = find_section(data, b".BTF.ext")
if section is None:
    sys.exit("scramble: no .BTF.ext")
ext = section[0]
hdr_len = struct.unpack_from(order + "I", data, ext + 4)[0]
core_off, core_len = struct.unpack_from(order + "II", data, ext + 24)
p = ext + hdr_len + core_off
end = p + core_len
rec_size = struct.unpack_from(order + "I", data, p)[0]
p += 4
records = []
while p < end:
    num = struct.unpack_from(order + "I", data, p + 4)[0]
    p += 8
    for _ in range(num):
        records.append(p)
        p += rec_size
fields = [struct.unpack_from(order + "IIII", data, r) for r in records]
type_ids = sorted({f[1] for f in fields})
type_ids += [t + d for t in type_ids for d in (1, 2)]
accesses = sorted({f[2] for f in fields})
for r in records:
    insn_off = struct.unpack_from(order + "I", data, r)[0]
    struct.pack_into(
        order + "IIII", data, r, insn_off, rng.choice(type_ids), rng.choice(accesses), rng.randrange(13)
    )
open(dst, "wb").write(data)
