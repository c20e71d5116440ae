"""iter_documents: files, directories, zip members, gzip, standard input, errors."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import pytest

from kg_builder.errors import InputError
from kg_builder.sources.inputs import STDIN_NAME, iter_documents

A = b'{"a": 1}'
B = b'{"b": 2}'


def _read(doc) -> bytes:
    with doc.open() as stream:
        return stream.read()


def test_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(A)
    (doc,) = iter_documents([path])
    assert doc.name == str(path)
    assert _read(doc) == A
    assert _read(doc) == A  # every open is a fresh stream
    assert doc.head(3) == A[:3]


def test_directory_sorted_recursive_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.json").write_bytes(B)
    (tmp_path / "a.json").write_bytes(A)
    (tmp_path / ".hidden.json").write_bytes(A)
    (tmp_path / ".git" / "x.json").write_bytes(A)
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(B))
    docs = list(iter_documents([str(tmp_path)]))
    names = [Path(d.name).relative_to(tmp_path).as_posix() for d in docs]
    assert names == ["a.json", "c.json.gz", "b/2.json"]
    assert [_read(d) for d in docs] == [A, B, B]


def test_zip_members_named_and_lazy(tmp_path: Path) -> None:
    path = tmp_path / "batch.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("z/NCT2.json", B)
        archive.writestr("NCT1.json", A)
        archive.writestr("__MACOSX/._NCT1.json", b"junk")
        archive.writestr("inner.json.gz", gzip.compress(A))
        archive.writestr("dir/", b"")
    docs = list(iter_documents([path]))
    assert [d.name for d in docs] == [f"{path}!NCT1.json", f"{path}!inner.json.gz", f"{path}!z/NCT2.json"]
    assert [_read(d) for d in docs] == [A, A, B]
    # opening a member twice works and leaves no archive handle behind
    assert docs[2].head(4) == B[:4]


def test_zip_detected_by_magic_and_bad_zip(tmp_path: Path) -> None:
    path = tmp_path / "noext"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("m.json", A)
    assert [d.name for d in iter_documents([path])] == [f"{path}!m.json"]
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match="zip"):
        list(iter_documents([bad]))


def test_gzip_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "page.json.gz"
    path.write_bytes(gzip.compress(A + b"\n" + B))
    (doc,) = iter_documents([path])
    assert doc.name == str(path)
    assert _read(doc) == A + b"\n" + B


def test_stdin_spooled_and_reopenable() -> None:
    (doc,) = iter_documents(["-"], stdin=io.BytesIO(A))
    assert doc.name == STDIN_NAME
    assert _read(doc) == A
    assert _read(doc) == A


def test_stdin_gzip_by_magic() -> None:
    (doc,) = iter_documents(["-"], stdin=io.BytesIO(gzip.compress(B)))
    assert _read(doc) == B


def test_missing_path_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        list(iter_documents([tmp_path / "nope.json"]))
    assert "nope.json" in str(info.value)
    assert info.value.hint


def test_documents_before_a_missing_path_are_yielded(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(A)
    docs = iter_documents([tmp_path / "a.json", tmp_path / "missing"])
    assert _read(next(docs)) == A
    with pytest.raises(InputError):
        next(docs)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_bytes(A)
    path.chmod(0)
    try:
        with pytest.raises(InputError, match=r"secret\.json"):
            list(iter_documents([path]))
    finally:
        path.chmod(0o600)


def test_permission_error_is_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same as above, also when tests run as root: the OS refusal is simulated."""
    from kg_builder.sources import inputs

    path = tmp_path / "secret.json"
    path.write_bytes(A)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(inputs, "open", refuse, raising=False)
    with pytest.raises(InputError, match="Permission denied") as info:
        list(iter_documents([path]))
    assert "secret.json" in str(info.value)


def test_file_removed_after_listing_is_input_error_on_open(tmp_path: Path) -> None:
    path = tmp_path / "gone.json"
    path.write_bytes(A)
    (doc,) = iter_documents([path])
    path.unlink()
    with pytest.raises(InputError, match=r"gone\.json"):
        doc.open()


def test_real_directory_lists_every_record(shared_data: Path) -> None:
    folder = shared_data / "ctgov-json"
    docs = list(iter_documents([folder]))
    assert len(docs) == len(list(folder.glob("*.json")))
    assert [d.name for d in docs] == sorted(d.name for d in docs)
