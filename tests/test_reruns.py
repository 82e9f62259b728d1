"""Reruns: unchanged files come from the cache, a run whose inputs all are as before writes
nothing, and a period's workbook is rewritten only when what it holds changed (runtime.memo)."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from pipeline.engine.policy import DEFAULT_POLICY_PATH
from pipeline.forms import CLIENTS
from pipeline.intake.facts import to_plain
from pipeline.intake.read import read_facts
from pipeline.run import collect, open_cache, run
from pipeline.synthetic import generate, submission_bytes

OFFICES, YEARS, SEED = 3, (2026,), 5


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("company") / "data"
    generate(data, OFFICES, YEARS, SEED)
    return data


@pytest.fixture
def data(company: Path, tmp_path: Path) -> Path:
    """A private copy of the company: the tests change files."""
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(company, copy)
    return copy


def _run(data: Path, out: Path, cache_root: Path, **kw):
    return run(data, out, cache=open_cache(root=cache_root), **kw)


def _texts(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("scorecards.csv", "validation.json")}


def test_an_unchanged_rerun_reads_nothing_and_rewrites_no_workbook(data, tmp_path):
    first = _run(data, tmp_path / "out", tmp_path / "cache", workers=2)
    files = len(first.results.dataset.workbooks)
    assert first.parsed == files and not first.unchanged
    before = _texts(tmp_path / "out")
    again = _run(data, tmp_path / "out", tmp_path / "cache", workers=2)
    assert again.parsed == 0
    assert again.written == []  # the same inputs: every output as the last run made it
    assert sorted(p.name for p in again.unchanged) == sorted(p.name for p in first.written)
    assert _texts(tmp_path / "out") == before


@pytest.mark.parametrize("name", ["validation.json", "scorecards.csv"])
def test_a_report_removed_or_edited_by_hand_is_written_again(data, tmp_path, name):
    _run(data, tmp_path / "out", tmp_path / "cache")
    before = _texts(tmp_path / "out")
    (tmp_path / "out" / name).write_bytes(b"edited")
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert [p.name for p in again.written] == ["validation.json", "scorecards.csv"]  # no workbook: none changed
    assert _texts(tmp_path / "out") == before


def test_a_later_receipt_is_an_input_too(data, tmp_path):
    # nothing read changed, but when a file was received (for lateness) did: without intake's
    # log, its modification time stands for it
    (data / "_received.csv").unlink()
    _run(data, tmp_path / "out", tmp_path / "cache")
    touched = next((data / "submissions" / "2026Q4").iterdir()) / CLIENTS.filename
    os.utime(touched, (touched.stat().st_atime, touched.stat().st_mtime + 86_400 * 3))
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert again.parsed == 0 and [p.name for p in again.written][:2] == ["validation.json", "scorecards.csv"]
    assert _run(data, tmp_path / "out", tmp_path / "cache").written == []


def test_a_stray_file_is_an_input_too(data, tmp_path):
    _run(data, tmp_path / "out", tmp_path / "cache")
    (data / "submissions" / "2026Q4" / "notes.txt").write_text("x", encoding="utf-8")
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert "notes.txt" in (tmp_path / "out" / "validation.json").read_text("utf-8")
    assert [p.name for p in again.written][:2] == ["validation.json", "scorecards.csv"]


def test_a_changed_workbook_is_read_again_and_only_its_periods_are_rewritten(data, tmp_path):
    _run(data, tmp_path / "out", tmp_path / "cache")
    office = sorted((data / "submissions" / "2026Q4").iterdir())[0].name
    changed = data / "submissions" / "2026Q4" / office / CLIENTS.filename
    changed.write_bytes(submission_bytes(OFFICES, 0, "2026Q4", CLIENTS.id, years=YEARS, seed=SEED, variant=1))
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert again.parsed == 1
    assert sorted(p.name for p in again.written if p.suffix == ".xlsx") == ["考核结果-2026Q4.xlsx", "考核结果-2026年度.xlsx"]
    fresh = run(data, tmp_path / "fresh", cache=None)  # the same data read from scratch gives the same outputs
    assert _texts(tmp_path / "out") == _texts(tmp_path / "fresh")
    assert fresh.parsed == len(fresh.results.dataset.workbooks)


@pytest.mark.parametrize("how", ["deleted", "edited"])
def test_a_period_workbook_removed_or_edited_by_hand_is_written_again(data, tmp_path, how):
    first = _run(data, tmp_path / "out", tmp_path / "cache")
    target = next(p for p in first.written if p.name == "考核结果-2026Q2.xlsx")
    if how == "deleted":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes() + b"\0")
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert [p.name for p in again.written if p.suffix == ".xlsx"] == ["考核结果-2026Q2.xlsx"]


def test_a_changed_policy_rescores_without_reading_again(data, tmp_path):
    first = _run(data, tmp_path / "out", tmp_path / "cache")
    policy = tmp_path / "policy.yaml"
    policy.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(
        "weight: {quarterly: 35, annual: 30}", "weight: {quarterly: 45, annual: 30}").replace(
        "weight: {quarterly: 10, annual: 10}\n\n  attrition", "weight: {quarterly: 0, annual: 10}\n\n  attrition"),
        encoding="utf-8")
    again = _run(data, tmp_path / "out", tmp_path / "cache", policy=policy)
    assert again.parsed == 0
    assert again.results.scorecards != first.results.scorecards
    quarters = {p.name for p in again.written if p.suffix == ".xlsx" and "年度" not in p.name}
    assert quarters == {f"考核结果-2026Q{q}.xlsx" for q in range(1, 5)}


def test_facts_from_the_cache_are_the_facts_read_now(data, tmp_path):
    cache = open_cache(root=tmp_path / "cache")
    collect(data, cache=cache, workers=2)
    cached = collect(data, cache=open_cache(root=tmp_path / "cache"))
    assert cached.parsed == 0
    for facts in cached.facts:
        path = data / facts.path
        assert to_plain(facts) == to_plain(read_facts(path, facts.path)), facts.path
    assert all(marshal.dumps(to_plain(f)) for f in cached.facts)  # builtins only: marshal takes them


@pytest.mark.parametrize("workers", [1, 2])
def test_outputs_do_not_depend_on_workers_or_the_cache(data, tmp_path, workers):
    plain = run(data, tmp_path / "plain", workers=1, cache=None)
    cached = _run(data, tmp_path / "cached", tmp_path / "cache", workers=workers)
    assert _texts(tmp_path / "plain") == _texts(tmp_path / "cached")
    assert [p.name for p in plain.written] == [p.name for p in cached.written]


def test_a_damaged_cache_is_read_again_with_the_same_outputs(data, tmp_path):
    _run(data, tmp_path / "out", tmp_path / "cache")
    before = _texts(tmp_path / "out")
    for file in (tmp_path / "cache").rglob("*"):
        if file.is_file():
            blob = bytearray(file.read_bytes())
            for i in range(7, len(blob), 97):
                blob[i] ^= 0x5A
            file.write_bytes(bytes(blob))
    again = _run(data, tmp_path / "out", tmp_path / "cache")
    assert again.parsed == len(again.results.dataset.workbooks)
    assert _texts(tmp_path / "out") == before
