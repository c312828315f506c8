"""Where a named section's bytes are in a 64-bit ELF object of either byte order: what
bad-access.py and scramble.py look up before editing a fixture object in place."""
import struct


def byte_order(data):
    """struct's byte-order prefix for the ELF object `data` (EI_DATA: 1 little, else big)."""
    return "<" if data[5] == 1 else ">"


def find_section(data, name):
    """(offset, size) of the section called `name` (bytes) in the ELF64 object `data`, the
    last one of that name; None when there is none."""
    order = byte_order(data)
    shoff = struct.unpack_from(order + "Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)

    def shdr(i):
        return struct.unpack_from(order + "IIQQQQIIQQ", data, shoff + i * shentsize)

    stroff = shdr(shstrndx)[4]
    found = None
    for i in range(shnum):
        h = shdr(i)
        if data[stroff + h[0] : data.index(b"\0", stroff + h[0])] == name:
            found = (h[4], h[5])
    return found
