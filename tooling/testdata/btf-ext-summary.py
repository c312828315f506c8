#!/usr/bin/env python3
"""Summarise a raw .BTF.ext section: records per ELF section and sub-table.

usage: btf-ext-summary.py FILE.btf.ext FILE.btf

Prints one line per (table, section): "func <sec> <n>", "line <sec> <n>" and
"core <sec> <n> kinds=<k,...>". check.sh uses it as an independent reading of
the .BTF.ext bytes; it is not a golden and the TypeScript tests never run it.
"""
import struct
import sys


def main(ext_path, btf_path):
    ext = open(ext_path, "rb").read()
    btf = open(btf_path, "rb").read()
    if ext[:2] == b"\x9f\xeb":
        order = "<"
    elif ext[:2] == b"\xeb\x9f":
        order = ">"
    else:
        sys.exit(f"{ext_path}: bad .BTF.ext magic {ext[:2].hex()}")
    if btf[:2] != ext[:2]:
        sys.exit(f"{btf_path}: byte order differs from {ext_path}")

    hdr_len = struct.unpack(order + "I", ext[4:8])[0]
    tables = [("func", 8), ("line", 16)]
    if hdr_len >= 32:
        tables.append(("core", 24))

    btf_hdr_len, str_off = struct.unpack(order + "I", btf[4:8])[0], struct.unpack(order + "I", btf[16:20])[0]
    strings = btf_hdr_len + str_off

    def name(off):
        start = strings + off
        return btf[start : btf.index(b"\0", start)].decode()

    for table, at in tables:
        off, length = struct.unpack(order + "II", ext[at : at + 8])
        pos, end = hdr_len + off, hdr_len + off + length
        if length == 0:
            continue
        rec_size = struct.unpack(order + "I", ext[pos : pos + 4])[0]
        pos += 4
        while pos < end:
            sec, count = struct.unpack(order + "II", ext[pos : pos + 8])
            pos += 8
            line = f"{table} {name(sec)} {count}"
            if table == "core":
                kinds = {struct.unpack(order + "I", ext[p + 12 : p + 16])[0] for p in range(pos, pos + count * rec_size, rec_size)}
                line += " kinds=" + ",".join(str(k) for k in sorted(kinds))
            print(line)
            pos += count * rec_size


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
