"""Turn the user's input arguments into :class:`SourceDocument` objects.

Each argument may be a file, a directory (walked recursively in sorted order,
hidden entries skipped), a zip archive (each member is a document named
``archive.zip!member``), a gzip file (its decompressed stream), or ``-`` for
standard input (spooled to a temporary file so it can be opened twice).
Archives and compressed files are recognised by extension or by magic bytes.

Documents are opened lazily: ``doc.open()`` returns a fresh stream each time and
nothing is read into memory here beyond a few magic bytes and zip directories.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from kg_builder.errors import InputError
from kg_builder.sources.base import SourceDocument

STDIN_NAME = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_HINT_PATH = "check the path and its permissions; use - to read standard input"


def iter_documents(
    paths: Iterable[str | Path], *, stdin: IO[bytes] | None = None
) -> Iterator[SourceDocument]:
    """Yield the documents behind ``paths`` in order; raise InputError for a path that cannot be read."""
    for raw in paths:
        if str(raw) == "-":
            spooled = _spool(stdin if stdin is not None else sys.stdin.buffer)
            yield from _expand_file(spooled, STDIN_NAME)
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield from _expand_file(path, str(raw))
        else:
            raise InputError(f"no such file or directory: {raw}", hint=_HINT_PATH)


def _walk(root: Path) -> Iterator[SourceDocument]:
    def fail(error: OSError) -> None:
        raise InputError(f"cannot read directory {error.filename}: {error.strerror}", hint=_HINT_PATH)

    for folder, dirs, files in os.walk(root, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # in place: os.walk honours it
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(folder, name)
                yield from _expand_file(path, str(path))


def _expand_file(path: Path, name: str) -> Iterator[SourceDocument]:
    magic = _magic(path, name)
    lower = name.lower()
    if lower.endswith(".zip") or magic == _ZIP_MAGIC:
        yield from _zip_members(path, name)
    elif lower.endswith(".gz") or magic[:2] == _GZIP_MAGIC:
        yield SourceDocument(name, _opener(name, lambda: gzip.open(path, "rb")))  # noqa: SIM115
    else:
        yield SourceDocument(name, _opener(name, lambda: open(path, "rb")))  # noqa: SIM115


def _magic(path: Path, name: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(4)
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror or error}", hint=_HINT_PATH) from error


def _zip_members(path: Path, name: str) -> Iterator[SourceDocument]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                info.filename for info in archive.infolist()
                if not info.is_dir() and not _hidden_member(info.filename)
            )
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"cannot read zip archive {name}: {error}", hint="is it complete?") from error
    for member in members:
        member_name = f"{name}!{member}"
        yield SourceDocument(member_name, _opener(member_name, _member_opener(path, member)))


def _hidden_member(member: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in member.split("/"))


def _member_opener(path: Path, member: str) -> Callable[[], IO[bytes]]:
    def open_member() -> IO[bytes]:
        archive = zipfile.ZipFile(path)
        try:
            stream: IO[bytes] = archive.open(member)
        finally:
            archive.close()  # the member stream keeps the file open until it is closed itself
        if member.lower().endswith(".gz"):
            return _GzipMember(stream)
        return stream

    return open_member


class _GzipMember(gzip.GzipFile):
    """A gzip stream over a zip member that closes the member with itself."""

    def __init__(self, member: IO[bytes]) -> None:
        super().__init__(fileobj=member, mode="rb")
        self._member = member

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._member.close()


def _opener(name: str, open_stream: Callable[[], IO[bytes]]) -> Callable[[], IO[bytes]]:
    """``open_stream`` with OS errors (file gone, permissions changed) turned into InputError."""

    def open_checked() -> IO[bytes]:
        try:
            return open_stream()
        except (OSError, zipfile.BadZipFile, KeyError) as error:
            raise InputError(f"cannot open {name}: {error}", hint=_HINT_PATH) from error

    return open_checked


def _spool(stream: IO[bytes]) -> Path:
    """Copy standard input to a temporary file (removed at exit) so it can be opened twice."""
    fd, name = tempfile.mkstemp(prefix="kg_builder-stdin-")
    atexit.register(_remove, name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
    except OSError as error:
        raise InputError(f"cannot read standard input: {error}", hint="pipe a file into -") from error
    return Path(name)


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
