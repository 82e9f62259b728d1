"""Reruns that reuse the last run (pipeline/rerun.py): every kind of change gives, byte for byte,
the outputs of a full run without any cache — whether the rerun took the short way or not."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from _scale_helpers import BAD_CELL, change_sales, csv_row

from pipeline import rerun
from pipeline.cache import WorkbookCache
from pipeline.model import Dataset
from pipeline.run import OUTPUTS, run_pipeline, summary
from pipeline.validation import Encoded


class Runs:
    """Runs with one cache, each compared with a full run without cache on the same data."""

    def __init__(self, data_dir: Path, root: Path, parses: list[str]):
        self.data_dir, self.root, self.count, self.parses = data_dir, root, 0, parses
        self.parsed: list[str] = []  # what the last rerun parsed

    def first(self, **kwargs):
        return self.run(**kwargs)

    def run(self, **kwargs):
        self.count += 1
        out = self.root / f"re{self.count}"
        start = len(self.parses)
        results, code = run_pipeline(self.data_dir, out, workers=1, cache=WorkbookCache(self.root / "cache"),
                                     reuse=True, **kwargs)
        self.parsed = self.parses[start:]
        full = self.root / f"full{self.count}"
        expected, expected_code = run_pipeline(self.data_dir, full, workers=1, **kwargs)
        for name in OUTPUTS:
            assert (out / name).read_bytes() == (full / name).read_bytes(), name
        assert code == expected_code
        assert results.note.startswith(("复用上次运行", "完整运行:"))
        assert summary(replace(results, note="")) == summary(expected)
        return results, out


def rescored(results) -> list[str] | None:
    """The offices a rerun checked again, or None for a full run."""
    return None if isinstance(results.dataset, Dataset) else results.dataset.rescored


@pytest.fixture
def runs(company, data_dir, tmp_path, parses) -> Runs:
    runs = Runs(data_dir, tmp_path, parses)
    results, _ = runs.first()
    assert rescored(results) is None  # no snapshot yet
    return runs


def test_nothing_changed_reads_nothing(runs):
    results, _ = runs.run()
    assert rescored(results) == [] and runs.parsed == []


def test_a_changed_cell_rescores_that_office_alone(runs, data_dir):
    before = float(csv_row(runs.root / "re1", "2026Q4", "BJ001")["sales"])
    changed = change_sales(data_dir)
    results, out = runs.run()
    assert rescored(results) == ["BJ001"]
    assert "复用上次运行的结果,只重新检查了 BJ001。" in summary(results)
    assert runs.parsed == [changed.relative_to(data_dir).as_posix()]  # the reference and the rest: cached
    assert float(csv_row(out, "2026Q4", "BJ001")["sales"]) == pytest.approx(before + 1)


def test_a_new_error_makes_the_office_period_invalid(runs, make_workbook):
    make_workbook("clients", "submissions/2026Q4/SH001/clients.xlsx", rows={"clients": [
        {"client_id": "C1", "name": "客户甲", "sales": "很多"}]})
    results, out = runs.run()
    assert rescored(results) == ["SH001"]
    assert csv_row(out, "2026Q4", "SH001")["status"] == "invalid"
    assert csv_row(out, "2026", "SH001")["status"] == "incomplete"


def test_a_fixed_error_is_scored_again(runs, data_dir):
    from pipeline import synth

    path = data_dir / BAD_CELL
    path.write_bytes(synth.office_workbook(synth.CLIENTS, 2, "2026Q3"))
    results, out = runs.run()
    assert rescored(results) == ["GZ001"]
    assert csv_row(out, "2026Q3", "GZ001")["status"] == "scored"


def test_a_removed_and_an_added_file(runs, data_dir):
    (data_dir / "submissions/2026Q2/BJ001/projects.xlsx").unlink()
    results, out = runs.run()
    assert rescored(results) == ["BJ001"] and csv_row(out, "2026Q2", "BJ001")["status"] == "incomplete"
    # the same form twice in one folder: a duplicate, still that office's own affair
    shutil.copy(data_dir / "submissions/2026Q1/BJ001/clients.xlsx", data_dir / "submissions/2026Q1/BJ001/客户.xlsx")
    results, _ = runs.run()
    assert rescored(results) == ["BJ001"]


def test_a_folder_of_an_office_not_in_the_reference(runs, make_workbook):
    make_workbook("clients", "submissions/2026Q1/XX001/clients.xlsx")
    results, _ = runs.run()
    assert rescored(results) == ["XX001"]


def test_a_cover_that_names_another_office_is_a_full_run(runs, data_dir):
    shutil.copy(data_dir / "submissions/2026Q1/SH001/clients.xlsx", data_dir / "submissions/2026Q1/BJ001/clients.xlsx")
    results, _ = runs.run()
    assert rescored(results) is None
    assert results.note == "完整运行:BJ001 的文件与其他业务所有关联(封面上的所编号与文件夹不符)。"
    # and BJ001 stays tied to SH001 while the file is there: its next change is a full run too
    change_sales(data_dir, index=0, period="2026Q4")
    results, _ = runs.run()
    assert rescored(results) is None
    assert results.note == "完整运行:BJ001 的文件与其他业务所有关联(封面上的所编号与文件夹不符)。"


def test_a_changed_reference_stray_file_or_policy_is_a_full_run(runs, data_dir, tmp_path):
    from pipeline.policy import load_policy

    (data_dir / "notes.xlsx").write_bytes(b"not a workbook")  # a stray file: discovery changes
    results, _ = runs.run()
    assert rescored(results) is None and results.note == "完整运行:数据目录中不能读取的文件有变化。"
    source = (Path(rerun.__file__).parent / "policy.yaml").read_text("utf-8")
    original = "quarterly: [[0, 0], [1.0, 100], [1.2, 120]]"
    stricter = tmp_path / "policy.yaml"
    stricter.write_text(source.replace(original, "quarterly: [[0, 0], [1.0, 60], [1.2, 120]]", 1), "utf-8")
    results, _ = runs.run(policy=load_policy(stricter))
    assert rescored(results) is None and runs.parsed == []  # rescored in full, nothing read again
    assert results.note == "完整运行:没有可复用的上次运行(首次运行,或政策配置、程序已更新)。"
    results, _ = runs.run(policy=load_policy(stricter))
    assert rescored(results) == []
    reference = data_dir / "reference.xlsx"
    reference.write_bytes(reference.read_bytes())  # same bytes: nothing to do
    assert rescored(runs.run(policy=load_policy(stricter))[0]) == []
    reference.write_bytes(reference.read_bytes() + b"\0")  # other bytes (a broken file): a full run
    results, _ = runs.run(policy=load_policy(stricter))
    assert rescored(results) is None and results.note == "完整运行:reference.xlsx 或业务所文件夹之外的文件有改动。"


def test_more_offices_than_the_limit_is_a_full_run(runs, data_dir, monkeypatch):
    monkeypatch.setattr(rerun, "MAX_OFFICES", 1)
    change_sales(data_dir, index=0)
    change_sales(data_dir, index=1)
    results, _ = runs.run()
    assert rescored(results) is None and results.note == "完整运行:2 个业务所的文件有改动(超过 1 个)。"


def test_a_deleted_or_damaged_snapshot_is_a_full_run(runs, data_dir):
    snapshots = runs.root / "cache" / "runs"
    shutil.rmtree(snapshots)
    assert rescored(runs.run()[0]) is None
    base = next(snapshots.glob("*.bin"))
    base.write_bytes(base.read_bytes()[:-100])
    assert rescored(runs.run()[0]) is None
    assert rescored(runs.run()[0]) == []  # the full run left a whole one


def test_reruns_in_a_row_keep_a_delta_and_fold_it_into_the_base(runs, data_dir, monkeypatch):
    snapshots = runs.root / "cache" / "runs"
    change_sales(data_dir, index=0, period="2026Q1")
    assert rescored(runs.run()[0]) == ["BJ001"]
    delta = next(snapshots.glob("*.delta"))
    base = next(snapshots.glob("*.bin")).read_bytes()
    change_sales(data_dir, index=1, period="2026Q2")
    assert rescored(runs.run()[0]) == ["SH001"]
    assert next(snapshots.glob("*.bin")).read_bytes() == base  # only the delta was written
    monkeypatch.setattr(rerun, "DELTA_OFFICES", 1)
    change_sales(data_dir, index=2, period="2026Q3")
    assert rescored(runs.run()[0]) == ["GZ001"]
    assert not delta.exists() and next(snapshots.glob("*.bin")).read_bytes() != base
    assert rescored(runs.run()[0]) == []  # the new base alone holds every change
    # a delta that does not belong to the base, or is damaged, is left out: the base alone is
    # older but whole, and its files' hashes say what changed since
    change_sales(data_dir, index=0, period="2026Q3")
    monkeypatch.setattr(rerun, "DELTA_OFFICES", 64)
    assert rescored(runs.run()[0]) == ["BJ001"]
    change_sales(data_dir, index=1, period="2026Q3")
    assert rescored(runs.run()[0]) == ["SH001"]
    stale = next(snapshots.glob("*.delta"))
    token = next(snapshots.glob("*.bin")).read_bytes().split(b"\n", 1)[0].split()[1]
    stale.write_bytes(stale.read_bytes().replace(token, b"0" * len(token), 1))
    assert rescored(runs.run()[0]) == ["BJ001", "SH001"]
    stale.write_bytes(stale.read_bytes()[:-50])
    assert rescored(runs.run()[0]) == ["BJ001", "SH001"]


def test_the_snapshot_holds_only_built_in_values(runs):
    """marshal, not pickle: a snapshot file cannot make the pipeline run code."""
    import marshal

    base = next((runs.root / "cache" / "runs").glob("*.bin")).read_bytes()
    head, payload = base.split(b"\n", 1)
    chunks, at = [], 0
    while at < len(payload):  # length-prefixed marshal chunks: the head, then one per office
        size = int.from_bytes(payload[at:at + 4], "little")
        chunks.append(marshal.loads(payload[at + 4:at + 4 + size]))
        at += 4 + size
    assert at == len(payload) and all(isinstance(c, tuple) for c in chunks)
    assert sorted(office for office, _ in chunks[1:]) == ["BJ001", "GZ001", "SH001"]
    assert b"cpipeline" not in payload and b"\x80\x04" not in payload[:2]


def test_a_rerun_summary_names_the_same_counts(runs, data_dir):
    change_sales(data_dir)
    results, _ = runs.run()  # Runs.run compares summary() of the rerun and of a full run
    assert "共读取 49 个工作簿" in summary(results)
    assert all(isinstance(line, str) for line in results.dataset.workbooks)


def test_encoded_lines_are_written_as_they_are():
    from pipeline.validation import dump_report

    text = dump_report({"files": [Encoded('{"file": "a"}'), {"file": "b"}]})
    assert '    {"file": "a"},\n    {"file": "b"}' in text


def test_files_are_hashed_again_only_when_their_stat_changed(runs, data_dir, monkeypatch):
    """Like the cache's stat index: a stamp taken long enough after a file's last write is
    trusted, and a file whose (size, mtime, ctime, inode) differ is hashed again."""
    from pipeline import cache as cache_module

    seen: list[dict] = []
    real = rerun._changed_files

    def spy(*args):
        hashed, trusted = real(*args)
        seen.append(hashed)
        return hashed, trusted

    monkeypatch.setattr(rerun, "_changed_files", spy)
    runs.run()  # the fixture's files are new: none of their stamps was trusted, all are hashed
    assert len(seen[-1]) == 49
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)  # from now on they count as old
    shutil.rmtree(runs.root / "cache" / "runs")
    runs.run()
    assert rescored(runs.run()[0]) == [] and seen[-1] == {}
    changed = change_sales(data_dir).relative_to(data_dir).as_posix()
    assert rescored(runs.run()[0]) == ["BJ001"] and list(seen[-1]) == [changed]
    assert rescored(runs.run()[0]) == [] and seen[-1] == {}  # its new stamp is kept by the delta


def test_a_new_period_is_a_full_run(runs, data_dir):
    shutil.copytree(data_dir / "submissions/2026Q4/BJ001", data_dir / "submissions/2027Q1/BJ001")
    results, _ = runs.run()
    assert rescored(results) is None and results.note == "完整运行:考核期间有变化。"


def test_the_run_command_says_what_it_reused(company, data_dir, tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["run", str(data_dir), "--out", str(tmp_path / "a")]) == 1  # the fixture has errors
    assert "完整运行:没有可复用的上次运行" in capsys.readouterr().out
    change_sales(data_dir)
    assert main(["run", str(data_dir), "--out", str(tmp_path / "b")]) == 1
    assert "复用上次运行的结果,只重新检查了 BJ001。" in capsys.readouterr().out
    assert main(["run", str(data_dir), "--out", str(tmp_path / "c"), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "复用" not in out and "完整运行" not in out
    for name in OUTPUTS:
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes()


def test_a_snapshot_that_cannot_be_used_means_a_full_run_not_a_failure(runs, data_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("an office the snapshot does not have")

    monkeypatch.setattr(rerun, "_assemble", broken)
    change_sales(data_dir)
    results, _ = runs.run()  # the outputs still equal a full run's
    assert rescored(results) is None and results.note == "完整运行:上次运行的快照无法使用。"
    monkeypatch.undo()
    assert rescored(runs.run()[0]) == []  # the full run left a new snapshot


def test_an_unwritable_output_folder_is_still_a_usage_error(runs, tmp_path):
    from pipeline.run import RunError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunError, match="无法写入输出目录"):
        run_pipeline(runs.data_dir, blocker / "out", workers=1, cache=WorkbookCache(runs.root / "cache"),
                     reuse=True)


def test_a_rerun_leaves_every_cached_workbook_for_the_next_full_run(runs, data_dir, parses, monkeypatch):
    """A rerun reads one office: the cache's pack must keep every other office's entries."""
    monkeypatch.setattr(WorkbookCache, "PACK_AFTER", 0)  # fold at every chance
    run_pipeline(data_dir, runs.root / "packed", workers=1, cache=WorkbookCache(runs.root / "cache"))
    change_sales(data_dir)
    assert rescored(runs.run()[0]) == ["BJ001"]  # the changed file is parsed and its entry written
    parses.clear()
    store = WorkbookCache(runs.root / "cache")
    run_pipeline(data_dir, runs.root / "full", workers=1, cache=store)  # reuse off: reads every file
    assert parses == [] and store.stats.hits == 49
