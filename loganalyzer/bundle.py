"""Open a support bundle safely and list its members: (path inside the bundle, bytes).

A bundle is a folder, a ``.zip``, a ``.tar`` / ``.tar.gz`` / ``.tgz``, a single ``.gz`` file or a
single log file. Archives inside it (the agent collector's ``logs.zip`` and its
``history/*.zip``, rotated ``waagent.log.1.gz``) are opened in place, in memory: nothing is
ever extracted to disk, so no member path can escape the bundle. On top of that:

- a member name with ``..`` that climbs above the bundle root is refused (``unsafe-path``);
- symbolic links are read only when they point inside the bundle (``link-outside``,
  ``link-loop`` otherwise);
- every decompression is bounded per member, in total, and by compression ratio
  (:class:`Limits`); past a bound the member becomes an ``oversized`` or ``bomb`` problem;
- a truncated or damaged archive member keeps what could be read and adds a problem.

Member names are cleaned, shown and mapped to VM paths by :mod:`loganalyzer.member_paths`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .events import Problem
from .member_paths import display_name, normalise_member_name, vm_path

__all__ = ["Limits", "Member", "display_name", "iter_members", "normalise_member_name", "vm_path"]

MiB = 1024 * 1024
_CHUNK = MiB
HEAD_BYTES = 8192


@dataclass(frozen=True)
class Limits:
    """Bounds on what a bundle may make us read (all configurable by the caller)."""

    #: bytes of one member after decompression: an archive past it is cut (its head kept), a
    #: text file keeps its newest part (its tail)
    max_member_bytes: int = 256 * MiB
    #: bytes read from the whole bundle after decompression
    max_total_bytes: int = 4096 * MiB
    #: decompressed/compressed ratio above which a member is taken for a bomb (past 1 MiB)
    max_ratio: float = 200.0
    #: archives inside archives
    max_depth: int = 4
    #: members listed in one bundle
    max_members: int = 200_000
    #: bytes of text handed to the parsers for the whole bundle: parsed events take many times
    #: their text in memory, so this bounds the memory of a read (past it, files are dropped,
    #: each named in an ``oversized`` problem)
    max_text_bytes: int = 128 * MiB


@dataclass(frozen=True)
class Member:
    #: where the member is, as a person would find it (``logs.zip/var/log/waagent.log``)
    file: str
    #: the path from the VM root (``var/log/waagent.log``)
    path: str
    data: bytes
    #: cut short by the collector or by a bound
    truncated: bool = False


class _Budget:
    """Total bytes left for the bundle; shared by nested archives."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.max_total_bytes
        self.members = 0
        self.exhausted = False
        self.text_left = limits.max_text_bytes


_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")


def _archive_base(name: str) -> str:
    """Where an archive's members sit on the VM when their own names carry no VM root:
    ``var/lib/waagent/history/2024-05-30T13-15-40__2.zip`` holds ``GoalState.xml`` of the folder
    ``var/lib/waagent/history/2024-05-30T13-15-40__2``."""
    path, _ = vm_path(_strip_compression_suffix(name))
    for suffix in (".zip", ".tar"):
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
    return path if "/" in path else ""


def _is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _is_tar(head: bytes) -> bool:
    return len(head) > 262 and head[257:262] == b"ustar"


def _looks_like_archive(head: bytes) -> bool:
    """An archive or compressed stream, which is cut at its head rather than its tail."""
    return _is_zip(head) or _is_tar(head) or head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00"


class _GzipStream(io.RawIOBase):
    """Gzip decompression that hands out every byte it could decode before a break.

    :class:`gzip.GzipFile` raises on a truncated stream and loses the last decoded block; a
    support engineer wants every line that survived. Concatenated gzip members are read in turn.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._inflater = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._error: BaseException | None = None
        self._done = False
        self._mid_member = False

    def readable(self) -> bool:
        return True

    def _fill(self, want: int) -> None:
        while len(self._pending) < want and not self._done and self._error is None:
            compressed = self._raw.read(64 * 1024)
            if not compressed:
                if self._mid_member:
                    self._error = EOFError("compressed file ended before the end-of-stream marker")
                self._done = True
                return
            try:
                while compressed:
                    self._mid_member = True
                    self._pending += self._inflater.decompress(compressed)
                    if not self._inflater.eof:
                        break
                    self._mid_member = False
                    # the next gzip member, if any, after padding
                    compressed = self._inflater.unused_data.lstrip(b"\x00")
                    self._inflater = zlib.decompressobj(wbits=31)
            except zlib.error as error:
                self._error = error

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        self._fill(want)
        if not self._pending and self._error is not None:
            error, self._error = self._error, None
            raise error
        out, self._pending = self._pending[:want], self._pending[want:]
        return out


def _is_compressed_tar(handle: BinaryIO, head: bytes) -> bool:
    opener = _compression("", head)
    if opener is None:
        return False
    try:
        with opener(handle) as stream:
            return _is_tar(stream.read(512))
    except (EOFError, OSError, zlib.error, lzma.LZMAError):
        return False


def _compression(name: str, head: bytes):
    lowered = name.lower()
    if head[:2] == b"\x1f\x8b":
        return _GzipStream
    if head[:3] == b"BZh" and lowered.endswith((".bz2", ".tbz2")):
        return bz2.BZ2File
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile
    return None


def _strip_compression_suffix(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith((".tgz", ".tbz2", ".txz")):
        return name[: -4] + ".tar"
    for suffix in _COMPRESSED_SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


class _Walker:
    def __init__(self, limits: Limits) -> None:
        self.budget = _Budget(limits)
        self.limits = limits

    # -- reading bytes with bounds -------------------------------------------------------------

    def _bounded_read(
        self,
        stream: BinaryIO,
        file: str,
        compressed_size: int | Callable[[], int] | None,
        tail: bool = True,
    ) -> tuple[bytes, list[Problem], bool]:
        """Read a stream within the member, total and ratio bounds; keep what was read on error.

        ``compressed_size`` is the member's compressed size, or a callable giving the compressed
        bytes consumed so far (a zip whose directory lies, a tar.gz member). Past the member
        bound, a text member (``tail`` and not an archive) is read to its end keeping only its
        newest ``max_member_bytes`` (the tail, from a line start); an archive keeps its head.
        """
        member_limit = self.limits.max_member_bytes
        chunks: deque[bytes] = deque()
        kept = total = 0
        dropped_last = b"\n"
        problems: list[Problem] = []
        cut = False
        keep_tail: bool | None = None if tail else False
        while True:
            want = _CHUNK if keep_tail else min(_CHUNK, member_limit + 1 - kept)
            want = max(1, min(want, self.budget.left - total + 1))
            try:
                chunk = stream.read(want)
            except (EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError, OSError, zipfile.BadZipFile) as error:
                kind = "truncated" if isinstance(error, EOFError) else "damaged"
                problems.append(Problem(file, kind, f"compressed data ends or breaks after {total} bytes: {error}"))
                cut = True
                break
            if not chunk:
                break
            if keep_tail is None:
                keep_tail = not _looks_like_archive(chunk)
            chunks.append(chunk)
            kept += len(chunk)
            total += len(chunk)
            consumed = compressed_size() if callable(compressed_size) else compressed_size
            if consumed is not None and total > MiB and total / max(1, consumed) > self.limits.max_ratio:
                problems.append(
                    Problem(
                        file,
                        "bomb",
                        f"expands more than {self.limits.max_ratio:g} times its compressed size "
                        f"({consumed} bytes read for {total} bytes out); not read",
                    )
                )
                self.budget.left -= total
                return b"", problems, True
            if total > self.budget.left:
                excess = total - self.budget.left
                chunks[-1] = chunk[: len(chunk) - excess]
                kept -= excess
                self.budget.exhausted = True
                problems.append(
                    Problem(file, "oversized", f"the bundle's total read bound ({self.limits.max_total_bytes} bytes) was reached; the rest of this file and of the bundle is not read")
                )
                cut = True
                break
            if kept > member_limit:
                if not keep_tail:
                    chunks[-1] = chunk[: len(chunk) - (kept - member_limit)]
                    kept = member_limit
                    problems.append(
                        Problem(file, "oversized", f"larger than {member_limit} bytes; only the first {member_limit} bytes are read")
                    )
                    cut = True
                    break
                while kept - len(chunks[0]) >= member_limit:
                    dropped_last = chunks[0][-1:]
                    kept -= len(chunks.popleft())
        data = b"".join(chunks)
        if len(data) > member_limit:  # the tail of a text member: its newest lines, from a line start
            data, dropped_last = data[len(data) - member_limit :], data[len(data) - member_limit - 1 : len(data) - member_limit]
        if total > len(data) and keep_tail and not cut:
            if dropped_last != b"\n":
                newline = data.find(b"\n")
                if 0 <= newline < len(data) - 1:
                    data = data[newline + 1 :]
            problems.append(
                Problem(
                    file,
                    "oversized",
                    f"larger than {member_limit} bytes ({total} bytes); only its last {len(data)} bytes (the newest "
                    f"lines) are read, the first {total - len(data)} bytes are not",
                )
            )
            cut = True
        self.budget.left -= total
        return data, problems, cut

    # -- walking ---------------------------------------------------------------------------------

    def member(
        self, file: str, name: str, data: bytes, depth: int, truncated: bool = False, base: str = ""
    ) -> Iterator[Member | Problem]:
        """One file found in the bundle: an archive to open, a compressed file, or a member."""
        head = data[:HEAD_BYTES]
        lowered = name.lower()
        if _is_zip(head) and (lowered.endswith(".zip") or depth == 0 or not lowered.endswith((".docx", ".xlsx", ".jar"))):
            yield from self.archive(file, io.BytesIO(data), len(data), depth + 1, _archive_base(name))
            return
        opener = _compression(name, head)
        if opener is not None:
            inner_name = _strip_compression_suffix(name)
            inner_file = _strip_compression_suffix(file)
            with opener(io.BytesIO(data)) as stream:
                inner, problems, cut = self._bounded_read(stream, file, len(data))
            yield from problems
            if any(p.kind == "bomb" for p in problems):
                return
            yield from self.member(inner_file, inner_name, inner, depth, truncated or cut, base)
            return
        if _is_tar(head):
            yield from self.archive(file, io.BytesIO(data), len(data), depth + 1, _archive_base(name))
            return
        if lowered.endswith(_ARCHIVE_SUFFIXES + _COMPRESSED_SUFFIXES) and data:
            yield Problem(file, "not-recognised", "named like an archive but its bytes are not one; read as a plain file")
        path, collector_cut = vm_path(name, base)
        if len(data) > self.budget.text_left:
            left = max(0, self.budget.text_left)
            bound = self.limits.max_text_bytes
            if left < min(MiB, len(data)):
                self.budget.text_left = 0
                yield Problem(file, "oversized", f"not read: the bundle's text bound ({bound} bytes) was reached before this file ({len(data)} bytes)")
                return
            newline = data.find(b"\n", len(data) - left)
            data = data[newline + 1 if 0 <= newline < len(data) - 1 else len(data) - left :]
            truncated = True
            yield Problem(file, "oversized", f"only its last {len(data)} bytes (the newest lines) are read: the bundle's text bound ({bound} bytes) was reached")
        self.budget.text_left -= len(data)
        yield Member(file=file, path=path, data=data, truncated=truncated or collector_cut)

    def archive(
        self, file: str, stream: BinaryIO, size: int, depth: int, base: str = ""
    ) -> Iterator[Member | Problem]:
        if depth > self.limits.max_depth:
            yield Problem(file, "oversized", f"archive nested deeper than {self.limits.max_depth} levels; not opened")
            return
        head = stream.read(HEAD_BYTES)
        stream.seek(0)
        if _is_zip(head):
            yield from self._zip(file, stream, depth, base)
        else:
            yield from self._tar(file, stream, depth, base)

    def _count(self, shown: str) -> tuple[list[Problem], bool]:
        """Count one more member against the bounds: (problems to report, stop reading)."""
        self.budget.members += 1
        problems = []
        if self.budget.members == self.limits.max_members + 1:
            problems.append(Problem(shown, "oversized", f"more than {self.limits.max_members} members; the rest are not read"))
        return problems, self.budget.members > self.limits.max_members or self.budget.exhausted

    def _admit(self, file: str, raw_name: str) -> tuple[str | None, str, list[Problem], bool]:
        """Check one archive member before it is read: its name, then the bounds.

        Returns the clean name (None when refused), the name shown to users, the problems to
        report, and whether to stop reading the archive.
        """
        name, note = normalise_member_name(raw_name)
        if name is not None:
            name = display_name(name)
        if name is None:
            shown = f"{file}/{display_name(raw_name)}"
            return None, shown, [Problem(shown, "unsafe-path", note or "unsafe member path")], False
        shown = f"{file}/{name}"
        problems, stop = self._count(shown)
        if note:
            problems.insert(0, Problem(shown, "unsafe-path", note))
        return name, shown, problems, stop

    def _zip(self, file: str, stream: BinaryIO, depth: int, base: str) -> Iterator[Member | Problem]:
        names_in_cp437 = False
        try:
            try:
                archive = zipfile.ZipFile(stream)
            except UnicodeDecodeError:
                # a name flagged UTF-8 that is not: read every name as bytes instead (one bad
                # name must not cost the whole archive)
                archive = zipfile.ZipFile(io.BytesIO(_without_utf8_flags(stream, self.limits.max_member_bytes)))
                names_in_cp437 = True
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            stream.seek(0)
            if stream.read(4) == b"PK\x03\x04" and "not a zip file" in str(error).lower():
                yield Problem(file, "truncated", "the zip archive was cut short: its central directory (the list of its "
                              "files, at its end) is missing, so none of its files can be read")
            else:
                yield Problem(file, "unreadable", f"not a readable zip archive: {error}")
            return
        with archive:
            for info in infos:
                if info.is_dir():
                    continue
                raw_name = info.filename
                if names_in_cp437:
                    raw_name = raw_name.encode("cp437").decode("utf-8", "surrogateescape")
                name, shown, problems, stop = self._admit(file, raw_name)
                yield from problems
                if stop:
                    return
                if name is None:
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    yield Problem(shown, "link-outside", "symbolic link stored in a zip; links in archives are not followed")
                    continue
                try:
                    with archive.open(info) as member_stream:
                        # the compressed bytes really consumed: a central directory may lie about the size
                        data, problems, cut = self._bounded_read(member_stream, shown, _zip_consumed(member_stream, info))
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError, EOFError, zlib.error) as error:
                    yield Problem(shown, "unreadable", f"cannot read this zip member: {error}")
                    continue
                yield from problems
                if any(p.kind == "bomb" for p in problems):
                    continue
                yield from self.member(shown, name, data, depth, cut, base)

    def _tar(self, file: str, stream: BinaryIO, depth: int, base: str) -> Iterator[Member | Problem]:
        counted = _CountingReader(stream)
        try:
            archive = tarfile.open(fileobj=counted, mode="r:*")
        except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as error:
            yield Problem(file, "unreadable", f"not a readable archive: {error}")
            return
        #: regular members and links by clean name, folders: links are resolved against them
        #: once the archive has been walked (a symbolic link may point forward)
        files: dict[str, tarfile.TarInfo] = {}
        links: dict[str, str] = {}
        pending: list[tuple[str, str]] = []
        folders: set[str] = set()
        with archive:
            while True:
                try:
                    info = archive.next()
                except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as error:
                    yield Problem(file, "truncated", f"archive ends or breaks early: {error}")
                    break
                if info is None:
                    break
                if info.isdir():
                    clean, _ = normalise_member_name(info.name)
                    if clean:
                        folders.add(display_name(clean))
                    continue
                name, shown, problems, stop = self._admit(file, info.name)
                yield from problems
                if stop:
                    return
                if name is None:
                    continue
                if info.issym() or info.islnk():
                    target, reason = _tar_link_target(name, info)
                    if target is None:
                        yield Problem(shown, "link-outside", reason)
                    else:
                        links[name] = target
                        pending.append((name, shown))
                    continue
                if not info.isfile():
                    yield Problem(shown, "unreadable", f"{_tar_type(info)} stored in the archive, not a file; not read")
                    continue
                files[name] = info
                yield from self._tar_member(archive, counted, info, file, shown, name, depth, base)
            for name, shown in pending:
                target, problem = _resolve_link(name, links, files, folders)
                if problem is not None:
                    yield Problem(shown, *problem)
                elif target is not None:
                    yield from self._tar_member(archive, counted, files[target], file, shown, name, depth, base)

    def _tar_member(
        self, archive: tarfile.TarFile, counted: _CountingReader, info: tarfile.TarInfo,
        file: str, shown: str, name: str, depth: int, base: str,
    ) -> Iterator[Member | Problem]:
        """One regular member of a tar (or a link read as its target), with the ratio checked
        against the compressed bytes consumed while it was read."""
        try:
            member_stream = archive.extractfile(info)
        except (KeyError, tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as error:
            yield Problem(shown, "unreadable", f"cannot read: {error}")
            return
        if member_stream is None:
            return
        start = counted.consumed
        data, problems, cut = self._bounded_read(member_stream, shown, lambda: counted.consumed - start)
        yield from problems
        if any(p.kind == "bomb" for p in problems):
            return
        yield from self.member(shown, name, data, depth, cut, base)

    def directory(self, root: Path) -> Iterator[Member | Problem]:
        real_root = root.resolve()
        for folder, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            here = Path(folder)
            for dirname in list(dirnames):
                candidate = here / dirname
                if candidate.is_symlink():
                    relative = display_name(candidate.relative_to(root).as_posix())
                    problem = _link_problem(candidate, real_root, relative)
                    if problem is not None:
                        yield problem
                    # Links inside the bundle point at folders we walk anyway.
            for filename in sorted(filenames):
                candidate = here / filename
                relative = display_name(candidate.relative_to(root).as_posix())
                problems, stop = self._count(relative)
                yield from problems
                if stop:
                    return
                if candidate.is_symlink():
                    problem = _link_problem(candidate, real_root, relative)
                    if problem is not None:
                        yield problem
                        continue
                try:
                    with _open_regular(candidate) as handle:
                        data, problems, cut = self._bounded_read(handle, relative, None)
                except _NotRegular as error:
                    yield Problem(relative, "unreadable", f"{error}; not read")
                    continue
                except OSError as error:
                    yield Problem(relative, "unreadable", f"cannot read: {error.strerror or error}")
                    continue
                yield from problems
                yield from self.member(relative, relative, data, 0, cut)


class _NotRegular(OSError):
    """A FIFO, device or socket where a file was expected."""


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (after links).

    The open never blocks: a FIFO with no writer would hang a plain ``open`` for ever, so the
    file is opened non-blocking and checked with ``fstat`` on the opened descriptor (no window
    for a swap between a check and the open). Raises :class:`_NotRegular` for anything else.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(f"{_file_type(mode)}, not a file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _link_problem(link: Path, real_root: Path, shown: str) -> Problem | None:
    try:
        target = link.resolve(strict=True)
    except RuntimeError:
        return Problem(shown, "link-loop", "symbolic link loop; not followed")
    except OSError as error:
        if error.errno == 40:  # ELOOP
            return Problem(shown, "link-loop", "symbolic link loop; not followed")
        return Problem(shown, "unreadable", f"broken symbolic link: {error.strerror or error}")
    if target != real_root and real_root not in target.parents:
        return Problem(shown, "link-outside", "symbolic link points outside the bundle; not followed")
    return None


def _tar_link_target(name: str, info: tarfile.TarInfo) -> tuple[str | None, str]:
    if info.islnk():
        target, _ = normalise_member_name(info.linkname)
        return (target, "") if target else (None, f"hard link outside the archive: {info.linkname!r}")
    if info.linkname.startswith(("/", "\\")):
        return None, f"symbolic link to an absolute path outside the bundle: {info.linkname!r}"
    joined = str(PurePosixPath(name).parent / info.linkname)
    target, _ = normalise_member_name(joined)
    if target is None:
        return None, f"symbolic link points outside the bundle: {info.linkname!r}"
    return target, ""


class _CountingReader(io.RawIOBase):
    """A seekable binary stream that counts the bytes read from it (the compressed bytes a
    tar.gz consumed), so that decompression ratios can be checked per member."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _without_utf8_flags(stream: BinaryIO, bound: int) -> bytes:
    """The bytes of a zip with the "names are UTF-8" flag cleared in its central directory, so
    that :mod:`zipfile` reads every name (cp437 maps any byte) instead of refusing the archive.
    Copies the archive in memory, so only one within ``bound`` bytes."""
    if stream.seek(0, os.SEEK_END) > bound:
        raise zipfile.BadZipFile(f"a member name is not UTF-8, and the archive is too large (over {bound} bytes) to repair")
    stream.seek(0)
    data = bytearray(stream.read())
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 66_000))
    if end < 0:
        raise zipfile.BadZipFile("no end of central directory")
    count, _, offset = struct.unpack("<HII", data[end + 10 : end + 20])
    position = offset
    for _ in range(count):
        if data[position : position + 4] != b"PK\x01\x02":
            break
        flags = struct.unpack("<H", data[position + 8 : position + 10])[0]
        data[position + 8 : position + 10] = struct.pack("<H", flags & ~0x800)
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[position + 28 : position + 34])
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def _zip_consumed(stream, info: zipfile.ZipInfo) -> Callable[[], int]:
    """The compressed bytes a zip member's decompressor has really taken so far: what was read
    from the archive less what waits unread in the decompressor. A central directory that
    claims a larger compressed size than the real stream so cannot hide a bomb."""

    def consumed() -> int:
        fed = info.compress_size - getattr(stream, "_compress_left", 0)
        decompressor = getattr(stream, "_decompressor", None)
        waiting = len(getattr(decompressor, "unconsumed_tail", b"") or b"") + len(getattr(decompressor, "unused_data", b"") or b"")
        return max(1, fed - waiting)

    return consumed


def _tar_type(info: tarfile.TarInfo) -> str:
    if info.isfifo():
        return "a FIFO (named pipe)"
    if info.ischr():
        return "a character device"
    if info.isblk():
        return "a block device"
    return f"an entry of type {info.type!r}"


def _resolve_link(
    name: str, links: dict[str, str], files: dict[str, tarfile.TarInfo], folders: set[str]
) -> tuple[str | None, tuple[str, str] | None]:
    """Where a link of a tar ends: (regular member, None), (None, None) for a folder (its
    members are read anyway), or (None, (kind, message)) for a loop or a missing target."""
    seen = {name}
    target = links[name]
    while target in links:
        if target in seen:
            return None, ("link-loop", f"links in a loop ({' -> '.join(sorted(seen))}); not followed")
        seen.add(target)
        target = links[target]
    if target in files:
        return target, None
    prefix = target + "/"
    if target in folders or any(other.startswith(prefix) for other in files):
        return None, None
    return None, ("unreadable", f"link to {target!r}, which is not in the archive; not read")


def iter_members(path: str | os.PathLike[str], limits: Limits | None = None) -> Iterator[Member | Problem]:
    """Every member of the bundle at ``path`` and every problem met on the way, in bundle order.

    Raises :class:`FileNotFoundError` when ``path`` does not exist and :class:`PermissionError`
    when it cannot be opened; everything inside the bundle becomes a :class:`Problem` instead.
    """
    root = Path(path)
    walker = _Walker(limits or Limits())
    if root.is_dir():
        yield from walker.directory(root)
        if walker.budget.members == 0:
            yield Problem(display_name(root.name) or ".", "not-recognised", "the folder holds no files: nothing to read")
        return
    try:
        handle = _open_regular(root)  # raises for a missing or unreadable path
    except _NotRegular:
        # a pipe (``<(cat bundle.zip)``) or a device: read it once, within the bounds, never
        # waiting for a writer that does not exist
        yield from _stream_bundle(walker, root)
        return
    with handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        name = display_name(root.name)
        if _is_zip(head) or _is_tar(head) or _is_compressed_tar(handle, head):
            # read lazily from disk: a large tarball is never held in memory whole
            handle.seek(0)
            yield from walker.archive(name, handle, root.stat().st_size, 1)
            return
        handle.seek(0)
        data, problems, cut = walker._bounded_read(handle, name, None)
    yield from problems
    yield from walker.member(name, name, data, 0, cut)


def _stream_bundle(walker: _Walker, root: Path) -> Iterator[Member | Problem]:
    """A bundle path that is a pipe or a device: its bytes read once, up to the bounds."""
    descriptor = os.open(root, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if stat.S_ISFIFO(os.fstat(descriptor).st_mode) and hasattr(os, "set_blocking"):
            # a pipe with no writer reads as empty; one with a writer is waited for like a file
            os.set_blocking(descriptor, True)
        name = display_name(root.name)
        data, problems, cut = walker._bounded_read(handle, name, None, tail=False)
    yield from problems
    yield from walker.member(name, name, data, 0, cut)
