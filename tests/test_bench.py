"""The benchmark end to end at a tiny scale: every stage runs and the page is written (no timings asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from pipeline import bench
from pipeline.cli import build_parser, main
from pipeline.forms import CLIENTS
from pipeline.outputs.pages import PROJECT_ROOT
from pipeline.synthetic import BENCH, ensure_company, submission_bytes


@pytest.mark.slow
def test_the_benchmark_runs_every_stage_and_writes_the_page(tmp_path):
    out = tmp_path / "performance.md"
    lines: list[str] = []
    report = bench.run_bench(offices=3, root=tmp_path / "bench", out=out, site_sizes=(2, 3), say=lines.append)
    assert [k for k, m in report.measures.items() if m.seconds is None] == []
    assert list(report.measures) == ["inflate", "hash", "floor", "cold1", "coldN", "unchanged", "incremental",
                                     "site2", "bare2", "site3", "bare3", "build"]
    assert report.files == 3 * 8 * 4 + 1
    assert report.measures["coldN"].extra["same_as_single"] is True
    # memory is judged on the sampled PSS of the whole process tree, which a live stage always has
    assert all(report.measures[k].tree_pss_mib > 1 for k in ("cold1", "coldN", "unchanged"))
    assert bench.target_values(report)["data_memory_mib"] == report.measures["coldN"].tree_pss_mib
    cold, unchanged, changed = (report.measures[k].extra for k in ("cold1", "unchanged", "incremental"))
    assert (cold["parsed"], cold["workbooks"], cold["rewritten"]) == (97, 97, 10)
    # a rerun reads only what changed, and writes again only the workbooks of the periods it touched
    assert (unchanged["parsed"], unchanged["rewritten"], unchanged["unchanged"]) == (0, 0, 10)
    assert (changed["parsed"], changed["rewritten"], changed["unchanged"]) == (1, 2, 8)
    assert cold["scored"] == 3 * 8 + 3 * 2  # quarters and years, all valid
    assert [c["offices"] for c in report.curve] == [2, 3]
    text = out.read_text("utf-8")
    assert text.startswith("# 性能测试")
    assert "| 冷启动（空缓存），单进程 |" in text and "## 网站规模曲线" in text and "无改动重跑 ÷" in text
    assert "3 个业务所 × 8 个季度 × 4 个模板，共 97 个工作簿" in text
    # the company is generated once and reused on the next run
    assert any("已生成" in line for line in lines)
    again = bench.run_bench(offices=3, root=tmp_path / "bench", out=None, site=False, say=lines.append)
    assert any("沿用已有数据" in line for line in lines)
    assert again.measures["cold1"].extra["parsed"] == 97


def test_the_changed_workbook_is_restored_after_the_incremental_stage(tmp_path):
    report = bench.run_bench(offices=1, root=tmp_path, out=None, site=False, say=lambda _: None)
    company, generated = ensure_company(tmp_path / "company-1-7", offices=1, years=bench.YEARS)
    assert generated is False
    latest = company.periods[-1]
    path = company.data_dir / "submissions" / latest / company.offices[0] / CLIENTS.filename
    assert path.read_bytes() == submission_bytes(1, 0, latest, CLIENTS.id, years=bench.YEARS, volume=BENCH)
    assert report.measures["incremental"].extra["parsed"] == 1


@pytest.mark.parametrize(("argv", "offices"), [(["bench"], 1000), (["bench", "--offices", "50"], 50),
                                               (["bench", "--quick"], bench.QUICK_OFFICES)])
def test_the_command_line_options(argv, offices):
    args = build_parser().parse_args(argv)
    assert (bench.QUICK_OFFICES if args.quick else args.offices) == offices
    assert args.cache == ".bench" and args.out == "docs/performance.md"


def test_zero_offices_is_a_usage_error(capsys):
    assert main(["bench", "--offices", "0"]) == 2
    assert "业务所数量至少为 1" in capsys.readouterr().err


def test_a_subset_is_rebuilt_when_the_company_was_regenerated(tmp_path):
    company, _ = ensure_company(tmp_path / "company", offices=2, years=(2026,))
    first = company.offices[0]
    sub = bench._subset(company, tmp_path, 1)
    linked = sub / f"submissions/2026Q1/{first}/clients.xlsx"
    assert linked.read_bytes() == (company.data_dir / f"submissions/2026Q1/{first}/clients.xlsx").read_bytes()
    assert sorted(p.name for p in (sub / "submissions/2026Q1").iterdir()) == [first]
    inode = linked.stat().st_ino
    assert bench._subset(company, tmp_path, 1) == sub and linked.stat().st_ino == inode  # reused
    company, _ = ensure_company(tmp_path / "company", offices=2, years=(2026,), seed=8)
    bench._subset(company, tmp_path, 1)
    relinked = sub / f"submissions/2026Q1/{company.offices[0]}/clients.xlsx"
    assert relinked.read_bytes() == (company.data_dir / f"submissions/2026Q1/{company.offices[0]}/clients.xlsx").read_bytes()


def test_the_memory_sampler_sees_a_stage_and_its_children():
    with subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run(['sleep', '3'])"]) as proc:
        for _ in range(100):  # until the grandchild is there
            tree = bench._descendants(proc.pid)
            if len(tree) == 2:
                break
            time.sleep(0.05)
        assert tree[0] == proc.pid and len(tree) == 2
        # two processes' PSS: more than the interpreter alone would need to be nonzero
        assert bench._tree_pss_kb(proc.pid) > bench._tree_pss_kb(tree[1]) > 0
        proc.kill()


def _table_headers(text: str) -> list[str]:
    """The header row of every pipe table of a Markdown page."""
    lines = text.split("\n")
    return [lines[i - 1] for i, line in enumerate(lines) if i and re.fullmatch(r"\|(:?-+:?\|)+", line)]


def test_the_committed_page_has_the_tables_the_bench_writes_and_the_curve_fits_a_phone():
    """The site curve was one table of eight columns, wider than the content column (802 px in 688)
    and than a phone: two narrow tables now, every figure kept; docs/performance.md is laid out as
    the bench writes it (its numbers are a run's and are not compared)."""
    report = bench.BenchReport(offices=1000, files=32001, megabytes=507, cores=2, cpu="测试", python="3.11",
                               date="2026-12-07", curve=[{"offices": 1000, "site": 47.4, "bare": 43.2, "pages": 1030,
                                                          "html_mb": 89.1, "search_mb": 5.87}])
    text = bench.render_markdown(report)
    headers = _table_headers(text)
    assert headers == _table_headers((PROJECT_ROOT / "docs" / "performance.md").read_text(encoding="utf-8"))
    curve = text.split("## 网站规模曲线", 1)[1].split("## 说明", 1)[0]
    assert max(h.count("|") - 1 for h in _table_headers(curve)) <= 5
    for figure in ("| 1,000 | 47.40 | 43.20 | 1.10 | 47.4 |", "| 1,000 | 1030 | 89.1 | 5.87 |"):
        assert figure in curve
