#!/usr/bin/env python3
"""Writes a copy of a CO-RE fixture object with some access strings broken in place (same
length, so every other byte stays put): an index past a struct's members, an index past an
array, a character that is not a number, a leading colon. libbpf refuses each relocation
that uses one; the goldens record how.

usage: bad-access.py IN.o OUT.o
"""
import sys

from elf_section import find_section

EDITS = [(b"0:10:3", b"0:99:3"), (b"0:8:4:1", b"0:8:9:1"), (b"0:7:2:1", b"0:7:2:z"), (b"0:2:1:1", b":0:1:1")]

data = bytearray(open(sys.argv[1], "rb").read())
btf = find_section(data, b".BTF")
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
