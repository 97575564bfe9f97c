"""Unpack an artifact's zip safely. Pure file I/O: a zip on disk in, files under one folder out.

Artifacts of a fork's run are the fork author's files, made to order: every entry is checked
before anything is written (its name, its type), and every byte is counted while it is inflated,
because the sizes a zip declares are the attacker's word. A refusal is one InputError naming the
artifact and the entry, and what was unpacked of that artifact is removed again.

Refused: names that leave the folder (`../`, absolute, `C:`, a backslash), a `:` anywhere (an
NTFS stream, a drive), control characters, names over the OS limits, symlinks, devices, FIFOs,
sockets, encrypted entries; more than MAX_ENTRIES entries; an entry inflating past MAX_FILE_BYTES,
or the whole past MAX_TOTAL_BYTES (a 42 kB zip bomb stops at the cap, with at most one chunk in
memory).
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scripts.errors import InputError

MAX_ENTRIES = 10_000
MAX_FILE_BYTES = 64 * 1024 * 1024  # the largest file scripts.report reads (safexml.MAX_XML_BYTES)
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_NAME = 1024
MAX_PART = 255
_CHUNK = 1024 * 1024
_REGULAR = (0, stat.S_IFREG)  # zips made on Windows carry no Unix mode at all


@dataclass(frozen=True)
class Limits:
    entries: int = MAX_ENTRIES
    file_bytes: int = MAX_FILE_BYTES
    total_bytes: int = MAX_TOTAL_BYTES


def entry_path(name: str) -> PurePosixPath | None:
    """The relative path an entry may be written to, or None when the name is unsafe."""
    if not name or len(name) > MAX_NAME or "\\" in name or ":" in name or name.startswith("/"):
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    parts = name.rstrip("/").split("/")
    if not parts or any(p in ("", ".", "..") or len(p.encode("utf-8", "surrogatepass")) > MAX_PART for p in parts):
        return None
    return PurePosixPath(*parts)


def _kind(info: zipfile.ZipInfo) -> str | None:
    """ "dir", "file", or None for anything else (symlink, device, FIFO, socket)."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.is_dir() and kind in (0, stat.S_IFDIR):
        return "dir"
    if not info.is_dir() and kind in _REGULAR:
        return "file"
    return None


def _describe_kind(info: zipfile.ZipInfo) -> str:
    kind = stat.S_IFMT(info.external_attr >> 16)
    names = {stat.S_IFLNK: "a symlink", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}
    names |= {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory entry with a file's name"}
    return names.get(kind, f"an entry of unknown type {kind:o}")


def _shown(name: str) -> str:
    """An entry's name as every message shows it: quoted, at most 200 characters of it."""
    return repr(name[:200])


def declared_entries(path: Path) -> int | None:
    """The entry count the end-of-central-directory record declares (zip64 too), read from the
    file's tail before zipfile builds an object per entry; None when no record is found."""
    with path.open("rb") as stream:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(max(0, size - (65535 + 22 + 20)))
        tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        with path.open("rb") as stream:
            stream.seek(int.from_bytes(tail[locator + 8 : locator + 16], "little"))
            record = stream.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            count = int.from_bytes(record[32:40], "little")
    return count


def _plan(archive: zipfile.ZipFile, label: str, limits: Limits) -> list[tuple[zipfile.ZipInfo, PurePosixPath, str]]:
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise InputError(f"{label}: more than {limits.entries:,} entries ({len(infos):,})")
    plan = []
    seen: set[str] = set()
    for info in infos:
        shown = _shown(info.filename)
        path = entry_path(info.filename)
        if path is None:
            raise InputError(
                f"{label}: entry {shown}: unsafe name (absolute, '..', ':', '\\\\' or a control character)"
            )
        kind = _kind(info)
        if kind is None:
            raise InputError(f"{label}: entry {shown}: {_describe_kind(info)} is not unpacked")
        if info.flag_bits & 0x1:
            raise InputError(f"{label}: entry {shown}: encrypted")
        key = str(path).casefold()  # two names one case-insensitive file system would merge
        if kind == "file" and key in seen:
            raise InputError(f"{label}: entry {shown}: appears twice")
        seen.add(key)
        plan.append((info, path, kind))
    return plan


def extract(zip_path: Path, dest: Path, label: str, limits: Limits = Limits()) -> list[PurePosixPath]:
    """Unpack zip_path into dest (created; must not exist yet). Returns the files written,
    relative to dest. On any refusal dest is removed and InputError raised."""
    dest.mkdir(parents=True)
    try:
        return _open_and_unpack(zip_path, dest, label, limits)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _open_and_unpack(zip_path: Path, dest: Path, label: str, limits: Limits) -> list[PurePosixPath]:
    declared = declared_entries(zip_path)
    if declared is not None and declared > limits.entries:
        raise InputError(f"{label}: more than {limits.entries:,} entries ({declared:,})")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{label}: not a zip file ({str(exc)[:100]})") from None
    with archive:
        return _unpack(archive, dest, label, limits)


def _unpack(archive: zipfile.ZipFile, dest: Path, label: str, limits: Limits) -> list[PurePosixPath]:
    total = 0
    written = []
    for info, path, kind in _plan(archive, label, limits):
        target = dest.joinpath(*path.parts)
        size = 0
        try:
            if kind == "dir":
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where a folder must go
            raise InputError(f"{label}: entry {_shown(info.filename)}: cannot be written ({exc.strerror})") from None
        try:
            with archive.open(info) as source, target.open("xb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > limits.file_bytes:
                        raise InputError(
                            f"{label}: entry {_shown(info.filename)}: inflates past {limits.file_bytes:,} bytes"
                        )
                    if total > limits.total_bytes:
                        raise InputError(f"{label}: inflates past {limits.total_bytes:,} bytes in all")
                    out.write(chunk)
        except FileExistsError:
            raise InputError(f"{label}: entry {_shown(info.filename)}: a file of that name is already there") from None
        except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, zlib.error) as exc:
            raise InputError(f"{label}: entry {_shown(info.filename)}: corrupt ({str(exc)[:100]})") from None
        except OSError as exc:  # a name the file system refuses
            raise InputError(f"{label}: entry {_shown(info.filename)}: cannot be written ({exc.strerror})") from None
        written.append(path)
    return written


def merge(staged: Path, dest: Path, label: str) -> None:
    """Move one unpacked artifact's files into dest, as download-artifact's merge-multiple lays
    them out. A file another artifact already put there is a refusal, not an overwrite."""
    files = sorted(p for p in staged.rglob("*") if p.is_file())
    for source in files:
        relative = source.relative_to(staged)
        if (dest / relative).exists():
            raise InputError(f"{label}: {relative.as_posix()!r} is also in another artifact")
    for source in files:
        target = dest / source.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
    shutil.rmtree(staged, ignore_errors=True)
