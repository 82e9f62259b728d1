"""Closing and reopening periods, policy versions and what-if, on test_run_e2e's hand-computed data set.

2025Q1 is closed, then the policy's quarterly weights change (attainment 35 -> 25, growth 15 -> 25):
the closed quarter's scorecards.csv rows stay byte-identical, the open ones are scored anew.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import default_cover
from openpyxl import load_workbook
from test_run_e2e import _bj01, _sh01, _write, write_data

from pipeline.cli import main
from pipeline.engine.closed import card_from_plain, card_to_plain, checksum, figures_from_plain, figures_to_plain
from pipeline.engine.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy
from pipeline.engine.policy_history import changes, load_history
from pipeline.forms import get_form
from pipeline.outputs.form_workbook import form_workbook_bytes

BASE = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
ATTAINMENT, GROWTH = "weight: {quarterly: 35, annual: 30}", "weight: {quarterly: 15, annual: 10}\n\n  market_share"


def policy_text(attainment: int = 35, growth: int = 15, start: str | None = None, version: str = "2026.1") -> str:
    text = BASE.replace(ATTAINMENT, f"weight: {{quarterly: {attainment}, annual: 30}}", 1)
    text = text.replace(GROWTH, f"weight: {{quarterly: {growth}, annual: 10}}\n\n  market_share", 1)
    text = text.replace('version: "2026.1"', f'version: "{version}"', 1)
    if start is None:
        return text.replace('effective_from: "2025Q1"\n', "", 1)
    return text.replace('effective_from: "2025Q1"', f'effective_from: "{start}"', 1)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("closing") / "data")


def _workbook(root: Path, rel: str, rows: dict) -> None:
    form = get_form(rel.rsplit("/", 1)[1].removesuffix(".xlsx"))
    _write(root / rel, form_workbook_bytes(form, cover=default_cover(rel), rows=rows))


@pytest.fixture
def data(pristine, tmp_path) -> Path:
    shutil.copytree(pristine, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def changed_policy(tmp_path) -> Path:
    path = tmp_path / "policy-changed.yaml"
    path.write_text(policy_text(25, 25), encoding="utf-8")
    return path


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_rows(capsys, data: Path, out: Path, policy: Path | None = None) -> tuple[dict, bytes, int]:
    code, _, err = cli(capsys, "run", data, "--out", out, "--no-cache", "--workers", "1",
                       *(["--policy", policy] if policy else []))
    assert code in (0, 1), err
    raw = (out / "scorecards.csv").read_bytes()
    lines = raw.decode("utf-8-sig").split("\r\n")
    return {tuple(line.split(",")[:2]): line for line in lines[1:] if line}, raw, code


def findings(out: Path, code: str) -> list[dict]:
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    return [f for f in report["findings"] if f["code"] == code]


def close(capsys, data: Path, period: str = "2025Q1", *extra: str) -> tuple[int, str, str]:
    return cli(capsys, "close", period, data, "--by", "张敏", "--no-cache", *extra)


def test_closing_a_closed_period_gives_the_whole_command_to_reopen_it(capsys, data):
    """Regression: it said `请先运行 reopen 2025Q1`, without the command's name and its required options."""
    assert close(capsys, data)[0] == 0
    code, _, err = close(capsys, data)
    assert code == 2
    assert f"如需更正，请先重新打开：kaohe reopen 2025Q1 --data {data.absolute()} --by 姓名 --reason 原因。" in err


def test_close_names_each_office_frozen_without_a_score_and_the_record_in_full(capsys, data, monkeypatch):
    """Regression: it said only `（已评分 2 个）… 记录写入 closed/2025Q1.json`: not which office was frozen
    without a score, and the record's place relative to a data folder it never printed."""
    monkeypatch.chdir(data.parent)
    code, out, err = cli(capsys, "close", "2025Q1", data.name, "--by", "张敏", "--no-cache")
    assert code == 0, err
    assert f"记录写入 {data.absolute() / 'closed' / '2025Q1.json'}。" in out
    lines = out.splitlines()
    assert lines[1:] == ["冻结时没有得分的 1 个业务所：", "  广州一所（GZ01）：数据不全"]


# --- close, then change the policy ----------------------------------------------------------------


def test_closed_rows_byte_identical_after_a_weight_change_open_rows_rescored(capsys, data, changed_policy, tmp_path):
    before, _, _ = run_rows(capsys, data, tmp_path / "before")
    code, out, err = close(capsys, data)
    assert code == 0, err
    assert "已关闭 2025Q1" in out and (data / "closed" / "2025Q1.json").is_file()
    after, _, _ = run_rows(capsys, data, tmp_path / "after", changed_policy)
    for office in ("BJ01", "GZ01", "SH01"):
        assert after[("2025Q1", office)] == before[("2025Q1", office)]
    assert after[("2025Q2", "BJ01")] != before[("2025Q2", "BJ01")]
    # BJ01 2025Q2 under 25/25: (25·110 + 25·120 + 10·104 + 0 + 1500 + 1000) / 100 = 92.9
    assert float(next(csv.reader([after[("2025Q2", "BJ01")]]))[13]) == pytest.approx(92.9)
    assert findings(tmp_path / "after", "closed-period-changed") == []


def test_the_record_holds_what_the_issue_lists(capsys, data):
    close(capsys, data)
    record = json.loads((data / "closed" / "2025Q1.json").read_text(encoding="utf-8"))
    assert record["period"] == "2025Q1" and record["state"] == "closed" and record["closed_by"] == "张敏"
    assert record["checksum"] == checksum(record)
    assert record["policy"]["version"] == "2026.1" and len(record["policy"]["digest"]) == 64
    assert len(record["reference"]["sha256"]) == 64 and len(record["reference"]["rows_digest"]) == 64
    assert sorted(record["inputs"]) == sorted(p.relative_to(data).as_posix()
                                             for p in (data / "submissions" / "2025Q1").rglob("*.xlsx"))
    card = next(c for c in record["cards"] if c["office_id"] == "BJ01")
    assert (card["score"], card["grade"], card["rank"]) == (pytest.approx(101.9), "优秀", 1)
    assert card["bonus_coefficient"] == pytest.approx(1.019) and card["bonus_amount"] == pytest.approx(30570)
    assert card["kpis"]["attainment"]["value"] == pytest.approx(1.1)
    assert record["history"] == [{"action": "close", "at": record["closed_at"], "by": "张敏"}]
    assert str(data.resolve()) not in json.dumps(record, ensure_ascii=False)  # no path of this machine


def test_frozen_cards_and_figures_round_trip(capsys, data):
    from pipeline.engine.assess import assess
    from pipeline.run import check

    dataset, _ = check(data, workers=1)
    results = assess(dataset, load_policy())
    for card in results.scorecards:
        assert card_from_plain(json.loads(json.dumps(card_to_plain(card)))) == card
    for fig in results.figures.values():
        assert figures_from_plain(json.loads(json.dumps(figures_to_plain(fig)))) == fig


# --- the closed period's files ----------------------------------------------------------------------


@pytest.mark.parametrize(("change", "rel"), [
    ("changed", "submissions/2025Q1/BJ01/clients.xlsx"),
    ("added", "submissions/2025Q1/GZ01/training.xlsx"),
    ("removed", "submissions/2025Q1/SH01/projects.xlsx"),
])
def test_a_changed_added_or_removed_workbook_is_an_error_and_the_frozen_results_stay(
        capsys, data, tmp_path, change, rel):
    before, _, _ = run_rows(capsys, data, tmp_path / "before")
    close(capsys, data)
    if change == "removed":
        (data / rel).unlink()
    else:
        rows = _bj01("2025Q1") if change == "changed" else _sh01("2025Q1")
        form = rel.rsplit("/", 1)[1].removesuffix(".xlsx")
        if change == "changed":
            rows = {**rows, "clients": {"clients": [dict(c, sales=5) for c in rows["clients"]["clients"]]}}
        _workbook(data, rel, rows[form])
    after, _, code = run_rows(capsys, data, tmp_path / "after")
    assert code == 1
    found = findings(tmp_path / "after", "closed-period-changed")
    assert [f["file"] for f in found] == [rel] and found[0]["severity"] == "error"
    assert "2025Q1 已于" in found[0]["message"] and "冻结" in found[0]["message"]
    assert all(after[("2025Q1", o)] == before[("2025Q1", o)] for o in ("BJ01", "GZ01", "SH01"))
    # next year's growth compares with the frozen 2025Q1 sales (110), not with the file as it is now
    assert after[("2026Q1", "BJ01")] == before[("2026Q1", "BJ01")]


def test_a_tampered_record_is_an_error_and_never_used(capsys, data, changed_policy, tmp_path):
    close(capsys, data)
    path = data / "closed" / "2025Q1.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"rank": 1', '"rank": 2', 1), encoding="utf-8")
    fresh, _, _ = run_rows(capsys, data, tmp_path / "fresh", changed_policy)
    found = findings(tmp_path / "fresh", "closed-record-invalid")
    assert [f["file"] for f in found] == ["closed/2025Q1.json"] and "校验和不符" in found[0]["message"]
    assert float(next(csv.reader([fresh[("2025Q1", "BJ01")]]))[13]) != pytest.approx(101.9)  # rescored


def test_discover_does_not_report_the_closed_folder(capsys, data, tmp_path):
    close(capsys, data)
    code, out, _ = cli(capsys, "validate", data, "--no-cache", "--json", tmp_path / "v.json")
    report = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert not [f for f in report["findings"] if f["code"] == "file-misplaced" or "closed" in (f["file"] or "")]


# --- refusals ---------------------------------------------------------------------------------------


def test_close_is_refused_while_the_period_has_errors(capsys, data):
    code, out, err = close(capsys, data, "2026Q1")
    assert code == 1 and "未关闭：2026Q1 还有 1 个错误，不能关闭" in err
    assert "submissions/2026Q1/SH01/clients.xlsx" in err and "Traceback" not in err
    assert not (data / "closed" / "2026Q1.json").exists()


def test_a_year_is_refused_before_its_four_quarters_are_closed(capsys, data):
    close(capsys, data, "2025Q1")
    code, _, err = close(capsys, data, "2025")
    assert code == 2 and "关闭 2025 年度前须先关闭它的四个季度；尚未关闭：2025Q2、2025Q3、2025Q4" in err
    for quarter in ("2025Q2", "2025Q3", "2025Q4"):
        assert close(capsys, data, quarter)[0] == 0
    code, out, err = close(capsys, data, "2025")
    assert code == 0, err
    assert cli(capsys, "reopen", "2025Q2", data, "--by", "李华", "--reason", "更正")[0] == 2  # the year first


@pytest.mark.parametrize(("args", "message"), [
    (["close", "2025Q5", "{data}", "--by", "张敏"], "期间应为 2026Q1 这样的季度或 2026 这样的年份"),
    (["close", "2025Q1", "{data}", "--by", "  "], "--by 应为不超过 50 个字的姓名"),
    (["close", "2025Q1", "{data}/nowhere", "--by", "张敏"], "不存在"),
    (["reopen", "2025Q2", "{data}", "--by", "李华", "--reason", "x"], "2025Q2 没有关闭"),
    (["reopen", "2025Q1", "{data}", "--by", "李华", "--reason", " "], "--reason 应写明重新打开的原因"),
    (["whatif", "{data}", "--policy", "{data}/none.yaml"], "政策草案文件"),
    (["whatif", "{data}", "--policy", "{data}/reference.xlsx"], "政策草案有误"),
    (["whatif", "{data}", "--policy", "{policy}", "--period", "2030Q1"], "数据目录中没有期间 2030Q1"),
])
def test_usage_errors_exit_2_in_chinese(capsys, data, changed_policy, args, message):
    code, out, err = cli(capsys, *(a.format(data=data, policy=changed_policy) for a in args))
    assert code == 2 and message in err and "Traceback" not in err


def test_a_missing_option_is_a_usage_error(capsys, data):
    with pytest.raises(SystemExit) as exc:
        main(["close", "2025Q1", str(data)])
    assert exc.value.code == 2 and "参数错误" in capsys.readouterr().err


# --- reopen ---------------------------------------------------------------------------------------


def test_reopen_rescores_and_keeps_the_history(capsys, data, changed_policy, tmp_path):
    before, _, _ = run_rows(capsys, data, tmp_path / "before")
    close(capsys, data)
    code, out, err = cli(capsys, "reopen", "2025Q1", data, "--by", "李华", "--reason", "北京一所更正客户表")
    assert code == 0 and "已重新打开 2025Q1" in out
    after, _, _ = run_rows(capsys, data, tmp_path / "after", changed_policy)
    assert after[("2025Q1", "BJ01")] != before[("2025Q1", "BJ01")]  # rescored under the changed weights
    assert close(capsys, data, "2025Q1", "--policy", str(changed_policy))[0] == 0
    record = json.loads((data / "closed" / "2025Q1.json").read_text(encoding="utf-8"))
    assert [(h["action"], h["by"], h.get("reason")) for h in record["history"]] == [
        ("close", "张敏", None), ("reopen", "李华", "北京一所更正客户表"), ("close", "张敏", None)]


# --- policy versions ------------------------------------------------------------------------------


def test_two_policy_versions_score_two_years_differently(capsys, data, tmp_path):
    folder = tmp_path / "policy"
    (folder / "policies").mkdir(parents=True)
    (folder / "policies" / "2025Q1.yaml").write_text(policy_text(start="2025Q1", version="2025.1"), encoding="utf-8")
    (folder / "policy.yaml").write_text(policy_text(25, 25, start="2026Q1", version="2026.1"), encoding="utf-8")
    rows, _, _ = run_rows(capsys, data, tmp_path / "out", folder / "policy.yaml")
    score = lambda period, office: float(next(csv.reader([rows[(period, office)]]))[13])  # noqa: E731
    assert score("2025Q1", "BJ01") == pytest.approx(101.9)  # the 2025 version: 35 / 15
    assert score("2025Q2", "BJ01") == pytest.approx(91.9)
    # 2026Q1 under 25 / 25: (25·120 + 25·100 + 10·108.4 + 1500 + 1500 + 1000) / 100
    assert score("2026Q1", "BJ01") == pytest.approx(105.84)
    history = load_history(folder / "policy.yaml")
    assert [v.version for v in history.versions] == ["2025.1", "2026.1"]
    assert history.for_period("2025").version == "2025.1" and history.for_period("2026Q3").version == "2026.1"
    assert [(c.item, c.before, c.after) for c in changes(*history.versions)] == [
        ("销售目标完成率的季度考核权重", "35", "25"), ("销售增长率的季度考核权重", "15", "25")]


@pytest.mark.parametrize(("value", "message"), [
    ("2026-01", "effective_from（生效期间）应为 2026Q1 这样的季度"),
    ("2026Q5", "effective_from（生效期间）应为 2026Q1 这样的季度"),
    (2026, "effective_from（生效期间）应为 2026Q1 这样的季度"),
])
def test_effective_from_is_checked(tmp_path, value, message):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace('effective_from: "2025Q1"', f"effective_from: {json.dumps(value)}"), encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_versions_must_start_before_the_current_one(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "old.yaml").write_text(policy_text(start="2026Q1"), encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(policy_text(start="2025Q1"), encoding="utf-8")
    with pytest.raises(PolicyError, match="不早于现行版本"):
        load_history(tmp_path / "policy.yaml")


def test_the_bundled_versions_load_and_differ():
    history = load_history()
    assert len(history.versions) >= 2 and history.current.effective_from
    assert changes(history.versions[-2], history.current)


# --- what-if --------------------------------------------------------------------------------------


@pytest.fixture
def attrition_draft(tmp_path) -> Path:
    """Quarterly weights 10 / 10 / 10 / 50 / 10 / 10: team stability first."""
    text = policy_text(10, 10)
    text = text.replace("weight: {quarterly: 15, annual: 10}\n\n  pass_rate", "weight: {quarterly: 50, annual: 10}\n\n"
                        "  pass_rate", 1)
    text = text.replace("weight: {quarterly: 15, annual: 10}\n\n  training_rate",
                        "weight: {quarterly: 10, annual: 10}\n\n  training_rate", 1)
    assert text.count("quarterly: 50") == 1
    path = tmp_path / "草案.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_whatif_on_a_known_change(capsys, data, attrition_draft, tmp_path, monkeypatch):
    close(capsys, data)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "whatif", data, "--policy", attrition_draft, "--period", "2025Q2", "--no-cache")
    assert code == 0, err
    lines = [line.split() for line in out.splitlines() if line.startswith("2025Q2")]
    # BJ01: (10·110 + 10·120 + 10·104 + 50·0 + 10·100 + 10·100) / 100 = 53.4 -> 不合格, rank 2, coefficient 0
    # SH01: (10·90 + 10·60 + 10·90 + 50·100 + 10·100 + 10·100) / 100 = 94.0 -> 优秀, rank 1
    assert lines[0] == ["2025Q2", "BJ01", "北京一所", "已评分", "91.9", "53.4", "-38.5", "优秀", "不合格",
                        "1", "2", "-1", "0.919", "0.000"]
    assert lines[1] == ["2025Q2", "SH01", "上海一所", "已评分", "89.5", "94.0", "+4.5", "良好", "优秀",
                        "2", "1", "+1", "0.895", "0.940"]
    assert lines[2][:2] == ["2025Q2", "GZ01"]  # not scored: no change, last
    assert "27570" not in out and "27,570" not in out and "奖金（元）" not in out  # amounts: workbook only
    book = tmp_path / "试算对比-草案-2025Q2.xlsx"
    assert book.is_file() and f"已写出：{book}" in out  # in full, so HR knows where it went
    sheet = load_workbook(book)["试算对比"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]]))
    assert (first["所编号"], first["现行奖金（元）"], first["草案奖金（元）"]) == ("BJ01", 27570, 0)
    # a second run never overwrites the first workbook without saying so
    code, out, _ = cli(capsys, "whatif", data, "--policy", attrition_draft, "--period", "2025Q2", "--no-cache")
    assert "试算对比-草案-2025Q2-2.xlsx" in out


def test_whatif_shows_the_change_of_the_scores_as_shown_and_counts_visible_changes(
        capsys, data, attrition_draft, tmp_path, monkeypatch):
    """Regression: GZ01 38.2 -> 37.3 showed -0.8, and BJ01 106.9 -> 106.8 showed 0 while counted in
    得分有变化的; the change was rounded apart from the two scores shown."""
    import pandas as pd

    from pipeline import whatif
    from pipeline.outputs.whatif import COLUMNS

    rows = [("GZ01", "广州一所", 38.16, 37.34), ("BJ01", "北京一所", 106.86, 106.84), ("SH01", "上海一所", 50.01, 50.04),
            ("SZ01", "深圳一所", 60.0, 60.0)]
    frame = pd.DataFrame([{"期间": "2026Q3", "所编号": o, "业务所": n, "状态": "已评分", "现行得分": a, "草案得分": b,
                           "得分变化": b - a} for o, n, a, b in rows], columns=list(COLUMNS))
    monkeypatch.setattr(whatif, "compare", lambda *a, **k: whatif.WhatIf(frame, "2026.1", "2026.2", []))
    code, out, err = cli(capsys, "whatif", data, "--policy", attrition_draft, "--out", tmp_path / "w.xlsx")
    assert code == 0, err
    shown = {line.split()[1]: line.split()[4:7] for line in out.splitlines() if line.startswith("2026Q3")}
    assert shown == {"GZ01": ["38.2", "37.3", "-0.9"], "BJ01": ["106.9", "106.8", "-0.1"],
                     "SH01": ["50.0", "50.0", "0"], "SZ01": ["60.0", "60.0", "0"]}
    assert [line.split()[1] for line in out.splitlines() if line.startswith("2026Q3")][:2] == ["GZ01", "BJ01"]
    assert "得分有变化的：2 个（得分变化为两个得分按一位小数显示后之差；工作簿中的得分与得分变化未取整）。" in out
    sheet = load_workbook(tmp_path / "w.xlsx")
    first = dict(zip([c.value for c in sheet["试算对比"][1]], [c.value for c in sheet["试算对比"][2]]))
    assert first["得分变化"] == pytest.approx(-0.82)  # the workbook keeps the unrounded difference, and says so
    assert any(row[0].value == "取整" for row in sheet["说明"].iter_rows())


def test_whatif_refuses_an_out_file_that_is_not_a_workbook(capsys, data, attrition_draft, tmp_path):
    """Regression: `whatif --out x.csv` wrote an Excel workbook named .csv."""
    code, out, err = cli(capsys, "whatif", data, "--policy", attrition_draft, "--out", tmp_path / "x.csv")
    assert code == 2 and "--out 应为 .xlsx 文件（试算对比是 Excel 工作簿），实际为“x.csv”。" in err
    assert not (tmp_path / "x.csv").exists()


def test_whatif_leaves_closed_periods_out(capsys, data, attrition_draft, tmp_path):
    close(capsys, data)
    code, out, err = cli(capsys, "whatif", data, "--policy", attrition_draft, "--out", tmp_path / "w.xlsx",
                         "--no-cache")
    assert code == 0 and "已关闭的期间 2025Q1 结果已冻结" in out
    assert not [line for line in out.splitlines() if line.startswith("2025Q1 ")]
    code, _, err = cli(capsys, "whatif", data, "--policy", attrition_draft, "--period", "2025Q1", "--no-cache")
    assert code == 2 and "2025Q1 已关闭" in err


def test_period_workbook_and_page_say_when_the_period_was_closed(capsys, data, tmp_path):
    from pipeline.outputs.pages.results import render_period
    from pipeline.run import run

    close(capsys, data, "2025Q1")
    outcome = run(data, tmp_path / "out", workers=1)
    page = render_period(outcome.results, "2025Q1")
    assert "本期已关闭" in page and "关闭并冻结" in page and "张敏" not in page
    notes = [[c.value for c in row] for row in load_workbook(tmp_path / "out" / "考核结果-2025Q1.xlsx")["说明"].iter_rows()]
    assert any(row[0] == "关闭状态" and "由 张敏 关闭" in str(row[1]) for row in notes)
    # the closing time as the sheet shows times, not the record's ISO text
    assert any(row[0] == "关闭状态" and re.match(r"已于 \d{4}-\d\d-\d\d \d\d:\d\d（UTC[+-]\d\d:\d\d） 由", str(row[1]))
               for row in notes)
    open_notes = load_workbook(tmp_path / "out" / "考核结果-2025Q2.xlsx")["说明"]
    assert any(row[0].value == "关闭状态" and str(row[1].value).startswith("未关闭") for row in open_notes.iter_rows())


def test_the_bundled_sample_has_a_closed_quarter():
    from pipeline.build import SAMPLE_DATA

    record = json.loads((SAMPLE_DATA / "closed" / "2025Q1.json").read_text(encoding="utf-8"))
    assert record["state"] == "closed" and record["checksum"] == checksum(record)

