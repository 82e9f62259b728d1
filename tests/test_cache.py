"""The incremental cache: hits for unchanged bytes, misses for anything it cannot vouch for."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline import cache as cache_module
from pipeline.cache import WorkbookCache, content_hash, open_cache, rebind
from pipeline.findings import finding
from pipeline.model import Row, Workbook

SHA_A = hashlib.sha256(b"a").hexdigest()
SHA_B = hashlib.sha256(b"b").hexdigest()
REL = "submissions/2026Q1/BJ01/clients.xlsx"


def _workbook(path: str = REL, sha: str = SHA_A) -> Workbook:
    return Workbook(
        path=path, sha256=sha, form_id="clients", version="1.0", office_id="BJ01", period="2026Q1",
        cover={"office_id": "BJ01", "period": "2026Q1", "filled_on": date(2026, 4, 3)},
        tables={"clients": [Row(2, {"client_id": "C1", "sales": 12.5}), Row(3, {"client_id": "C2", "sales": None})]},
        findings=[finding("required-blank", file=path, sheet="客户", cell="A4", row=4, column="客户编号")],
    )


@pytest.fixture
def store(tmp_path: Path) -> WorkbookCache:
    return WorkbookCache(tmp_path / "cache")


def test_content_hash_is_sha256_of_the_bytes():
    assert content_hash(b"a") == SHA_A


def test_a_stored_workbook_comes_back_equal(store):
    wb = _workbook()
    store.put(SHA_A, wb)
    got = store.get(SHA_A)
    assert got == wb and got is not wb
    assert got.tables["clients"][0]["sales"] == 12.5
    assert (store.stats.hits, store.stats.misses, store.stats.writes) == (1, 0, 1)
    assert len(store) == 1


def test_entries_live_under_the_namespace_by_key(store):
    store.put(SHA_A, _workbook())
    assert store.entry_path(SHA_A) == store.dir / SHA_A[:2] / f"{SHA_A}.bin"
    assert store.entry_path(SHA_A).is_file()
    assert store.dir.parent == store.root / "workbooks"
    assert not [p for p in store.dir.rglob("*") if p.name.startswith(".tmp-")]


def test_other_bytes_are_a_miss(store):
    store.put(SHA_A, _workbook())
    assert store.get(SHA_B) is None
    assert store.stats.misses == 1


def test_the_path_is_part_of_the_key_when_given(store):
    store.put(SHA_A, _workbook(), path=REL)
    assert store.get(SHA_A, path=REL) is not None
    assert store.get(SHA_A, path="submissions/2026Q1/SH01/clients.xlsx") is None
    assert store.get(SHA_A) is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other-magic"])
def test_a_corrupt_entry_is_a_miss_and_is_removed(store, damage):
    store.put(SHA_A, _workbook())
    entry = store.entry_path(SHA_A)
    blob = entry.read_bytes()
    entry.write_bytes({"garbage": b"\x00\xffnot a pickle", "truncated": blob[: len(blob) // 2], "empty": b"",
                       "other-magic": b"XXXXX" + blob[5:]}[damage])
    assert store.get(SHA_A) is None
    assert store.stats.dropped == 1
    assert not entry.exists()
    store.put(SHA_A, _workbook())  # and it heals on the next write
    assert store.get(SHA_A) == _workbook()


def test_an_entry_copied_under_another_key_is_refused(store):
    store.put(SHA_A, _workbook())
    target = store.entry_path(SHA_B)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(store.entry_path(SHA_A), target)
    assert store.get(SHA_B) is None


def test_a_deleted_cache_is_rebuilt(store):
    store.put(SHA_A, _workbook())
    shutil.rmtree(store.root)
    assert store.get(SHA_A) is None
    store.put(SHA_A, _workbook())
    assert store.get(SHA_A) == _workbook()


def test_an_unwritable_cache_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = WorkbookCache(blocker / "cache")
    store.put(SHA_A, _workbook())
    assert store.get(SHA_A) is None
    assert store.stats.writes == 0


def test_clear_removes_every_entry(store):
    store.put(SHA_A, _workbook())
    store.clear()
    assert len(store) == 0 and store.get(SHA_A) is None


def test_the_namespace_follows_the_reader_version(monkeypatch, tmp_path):
    import types

    before = cache_module.namespace()
    fake = types.ModuleType("pipeline.read")
    fake.READER_VERSION = "test-9999"
    monkeypatch.setitem(__import__("sys").modules, "pipeline.read", fake)
    import pipeline

    monkeypatch.setattr(pipeline, "read", fake, raising=False)
    assert cache_module.namespace() != before


def test_the_namespace_follows_the_form_structure(monkeypatch):
    import dataclasses

    from pipeline import forms

    before = cache_module.namespace()
    changed = dataclasses.replace(forms.CLIENTS, version="9.9")
    monkeypatch.setattr(forms, "ALL_FORMS", (*forms.ALL_FORMS[:-1], changed))
    assert cache_module.namespace() != before


def test_the_namespace_follows_the_reading_code(monkeypatch, tmp_path):
    package = tmp_path / "pipeline"
    shutil.copytree(Path(cache_module.__file__).parent / "forms", package / "forms")
    for name in ("model.py", "findings.py"):
        shutil.copy(Path(cache_module.__file__).parent / name, package / name)
    monkeypatch.setattr(cache_module, "_package_dir", lambda: package)
    before = cache_module.code_version()
    with (package / "model.py").open("a") as out:
        out.write("\n# a change to the reading code\n")
    assert cache_module.code_version() != before


def test_a_new_namespace_never_sees_old_entries(monkeypatch, tmp_path):
    old = WorkbookCache(tmp_path / "cache")
    old.put(SHA_A, _workbook())
    monkeypatch.setattr(cache_module, "CACHE_FORMAT", "test-next")
    new = WorkbookCache(tmp_path / "cache")
    assert new.namespace != old.namespace
    assert new.get(SHA_A) is None


def test_stale_namespaces_are_pruned_and_recent_ones_kept(tmp_path):
    base = tmp_path / "cache" / "workbooks"
    stale, recent = base / "stale", base / "recent"
    for d in (stale, recent):
        (d / "ab").mkdir(parents=True)
    week_ago = time.time() - 7 * 86_400
    os.utime(stale, (week_ago, week_ago))
    store = WorkbookCache(tmp_path / "cache")
    assert not stale.exists()
    assert recent.exists()
    assert store.dir.parent == base


def test_rebind_moves_a_result_to_a_new_path():
    wb = _workbook()
    moved = rebind(wb, "submissions/2026Q1/BJ01/copy.xlsx")
    assert moved.path == "submissions/2026Q1/BJ01/copy.xlsx"
    assert all(f.file == moved.path for f in moved.findings)
    assert wb.path == REL  # the original is untouched
    assert rebind(wb, REL) is wb


def test_rebind_refuses_when_a_message_names_the_old_path():
    wb = _workbook()
    wb.findings = [finding("file-unreadable", file=REL, reason=f"{REL} 已损坏")]
    assert rebind(wb, "other.xlsx") is None


def test_open_cache_uses_the_environment_or_dot_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(cache_module.ENV_DIR, str(tmp_path / "elsewhere"))
    assert open_cache().root == tmp_path / "elsewhere"
    monkeypatch.delenv(cache_module.ENV_DIR)
    assert open_cache(prune_dir := tmp_path / "x").root == prune_dir
    assert cache_module.default_cache_dir() == Path(".cache")
    assert open_cache(enabled=False) is None


# ---------------------------------------------------------------------------------------------
# The cache inside the pipeline: what is re-read, what is not, and that nothing changes.

from _scale_helpers import change_sales, csv_row, outputs  # noqa: E402

from pipeline.cache import decode, encode  # noqa: E402
from pipeline.excel.pool import read_workbooks  # noqa: E402
from pipeline.run import run_pipeline  # noqa: E402
from pipeline.validation import discover  # noqa: E402

FILES = 3 * 4 * 4 + 1


def test_every_real_workbook_survives_the_codec(company, data_dir):
    from pipeline.read import read_workbook

    for path in sorted(data_dir.rglob("*.xlsx")):
        wb = read_workbook(path, path.relative_to(data_dir).as_posix())
        assert decode(encode(wb)) == wb


def test_an_unknown_value_type_is_not_cached(store):
    wb = _workbook()
    wb.tables["clients"][0].values["sales"] = object()
    assert encode(wb) is None
    store.put(SHA_A, wb)
    assert store.stats.writes == 0 and store.get(SHA_A) is None


def test_outputs_are_identical_with_and_without_the_cache(company, data_dir, tmp_path):
    run_pipeline(data_dir, tmp_path / "plain", workers=1)
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "cold", workers=1, cache=store)
    warm = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "warm", workers=1, cache=warm)
    assert (store.stats.misses, store.stats.writes) == (FILES, FILES)
    assert (warm.stats.hits, warm.stats.misses, warm.stats.writes) == (FILES, 0, 0)
    assert outputs(tmp_path / "plain") == outputs(tmp_path / "cold") == outputs(tmp_path / "warm")


def test_unchanged_workbooks_are_never_parsed_again(company, data_dir, tmp_path, parses):
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    assert len(parses) == FILES
    parses.clear()
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    assert parses == []  # the broken file too: its findings depend only on its bytes


def test_a_changed_cell_is_seen(company, data_dir, tmp_path, parses):
    run_pipeline(data_dir, tmp_path / "before", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    before = float(csv_row(tmp_path / "before", "2026Q4", "BJ001")["sales"])
    changed = change_sales(data_dir)
    parses.clear()
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "after", workers=1, cache=store)
    rel = changed.relative_to(data_dir).as_posix()
    assert parses == [rel]
    assert (store.stats.hits, store.stats.misses) == (FILES - 1, 1)
    assert float(csv_row(tmp_path / "after", "2026Q4", "BJ001")["sales"]) == pytest.approx(before + 1)
    run_pipeline(data_dir, tmp_path / "fresh", workers=1)
    assert outputs(tmp_path / "after") == outputs(tmp_path / "fresh")


def test_a_changed_policy_rescores_without_reading_again(company, data_dir, tmp_path, parses):
    from pipeline.policy import load_policy

    source = (Path(cache_module.__file__).parent / "policy.yaml").read_text("utf-8")
    original = "quarterly: [[0, 0], [1.0, 100], [1.2, 120]]"
    assert original in source
    stricter = tmp_path / "policy.yaml"
    stricter.write_text(source.replace(original, "quarterly: [[0, 0], [1.0, 60], [1.2, 120]]", 1), "utf-8")
    run_pipeline(data_dir, tmp_path / "old", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    parses.clear()
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "new", policy=load_policy(stricter), workers=1, cache=store)
    assert parses == []
    assert store.stats.hits == FILES
    old = csv_row(tmp_path / "old", "2026Q1", "BJ001")
    new = csv_row(tmp_path / "new", "2026Q1", "BJ001")
    assert old["attainment"] == new["attainment"] and float(new["score"]) != float(old["score"])
    run_pipeline(data_dir, tmp_path / "fresh", policy=load_policy(stricter), workers=1)
    assert outputs(tmp_path / "new") == outputs(tmp_path / "fresh")


def test_a_deleted_cache_is_rebuilt_with_the_same_outputs(company, data_dir, tmp_path, parses):
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    shutil.rmtree(tmp_path / "cache")
    parses.clear()
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=store)
    assert len(parses) == FILES and store.stats.writes == FILES
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")


def test_a_corrupt_entry_is_read_again_and_repaired(company, data_dir, tmp_path, parses):
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    rel = "submissions/2026Q1/BJ001/clients.xlsx"
    target = data_dir / rel
    store = WorkbookCache(tmp_path / "cache")
    entry = store.entry_path(content_hash(target.read_bytes()), rel)  # a run's entries name their file
    entry.write_bytes(entry.read_bytes()[:100])
    parses.clear()
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=store)
    assert parses == ["submissions/2026Q1/BJ001/clients.xlsx"]
    assert store.stats.dropped == 1 and store.stats.writes == 1
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    assert WorkbookCache(tmp_path / "cache").get(content_hash(target.read_bytes()), rel) is not None


def test_a_copied_workbook_is_served_under_its_own_path(company, data_dir, tmp_path):
    # the same bytes in another office's folder: a hit, but every finding names the new file
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    src = data_dir / "submissions/2026Q1/BJ001/clients.xlsx"
    dst = data_dir / "submissions/2026Q1/SH001/clients.xlsx"
    shutil.copy(src, dst)
    cached, _ = run_pipeline(data_dir, tmp_path / "b", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    fresh, _ = run_pipeline(data_dir, tmp_path / "c", workers=1)
    assert any(f.code == "identity-mismatch" and f.file == "submissions/2026Q1/SH001/clients.xlsx"
               for f in cached.dataset.findings)
    assert outputs(tmp_path / "b") == outputs(tmp_path / "c")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_commands_use_the_cache_unless_told_not_to(company, data_dir, tmp_path, monkeypatch, command, capsys):
    from pipeline.cli import main

    monkeypatch.setenv(cache_module.ENV_DIR, str(tmp_path / "envcache"))
    extra = ["--out", str(tmp_path / "out")] if command == "run" else []
    assert main([command, str(data_dir), "--workers", "1", "--no-cache", *extra]) == 1
    assert not (tmp_path / "envcache").exists()
    assert main([command, str(data_dir), "--workers", "1", *extra]) == 1
    assert len(WorkbookCache(tmp_path / "envcache")) == FILES
    capsys.readouterr()


def test_the_namespace_follows_the_parser_version(monkeypatch):
    import importlib.metadata

    before = cache_module.namespace()
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "99.0" if name == "python-calamine" else real(name))
    assert cache_module.namespace() != before


# ---------------------------------------------------------------------------------------------
# The pack and the stat index


def _loose(store: WorkbookCache) -> list[Path]:
    return sorted(store.dir.glob("*/*.bin"))


def test_entries_are_folded_into_one_pack_and_served_from_it(company, data_dir, tmp_path, parses, monkeypatch):
    monkeypatch.setattr(WorkbookCache, "PACK_AFTER", 0)
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    store = WorkbookCache(tmp_path / "cache")
    assert (store.dir / "pack.bin").is_file() and _loose(store) == []
    assert len(store) == FILES
    parses.clear()
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=store)
    assert parses == [] and store.stats.hits == FILES
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")


def test_write_behind_saves_from_a_thread_and_wait_finishes_it(company, data_dir, tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(WorkbookCache, "PACK_AFTER", 0)
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)  # the fixture's files count as old
    gate = threading.Event()
    real = cache_module._save_marshal

    writers = []

    def held(file, magic, value):  # the writes wait until the test lets them go
        writers.append(threading.current_thread())
        gate.wait(10)
        return real(file, magic, value)

    monkeypatch.setattr(cache_module, "_save_marshal", held)
    _, items, _ = discover(data_dir)
    store = WorkbookCache(tmp_path / "cache")
    store.write_behind = True
    read_workbooks(items, workers=1, cache=store)  # ends with save(): returns while the writes wait
    assert not (store.dir / "pack.bin").exists() and not (tmp_path / "cache" / "files.bin").exists()
    gate.set()
    store.wait()
    assert len(writers) == 2 and threading.main_thread() not in writers
    assert (store.dir / "pack.bin").is_file() and (tmp_path / "cache" / "files.bin").is_file()
    assert _loose(store) == []
    again = WorkbookCache(tmp_path / "cache")
    read_workbooks(items, workers=1, cache=again)
    assert again.stats.hits == len(items)


def test_a_damaged_pack_is_a_miss_and_is_rebuilt(company, data_dir, tmp_path, parses, monkeypatch):
    monkeypatch.setattr(WorkbookCache, "PACK_AFTER", 0)
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    pack = WorkbookCache(tmp_path / "cache").dir / "pack.bin"
    pack.write_bytes(pack.read_bytes()[:1000])
    parses.clear()
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=store)
    assert len(parses) == FILES and store.stats.hits == 0
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    assert WorkbookCache(tmp_path / "cache")._load_pack().keys() == store._load_pack().keys() != set()


def test_a_changed_cell_is_seen_after_the_pack(company, data_dir, tmp_path, parses, monkeypatch):
    monkeypatch.setattr(WorkbookCache, "PACK_AFTER", 0)
    run_pipeline(data_dir, tmp_path / "a", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    changed = change_sales(data_dir)
    parses.clear()
    run_pipeline(data_dir, tmp_path / "b", workers=1, cache=WorkbookCache(tmp_path / "cache"))
    assert parses == [changed.relative_to(data_dir).as_posix()]
    run_pipeline(data_dir, tmp_path / "fresh", workers=1)
    assert outputs(tmp_path / "b") == outputs(tmp_path / "fresh")


def _age(path: Path, seconds: float = 60) -> None:
    """Pretend the file was last written `seconds` ago (ctime follows the clock: it stays now)."""
    old = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(old, old))


def test_the_stat_index_remembers_an_old_file_and_sees_any_rewrite(store, tmp_path, monkeypatch):
    file = tmp_path / "w.xlsx"
    file.write_bytes(b"first")
    _age(file)
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)  # treat the fresh ctime as old too
    assert store.file_sha256(file) == content_hash(b"first")
    store.save()
    again = WorkbookCache(store.root)
    reads: list[str] = []
    real_open = open

    def counting_open(name, *args, **kwargs):
        reads.append(str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert again.file_sha256(file) == content_hash(b"first")
    assert str(file) not in reads  # served from the index
    stamp = file.stat()
    file.write_bytes(b"other")  # same size, and the old mtime put back: only ctime tells
    os.utime(file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert again.file_sha256(file) == content_hash(b"other")


def test_a_file_changed_just_before_the_save_is_hashed_again(store, tmp_path):
    file = tmp_path / "w.xlsx"
    file.write_bytes(b"fresh")
    assert store.file_sha256(file) == content_hash(b"fresh")
    store.save()  # written less than RACY_SECONDS ago: not remembered
    assert cache_module._load_marshal(store.root / "files.bin", cache_module._FILES_MAGIC) == {}


@pytest.mark.parametrize("workers", [1, 2])
def test_files_read_once_are_not_hashed_again(company, data_dir, tmp_path, monkeypatch, workers):
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)  # the fixture's files count as old
    run_pipeline(data_dir, tmp_path / "a", workers=workers, cache=WorkbookCache(tmp_path / "cache"))
    index = cache_module._load_marshal(tmp_path / "cache" / "files.bin", cache_module._FILES_MAGIC)
    assert len(index) == FILES  # the broken file too: its findings depend only on its bytes
    for name, entry in index.items():
        assert entry[5] == content_hash(Path(name).read_bytes())
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "b", workers=workers, cache=store)
    assert (store.stats.hits, store.stats.hashed) == (FILES, 0)
    changed = change_sales(data_dir)
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "c", workers=workers, cache=store)
    assert (store.stats.hashed, store.stats.misses) == (1, 1)
    run_pipeline(data_dir, tmp_path / "fresh", workers=1)
    assert outputs(tmp_path / "c") == outputs(tmp_path / "fresh")
    assert changed.is_file()


def test_only_files_changed_just_now_leave_the_stat_index_unwritten(store, tmp_path, monkeypatch):
    """They would not be kept (racy), and every other entry on disk is still right."""
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    old.write_bytes(b"old")
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)
    store.file_sha256(old)
    store.save()
    index = store.root / "files.bin"
    saved = index.read_bytes()
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 3600.0)
    new.write_bytes(b"new")
    again = WorkbookCache(store.root)
    assert again.file_sha256(new) == content_hash(b"new") and again.file_sha256(old) == content_hash(b"old")
    again.save()
    assert index.read_bytes() == saved
    assert again.stats.hashed == 1


def test_a_pack_reads_its_index_and_then_only_the_entries_asked_for(tmp_path):
    from pipeline.cache import _Pack

    file = tmp_path / "pack.bin"
    entries = {"a": b"first", "b": b"", "c": b"third" * 1000}
    file.write_bytes(cache_module._PACK_MAGIC + _Pack.encode(entries))
    pack = _Pack.load(file)
    assert {k: pack.get(k) for k in entries} == entries and pack.get("d") is None
    assert sorted(pack.keys()) == ["a", "b", "c"] and pack.pop("a") == (0, 5) and pack.get("a") is None
    file.write_bytes(file.read_bytes()[:-1])  # the last entry cut short: the pack is damaged
    assert list(_Pack.load(file).keys()) == [] and not file.exists()
