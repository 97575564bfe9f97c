"""Zips made byte by byte, for tests and benchmarks of hostile archives: zipfile would take
seconds to deflate a gigabyte or to write 100,000 entries; these take milliseconds."""

from __future__ import annotations

import zlib


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written byte by byte: (name, deflated data, size it inflates to, crc). zipfile
    would take seconds to deflate a gigabyte or write 100,000 entries; this takes milliseconds."""
    local, central = [], []
    offset = 0
    fields = (20).to_bytes(2, "little") + bytes(2) + (8).to_bytes(2, "little") + bytes(4)
    central_head = b"PK\x01\x02" + (20).to_bytes(2, "little") + fields
    local_head = b"PK\x03\x04" + fields
    for name, data, size, crc in entries:
        raw = name.encode()
        sizes = crc.to_bytes(4, "little") + len(data).to_bytes(4, "little") + size.to_bytes(4, "little")
        named = len(raw).to_bytes(2, "little")
        central.append(central_head + sizes + named + bytes(12) + offset.to_bytes(4, "little") + raw)
        entry = local_head + sizes + named + bytes(2) + raw + data
        local.append(entry)
        offset += len(entry)
    central_bytes = b"".join(central)
    zip64 = b""
    if len(entries) >= 0xFFFF:  # the count no longer fits: zip64's end records say it
        total = len(entries).to_bytes(8, "little")
        at = (offset + len(central_bytes)).to_bytes(8, "little")
        zip64 = b"PK\x06\x06" + (44).to_bytes(8, "little") + (45).to_bytes(2, "little") * 2 + bytes(8)
        zip64 += total + total + len(central_bytes).to_bytes(8, "little") + offset.to_bytes(8, "little")
        zip64 += b"PK\x06\x07" + bytes(4) + at + (1).to_bytes(4, "little")
    count = min(len(entries), 0xFFFF).to_bytes(2, "little")
    end = b"PK\x05\x06" + bytes(4) + count + count + len(central_bytes).to_bytes(4, "little")
    return b"".join([*local, central_bytes, zip64, end, offset.to_bytes(4, "little"), bytes(2)])


def zeros_deflated(mib: int) -> bytes:
    """mib MiB of zeros, deflated: one MiB block repeated (a full flush makes each block alike)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(1024 * 1024)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * mib + packer.flush()
