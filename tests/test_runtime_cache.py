"""The executor's content cache: blobs by key, a checksum on every record, git's stat index."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.runtime.cache import (
    CACHE_FORMAT,
    FILES_FORMAT,
    RACY_SECONDS,
    STALE_SECONDS,
    ContentCache,
    file_sha256,
)
from pipeline.runtime.memo import MEMO_FORMAT, decode, encode


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _saved(root: Path, entries: dict[str, bytes], namespace: str = "ns") -> ContentCache:
    cache = ContentCache(root, namespace)
    for key, blob in entries.items():
        cache.put(key, blob)
    cache.save()
    return ContentCache(root, namespace)


def test_a_stored_blob_comes_back_under_its_key_only(root):
    cache = _saved(root, {"a": b"alpha", "b": b"beta" * 1000})
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"alpha", b"beta" * 1000, None)
    assert (cache.hits, cache.misses) == (2, 1)


def test_another_namespace_never_sees_the_entries(root):
    _saved(root, {"a": b"alpha"})
    assert ContentCache(root, "other").get("a") is None


@pytest.mark.parametrize("where", ["pack", "journal"])
def test_a_one_byte_change_in_a_record_is_a_miss_not_a_wrong_answer(root, where):
    if where == "pack":
        _saved(root, {"a": b"alpha" * 100000, "b": b"beta"})  # big enough to be compacted into the pack
    else:
        _saved(root, {"x": b"x" * 5_000_000})  # a pack first, so that the next save appends
        _saved(root, {"a": b"alpha" * 10, "b": b"beta"})
    file = root / "ns" / where
    data = bytearray(file.read_bytes())
    at = data.index(b"beta")
    data[at] ^= 1
    file.write_bytes(bytes(data))
    cache = ContentCache(root, "ns")
    assert cache.get("b") is None
    assert cache.get("a") is not None  # the other record is still served


@pytest.mark.parametrize("damage", [b"", b"garbage", CACHE_FORMAT + b"\x00" * 7, b"OHSC9" + b"x" * 60])
def test_a_damaged_or_foreign_file_is_a_miss(root, damage):
    _saved(root, {"a": b"alpha" * 100000})
    (root / "ns" / "pack").write_bytes(damage)
    assert ContentCache(root, "ns").get("a") is None


def test_a_torn_last_record_loses_only_itself(root):
    _saved(root, {"x": b"x" * 5_000_000})
    _saved(root, {"a": b"alpha", "b": b"beta" * 50})
    journal = root / "ns" / "journal"
    journal.write_bytes(journal.read_bytes()[:-10])  # cut while appending
    cache = ContentCache(root, "ns")
    assert (cache.get("a"), cache.get("b")) == (b"alpha", None)


def test_small_saves_append_and_a_big_one_compacts_dropping_unused_entries(root):
    _saved(root, {"old": b"o" * 2_000_000})
    assert not (root / "ns" / "journal").exists()
    cache = _saved(root, {"new": b"n"})
    assert (root / "ns" / "journal").exists()
    assert cache.get("new") == b"n" and cache.get("old") is not None
    # a run that uses only "new" and adds a lot: the pack is rewritten with what that run used
    cache = ContentCache(root, "ns")
    cache.get("new")
    cache.put("big", b"b" * 3_000_000)
    cache.save()
    again = ContentCache(root, "ns")
    assert again.get("old") is None and again.get("new") == b"n" and again.get("big") == b"b" * 3_000_000
    assert not (root / "ns" / "journal").exists()


def test_an_unwritable_cache_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ContentCache(blocker / "cache", "ns")  # its folder cannot be made
    cache.put("a", b"alpha")
    cache.save()
    assert ContentCache(blocker / "cache", "ns").get("a") is None


def test_stale_namespaces_are_pruned_and_recent_ones_kept(root):
    _saved(root, {"a": b"1"}, namespace="old")
    _saved(root, {"a": b"1"}, namespace="recent")
    long_ago = time.time() - STALE_SECONDS - 10
    os.utime(root / "old", (long_ago, long_ago))
    ContentCache(root, "current")
    assert not (root / "old").exists() and (root / "recent").exists()


def _age(path: Path, seconds: float) -> None:
    """Move a file's mtime (and so, for the stat index, its stamp) into the past."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_stat_index_remembers_an_old_file_and_sees_any_rewrite(root, tmp_path, monkeypatch):
    file = tmp_path / "book.xlsx"
    file.write_bytes(b"version one")
    cache = ContentCache(root, "ns")
    assert cache.sha256(file) == file_sha256(file)
    # ctime cannot be set: let the racy window pass for the file instead
    monkeypatch.setattr("pipeline.runtime.cache.RACY_SECONDS", -3600.0)
    cache.save()
    hashed: list[str] = []
    real = file_sha256
    monkeypatch.setattr("pipeline.runtime.cache.file_sha256", lambda p: hashed.append(str(p)) or real(p))
    again = ContentCache(root, "ns")
    assert again.sha256(file) == real(file) and hashed == []  # from the index: not read at all
    file.write_bytes(b"version two")  # same size, new bytes: the stamp (mtime/ctime) changed
    assert again.sha256(file) == real(file) and len(hashed) == 1


def test_a_file_changed_just_before_the_save_is_hashed_again(root, tmp_path, monkeypatch):
    file = tmp_path / "book.xlsx"
    file.write_bytes(b"fresh")
    cache = ContentCache(root, "ns")
    cache.sha256(file)
    cache.save()  # within RACY_SECONDS of the file's change: not remembered
    assert RACY_SECONDS > 0
    hashed: list[str] = []
    real = file_sha256
    monkeypatch.setattr("pipeline.runtime.cache.file_sha256", lambda p: hashed.append(str(p)) or real(p))
    ContentCache(root, "ns").sha256(file)
    assert hashed == [os.path.abspath(file)]


def test_a_damaged_stat_index_is_ignored(root, tmp_path, monkeypatch):
    file = tmp_path / "book.xlsx"
    file.write_bytes(b"data")
    monkeypatch.setattr("pipeline.runtime.cache.RACY_SECONDS", -3600.0)
    cache = ContentCache(root, "ns")
    cache.sha256(file)
    cache.save()
    index = root / "files.bin"
    data = bytearray(index.read_bytes())
    data[-3] ^= 0xFF
    index.write_bytes(bytes(data))
    hashed: list[str] = []
    real = file_sha256
    monkeypatch.setattr("pipeline.runtime.cache.file_sha256", lambda p: hashed.append(str(p)) or real(p))
    assert ContentCache(root, "ns").sha256(file) == real(file) and len(hashed) == 1


# ---------------------------------------------------------------------------------------------
# A damaged cache during a real run: every entry read back from disk is checksummed before it is
# unmarshalled or parsed, so one changed byte anywhere costs a re-read, never a wrong output


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture
def primed(tmp_path, data_dir, make_reference, make_workbook, monkeypatch):
    """A run's outputs and the cache it left: facts in the pack, stamps in files.bin, the output memo."""
    from _validation_helpers import good_office

    from pipeline.run import open_cache, run

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the period workbooks' 制表时间: same bytes every run
    monkeypatch.setattr("pipeline.runtime.cache.RACY_SECONDS", -3600.0)  # remember the files just written
    make_reference()
    for office in ("BJ01", "SH01"):
        good_office(make_workbook, "2026Q1", office)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = run(data_dir, out, cache=open_cache(root=cache))
    pristine = tmp_path / "pristine-cache"
    shutil.copytree(cache, pristine)

    def again(damage: Callable[[Path], None] | None = None):
        shutil.rmtree(cache)
        shutil.copytree(pristine, cache)
        if damage:
            damage(cache)
        return run(data_dir, out, cache=open_cache(root=cache))

    return SimpleNamespace(out=out, outputs=_outputs(out), files=len(first.results.dataset.workbooks), again=again)


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x41
    path.write_bytes(bytes(data))


def _one(cache: Path, pattern: str) -> Path:
    (found,) = cache.glob(pattern)
    return found


# positions: the magic, a record's key digest, length and checksum, its blob's first, middle and last byte
PACK_AT = [0, len(CACHE_FORMAT), len(CACHE_FORMAT) + 16, len(CACHE_FORMAT) + 20, len(CACHE_FORMAT) + 52, "middle", -1]


@pytest.mark.parametrize("at", PACK_AT)
def test_a_changed_byte_in_the_facts_pack_is_read_again_with_identical_outputs(primed, at):
    undamaged = primed.again()
    assert undamaged.parsed == 0 and _outputs(primed.out) == primed.outputs

    def damage(cache: Path) -> None:
        pack = _one(cache, "*/pack")
        _flip(pack, pack.stat().st_size // 2 if at == "middle" else at)

    outcome = primed.again(damage)
    assert outcome.parsed >= 1  # the damaged record (or every record, for the magic) read again
    assert _outputs(primed.out) == primed.outputs


@pytest.mark.parametrize("at", [0, len(FILES_FORMAT) + 3, len(FILES_FORMAT) + 32, "middle", -1])
def test_a_changed_byte_in_the_stat_index_hashes_again_with_identical_outputs(primed, at, monkeypatch):
    hashed: list[str] = []
    real = file_sha256
    monkeypatch.setattr("pipeline.runtime.cache.file_sha256", lambda p: hashed.append(str(p)) or real(p))

    def damage(cache: Path) -> None:
        index = cache / "files.bin"
        _flip(index, index.stat().st_size // 2 if at == "middle" else at)

    outcome = primed.again(damage)
    assert len(hashed) >= primed.files and outcome.parsed == 0  # hashed again, then found in the pack
    assert _outputs(primed.out) == primed.outputs


@pytest.mark.parametrize("at", [0, len(MEMO_FORMAT) + 5, len(MEMO_FORMAT) + 32, "middle", -1])
def test_a_changed_byte_in_the_output_memo_rewrites_the_workbooks_identically(primed, at):
    assert primed.again().unchanged  # undamaged: the period workbooks are not written again

    def damage(cache: Path) -> None:
        memo = _one(cache, "outputs/*.memo")
        _flip(memo, memo.stat().st_size // 2 if at == "middle" else at)

    outcome = primed.again(damage)
    assert not outcome.unchanged  # the memo ignored: every workbook written again…
    assert _outputs(primed.out) == primed.outputs  # …with the same bytes


@pytest.mark.parametrize("text", [b"", b"[" * 100_000, b"\xff\xfe", b'{"a": 1}'])
def test_a_memo_that_is_not_ours_is_empty(text):
    assert decode(text) == {} and decode(MEMO_FORMAT + b"\0" * 32 + text) == {}
    signed = MEMO_FORMAT + hashlib.blake2b(text, key=MEMO_FORMAT, digest_size=32).digest() + text
    assert decode(signed) == ({"a": 1} if text.startswith(b"{") else {})  # junk under a good checksum: no exception
    assert decode(encode({"x.xlsx": {"digest": "d", "sha256": "s"}})) == {"x.xlsx": {"digest": "d", "sha256": "s"}}
