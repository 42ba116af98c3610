#!/usr/bin/env python3
"""patch_allgs.py CORE ALLGS_ADDR OUT [INDEX...]

Copies an ELF core to OUT and corrupts entries of the runtime's allgs
backing array in the copy: ALLGS_ADDR is the run-time address of the
runtime.allgs slice header (from the symbol table).  For each INDEX
(default 3 and 7) the g pointer is replaced: even positions in the list get
an unmapped address, odd ones the address of the slice header itself (mapped,
but not a g).  Prints the patched entries; exit 1 when an address is not in
the core's dumped segments.
"""
import shutil
import struct
import sys


def segments(data):
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        raise SystemExit('not a 64-bit little-endian ELF')
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
            '<IIQQQQQQ', data, phoff + i * phentsize)
        if p_type == 1 and p_filesz:
            segs.append((p_vaddr, p_filesz, p_offset))
    return segs


def file_offset(segs, addr):
    for vaddr, size, off in segs:
        if vaddr <= addr < vaddr + size:
            return off + addr - vaddr
    return None


def main():
    core, allgs, out = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
    indexes = [int(x) for x in sys.argv[4:]] or [3, 7]
    shutil.copyfile(core, out)
    with open(out, 'r+b') as f:
        data = bytearray(f.read())
        segs = segments(data)
        hdr = file_offset(segs, allgs)
        if hdr is None:
            print('allgs header 0x%x not in the core' % allgs)
            return 1
        arr, length = struct.unpack_from('<QQ', data, hdr)
        for k, i in enumerate(indexes):
            if i >= length:
                continue
            at = file_offset(segs, arr + 8 * i)
            if at is None:
                print('allgs[%d] not in the core' % i)
                return 1
            old, = struct.unpack_from('<Q', data, at)
            new = 0xdead0000beef0 if k % 2 == 0 else allgs
            struct.pack_into('<Q', data, at, new)
            print('allgs[%d]: 0x%x -> 0x%x' % (i, old, new))
        f.seek(0)
        f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
