"""`python -m pipeline run` end to end on a small data set written through the real templates.

Three offices × 2025Q1–Q4 + 2026Q1; every expected scorecards.csv row below was worked out by hand
(the arithmetic is in the comments) and compared with what the real reader, validation, KPI
and scoring code produce.

BJ01 every quarter: clients C1 + C2 (sales 55 + 55 = 110, satisfaction 4.5 each -> 90), target 100,
prior 80, market 1000: attainment 1.1 -> 110, growth 0.375 -> 120 (clamped), share 0.11 -> 104.
Roster E1–E3 良好 + E4 未考核 (pass 3/3 -> 100); E4 leaves on 2025-06-30 (the last day of Q2);
E5 joins on 2025-07-01 (the first day of Q3). Trainings: Q1 one of two done (0.5 -> 50), else all.
SH01 every 2025 quarter: one client, sales 90, satisfaction 4.0, target 100, prior 100, market 1000;
two members 良好; one training done. 2026Q1: 本期销售额 "十二" -> an error -> invalid.
GZ01: 2025Q1 clients + recruitment only (incomplete), nothing else (missing).
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import Terminal, default_cover
from openpyxl import load_workbook

from pipeline.engine.policy import DEFAULT_POLICY_PATH
from pipeline.forms import REFERENCE, get_form
from pipeline.outputs.form_workbook import form_workbook_bytes
from pipeline.outputs.scorecards_csv import CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
OFFICES = [
    {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北", "bonus_base": 30000},
    {"office_id": "GZ01", "office_name": "广州一所", "head": "测试所长丙", "region": "华南", "bonus_base": 20000},
    {"office_id": "SH01", "office_name": "上海一所", "head": "测试所长乙", "region": "华东", "bonus_base": 25000},
]
PERIODS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]


def _targets():
    rows = []
    for period in PERIODS:
        year, q = int(period[:4]), period[4:]
        for o in OFFICES:
            prior = None if (o["office_id"] == "BJ01" and year == 2026) else (80 if o["office_id"] == "BJ01" else 100)
            rows.append({"year": year, "quarter": q, "office_id": o["office_id"], "sales_target": 100,
                         "prior_sales": prior, "market_size": 1000})
    return rows


def _member(eid, joined, left=None, rating="良好"):
    return {"employee_id": eid, "name": "测试成员", "join_date": joined, "leave_date": left, "rating": rating}


def _training(tid, done, period):
    d = date(int(period[:4]), 3 * int(period[-1]) - 1, 10)
    return {"training_id": tid, "name": "培训", "planned_date": d, "status": "已完成" if done else "进行中",
            "actual_date": d if done else None}


def _client(cid, sales, sat):
    return {"client_id": cid, "name": "测试客户", "client_type": "老客户", "sales": sales, "satisfaction": sat}


def _project(period):
    return [{"project_id": "P1", "name": "项目", "start_date": date(2024, 1, 1), "planned_end": date(2027, 1, 1)}]


def _bj01(period):
    q = int(period[-1]) if period.startswith("2025") else 5
    roster = [_member(f"E{i}", date(2020, 1, 1)) for i in (1, 2, 3)]
    if q <= 2:  # E4 not rated; leaves on the last day of 2025Q2
        roster.append(_member("E4", date(2020, 1, 1), date(2025, 6, 30) if q == 2 else None, "未考核"))
    else:  # E5 joins on the first day of 2025Q3
        roster.append(_member("E5", date(2025, 7, 1)))
    sales = 60.5 if q == 5 else 55
    return {
        "recruitment": {"roster": roster},
        "training": {"trainings": [_training("T1", True, period), _training("T2", q != 1, period)]
                     if q <= 4 else [_training("T1", True, period)]},
        "clients": {"clients": [_client("C1", sales, 4.5), _client("C2", sales, 4.5)]},
        "projects": {"projects": _project(period)},
    }


def _sh01(period):
    return {
        "recruitment": {"roster": [_member("S1", date(2021, 1, 1)), _member("S2", date(2022, 1, 1))]},
        "training": {"trainings": [_training("T1", True, period)]},
        "clients": {"clients": [_client("C1", "十二" if period == "2026Q1" else 90, 4.0)]},
        "projects": {"projects": _project(period)},
    }


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_data(root: Path) -> Path:
    """The hand-computed data set into `root`: BJ01 and SH01 every quarter, GZ01 part of 2025Q1."""
    _write(root / "reference.xlsx", form_workbook_bytes(REFERENCE, rows={"offices": OFFICES, "targets": _targets()}))
    plan = {("BJ01", p): _bj01(p) for p in PERIODS}
    plan.update({("SH01", p): _sh01(p) for p in PERIODS})
    gz = _sh01("2025Q1")
    plan[("GZ01", "2025Q1")] = {"clients": gz["clients"], "recruitment": gz["recruitment"]}
    for (office, period), forms in plan.items():
        for form_id, rows in forms.items():
            rel = f"submissions/{period}/{office}/{form_id}.xlsx"
            _write(root / rel, form_workbook_bytes(get_form(form_id), cover=default_cover(rel), rows=rows))
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("e2e") / "data")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *args, "--workers", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def outcome(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return _run(str(data), "--out", str(out)), out


S, INV, N, M = "scored", "invalid", "incomplete", "missing"
# (period, office, status, sales, target, attainment, growth, share, attrition, pass, training, satisfaction,
#  score, grade, rank) — None = empty in the CSV
EXPECTED = [
    # BJ01 Q1: (35·110 + 15·120 + 10·104 + 15·100 + 15·100 + 10·50) / 100 = 10190 / 100
    ("2025Q1", "BJ01", S, 110, 100, 1.1, 0.375, 0.11, 0, 1, 0.5, 90, 101.9, "优秀", 1),
    ("2025Q1", "GZ01", N, None, None, None, None, None, None, None, None, None, None, None, None),
    # SH01: 0.9 -> 90, -0.1 -> 60, 0.09 -> 90, team 100 each: (3150 + 900 + 900 + 4000) / 100
    ("2025Q1", "SH01", S, 90, 100, 0.9, -0.1, 0.09, 0, 1, 1, 80, 89.5, "良好", 2),
    # BJ01 Q2: start 4, end 3 (E4 left on the last day), leavers 1: 1 / 3.5 -> beyond 0.15 -> 0
    # (3850 + 1800 + 1040 + 0 + 1500 + 1000) / 100 = 9190 / 100
    ("2025Q2", "BJ01", S, 110, 100, 1.1, 0.375, 0.11, 1 / 3.5, 1, 1, 90, 91.9, "优秀", 1),
    ("2025Q2", "GZ01", M, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2025Q2", "SH01", S, 90, 100, 0.9, -0.1, 0.09, 0, 1, 1, 80, 89.5, "良好", 2),
    # BJ01 Q3: start 3 (E5 joined on the first day), end 4, no leavers: (3850+1800+1040+1500+1500+1000)/100
    ("2025Q3", "BJ01", S, 110, 100, 1.1, 0.375, 0.11, 0, 1, 1, 90, 106.9, "优秀", 1),
    ("2025Q3", "GZ01", M, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2025Q3", "SH01", S, 90, 100, 0.9, -0.1, 0.09, 0, 1, 1, 80, 89.5, "良好", 2),
    ("2025Q4", "BJ01", S, 110, 100, 1.1, 0.375, 0.11, 0, 1, 1, 90, 106.9, "优秀", 1),
    ("2025Q4", "GZ01", M, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2025Q4", "SH01", S, 90, 100, 0.9, -0.1, 0.09, 0, 1, 1, 80, 89.5, "良好", 2),
    # BJ01 2025: sales 440 / 400 -> 110; growth (440-320)/320 = 0.375 -> 120; share 0.11 -> 104;
    # attrition: leavers {E4} 1 / ((Q1 start 4 + Q4 end 4) / 2) = 0.25 -> annual 50; pass 14/14 -> 100;
    # training 7/8 = 0.875 -> 87.5; satisfaction 90 -> 100:
    # (30·110 + 10·120 + 10·104 + 10·50 + 10·100 + 10·87.5 + 20·100) / 100 = 9915 / 100
    ("2025", "BJ01", S, 440, 400, 1.1, 0.375, 0.11, 0.25, 1, 0.875, 90, 99.15, "优秀", 1),
    ("2025", "GZ01", N, None, None, None, None, None, None, None, None, None, None, None, None),
    # SH01 2025: 360/400 -> 90; -0.1 -> 60; 0.09 -> 90; team 100; satisfaction 80 -> 66.667:
    # (2700 + 600 + 900 + 3000 + 20·200/3) / 100 = 85.3333…
    ("2025", "SH01", S, 360, 400, 0.9, -0.1, 0.09, 0, 1, 1, 80, 85.33333333333333, "良好", 2),
    # BJ01 2026Q1: sales 121, prior blank -> 2025Q1 submitted sales 110: growth 0.1 -> 100;
    # attainment 1.21 -> 120 (clamped); share 0.121 -> 108.4; team 100 (training 1/1):
    # (35·120 + 15·100 + 10·108.4 + 15·100 + 15·100 + 10·100) / 100 = 10784 / 100
    ("2026Q1", "BJ01", S, 121, 100, 1.21, 0.1, 0.121, 0, 1, 1, 90, 107.84, "优秀", 1),
    ("2026Q1", "GZ01", M, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2026Q1", "SH01", INV, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2026", "BJ01", N, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2026", "GZ01", M, None, None, None, None, None, None, None, None, None, None, None, None),
    ("2026", "SH01", N, None, None, None, None, None, None, None, None, None, None, None, None),
]
NAMES = {o["office_id"]: o["office_name"] for o in OFFICES}


def test_exit_code_and_summary(outcome):
    done, out = outcome
    assert done.returncode == 1, done.stderr  # SH01 2026Q1 has an error
    assert "Traceback" not in done.stderr
    assert "2025年度" in done.stdout and "数据有误 1" in done.stdout
    assert "  - submissions/2026Q1/SH01/clients.xlsx › 客户 › G2：" in done.stdout
    assert "    怎样修改：" in done.stdout  # the catalogue's fix, under the first error of its kind
    workbooks = [f"考核结果-{p}.xlsx" for p in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025年度", "2026Q1", "2026年度")]
    assert sorted(p.name for p in out.iterdir()) == sorted(["scorecards.csv", "validation.json", *workbooks])


def test_scorecards_csv_matches_the_hand_computed_rows(outcome):
    _, out = outcome
    data = (out / "scorecards.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    # SPEC §7's columns, then §8's head_id,head_name at the end
    assert ",".join(CSV_COLUMNS) == ("period,office_id,office_name,status,sales,sales_target,attainment,growth,"
                                     "market_share,attrition,pass_rate,training_rate,satisfaction,score,grade,rank,"
                                     "head_id,head_name")
    heads = {o["office_id"]: o["head"] for o in OFFICES}
    # no 所长任职 sheet: no 工号, the 业务所 sheet's 所长 in every period
    assert {(r[1], r[-2], r[-1]) for r in rows[1:]} == {(o, "", h) for o, h in heads.items()}
    assert [(r[0], r[1]) for r in rows[1:]] == [(e[0], e[1]) for e in EXPECTED]
    for row, expected in zip(rows[1:], EXPECTED):
        period, office, status, *numbers, score, grade, rank = expected
        got = dict(zip(CSV_COLUMNS, row))
        assert (got["office_name"], got["status"], got["grade"], got["rank"]) == (
            NAMES[office], status, grade or "", "" if rank is None else str(rank)), (period, office)
        for column, value in zip(CSV_COLUMNS[4:13] + ("score",), [*numbers, score]):
            if value is None:
                assert got[column] == "", (period, office, column)
            else:
                assert float(got[column]) == pytest.approx(value, abs=1e-9), (period, office, column)


def test_validation_json_and_period_workbooks(outcome):
    import json

    _, out = outcome
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["file"], f["cell"]) for f in errors] == [
        ("type-number", "submissions/2026Q1/SH01/clients.xlsx", "G2")]
    assert report["kpi_findings"] == []  # every weighted KPI of every scored card had a value
    bonus = _rows(load_workbook(out / "考核结果-2025Q1.xlsx")["奖金"])
    first = next(r for r in bonus if r.get("所编号") == "BJ01")
    assert (first["期间"], first["季度奖金基数（元）"]) == ("2025Q1", 30000)
    assert first["季度奖金（元）"] == pytest.approx(30570.0)  # min(101.9, 120) / 100 × 30000, to the fen
    honours = {(r["期间"], r["所编号"]): [r[n] for n in ("年终特别奖励", "优秀业务所长", "晋升优先", "培训与发展激励")]
               for r in _rows(load_workbook(out / "考核结果-2025年度.xlsx")["荣誉与激励"]) if r.get("所编号")}
    # BJ01 2025: 优秀, team block (500 + 1000 + 875) / 30 = 79.2 < 90 -> no 年终特别奖励; only 优秀 office
    assert honours == {(2025, "BJ01"): [None, "是", None, "是"], (2025, "SH01"): [None, None, None, None]}
    sources = _rows(load_workbook(out / "考核结果-2026Q1.xlsx")["指标来源"])
    growth_2026 = [r for r in sources if r["指标"] == "销售增长率" and r["所编号"] == "BJ01"]
    assert [r["数据来源（数据项：文件 › 工作表 › 单元格）"].splitlines() for r in growth_2026] == [[
        "本期销售额之和：submissions/2026Q1/BJ01/clients.xlsx › 客户 › G2:G3",
        "上年同期（2025Q1）本期销售额之和：submissions/2025Q1/BJ01/clients.xlsx › 客户 › G2:G3"]]


def _rows(ws) -> list[dict]:
    """A sheet's rows under its header row, as dicts keyed by the one-line header (a total row included)."""
    lines = [[c.value for c in row] for row in ws.iter_rows()]
    return [dict(zip([str(h).replace("\n", "") for h in lines[0]], line)) for line in lines[1:]]


def test_a_copied_policy_with_another_weight_changes_the_score(data, tmp_path: Path):
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["kpis"]["training_rate"]["weight"]["quarterly"] = 0
    raw["kpis"]["attainment"]["weight"]["quarterly"] = 45
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    done = _run(str(data), "--out", str(tmp_path / "out"), "--policy", str(policy))
    assert done.returncode == 1, done.stderr
    text = (tmp_path / "out" / "scorecards.csv").read_text(encoding="utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[:2] == ["2025Q1", "BJ01"])
    # (45·110 + 15·120 + 10·104 + 15·100 + 15·100 + 0·50) / 100 = 10790 / 100 (was 101.9)
    assert float(row[CSV_COLUMNS.index("score")]) == pytest.approx(107.9, abs=1e-9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-folder", "--out", "x"], "数据目录不存在"),
        (["{data}", "--out", "{out}", "--policy", "{bad}"], "政策配置有误：bad.yaml：季度考核的权重之和应为 100"),
    ],
)
def test_usage_problems_exit_2(data, tmp_path: Path, args, message):
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["kpis"]["attainment"]["weight"]["quarterly"] = 5
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    done = _run(*[a.format(data=data, out=tmp_path / "out", bad=bad) for a in args])
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_clean_data_exits_0_and_run_returns_the_results(make_workbook, make_reference, data_dir, tmp_path, capsys):
    from pipeline.cli import main
    from pipeline.run import run

    make_reference(offices=OFFICES[:1], targets=[{"year": 2026, "quarter": "Q1", "office_id": "BJ01",
                                                  "sales_target": 100, "prior_sales": 80, "market_size": 1000}])
    for form_id, rows in _bj01("2026Q1").items():
        make_workbook(form_id, f"submissions/2026Q1/BJ01/{form_id}.xlsx", rows=rows)
    assert main(["run", str(data_dir), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert "2026Q1：已评分 1" in capsys.readouterr().out
    outcome = run(data_dir, tmp_path / "again", workers=1)
    results, code = outcome.results, 1 if outcome.results.dataset.error_count() else 0
    card = results.for_period("2026Q1")[0]
    # sales 121: 1.21 -> 120, (121-80)/80 = 0.5125 -> 120, 0.121 -> 108.4, team 100:
    # (35·120 + 15·120 + 10·108.4 + 4000) / 100 = 11084 / 100
    assert (code, card.status, card.grade) == (0, "scored", "优秀")
    assert card.score == pytest.approx(110.84)
    assert (tmp_path / "again" / "scorecards.csv").read_bytes() == (tmp_path / "out" / "scorecards.csv").read_bytes()
    assert {p.name for p in (tmp_path / "again").iterdir()} == {p.name for p in (tmp_path / "out").iterdir()}


def test_run_draws_a_reading_bar_on_a_terminal(data, tmp_path: Path, monkeypatch, capsys):
    from pipeline.cli import main

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    main(["run", str(data), "--out", str(tmp_path / "out"), "--workers", "1", "--no-cache"])
    files = sum(1 for _ in data.rglob("*.xlsx"))
    assert f"读取工作簿 [{'#' * 30}] {files}/{files}\r" in terminal.getvalue()
    assert "读取工作簿" not in capsys.readouterr().out  # the bar never mixes into the summary


def test_a_rerun_with_the_same_inputs_says_it_wrote_nothing(data, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PIPELINE_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "pipeline", "run", str(data), "--out", str(out), "--workers", "1"]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert f"已写出（输出目录 {out}）：validation.json、scorecards.csv、" in first.stdout
    listed = re.search(r"scorecards\.csv、(.*)", first.stdout)[1].split("、")
    periods = [re.fullmatch(r"考核结果-(\d{4})(Q\d|年度)\.xlsx", name).groups() for name in listed]
    assert periods == sorted(periods, key=lambda p: (p[0], p[1] == "年度", p[1]))  # quarters, then the year
    made = {p.name: p.read_bytes() for p in out.iterdir()}
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == first.returncode == 1
    assert f"输入与上次运行完全相同，输出目录 {out} 中的文件都是这次的结果，没有重写。" in again.stdout
    assert "已写出" not in again.stdout and "数据有误 1" in again.stdout  # the summary as before
    assert {p.name: p.read_bytes() for p in out.iterdir()} == made
