#!/usr/bin/env python3
"""Writes a copy of a CO-RE fixture object with some access strings broken in place (same
length, so every other byte stays put): an index past a struct's members, an index past an
array, a character that is not a number, a leading colon. libbpf refuses each relocation
that uses one; the goldens record how.

usage: bad-access.py IN.o OUT.o
"""
import struct
import sys

EDITS = [(b"0:10:3", b"0:99:3"), (b"0:8:4:1", b"0:8:9:1"), (b"0:7:2:1", b"0:7:2:z"), (b"0:2:1:1", b":0:1:1")]

data = bytearray(open(sys.argv[1], "rb").read())
order = "<" if data[5] == 1 else ">"
shoff = struct.unpack_from(order + "Q", data, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
def shdr(i):
    return struct.unpack_from(order + "IIQQQQIIQQ", data, shoff + i * shentsize)
stroff = shdr(shstrndx)[4]
btf = None
for i in range(shnum):
    h = shdr(i)
    name = data[stroff + h[0]: data.index(b"\0", stroff + h[0])]
    if name == b".BTF":
        btf = (h[4], h[5])
if btf is None:
    sys.exit("bad-access: no .BTF")
start, size = btf
for old, new in EDITS:
    new = new.ljust(len(old), b"\0")
    at = data.find(b"\0" + old + b"\0", start, start + size)
    if at < 0:
        sys.exit(f"bad-access: {old.decode()} not in .BTF")
    data[at + 1: at + 1 + len(old)] = new
open(sys.argv[2], "wb").write(data)
