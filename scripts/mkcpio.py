#!/usr/bin/env python3
"""Writes a cpio archive in the "newc" format (cpio(5), "New ASCII Format") holding the given
files under their base names, for the kernel's initramfs (kernel/proc/initramfs.c).

usage: mkcpio.py OUT [FILE...]
"""
import os
import sys


def entry(name, data, mode, ino):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    out = hdr + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out, files = sys.argv[1], sys.argv[2:]
    names = [os.path.basename(f) for f in files]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit("mkcpio: two files named %s" % ", ".join(sorted(dup)))
    blob = b""
    for ino, (f, n) in enumerate(zip(files, names), start=1):
        with open(f, "rb") as fh:
            blob += entry(n, fh.read(), 0o100755, ino)
    blob += entry("TRAILER!!!", b"", 0, 0)
    tmp = out + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(blob)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
