"""`reports`: one 考核确认单 PDF per office-period, with the card's figures, for the head and HR to sign."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from _site_helpers import HOSTILE_HEAD, HOSTILE_NAME, SMALL_OFFICES, sample_results, write_small_data
from conftest import write_form
from PIL import Image

from pipeline.cli import main
from pipeline.engine.adjust import shown
from pipeline.engine.assess import assess
from pipeline.engine.model import SCORED
from pipeline.engine.policy import load_policy
from pipeline.forms import REVIEWS
from pipeline.forms.reviews import TOTAL
from pipeline.outputs.pages.env import num
from pipeline.outputs.reports import file_name, file_names, render_html, reports, safe_part
from pipeline.reports import BESIDE, UNCHANGED, WRITTEN, make_reports, place
from pipeline.run import check

PERIOD = "2026Q1"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    data = write_small_data(root / "data", periods=(PERIOD,))
    outcome = make_reports(data, root / "out", PERIOD, workers=1)
    return root, data, outcome


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_one_pdf_per_office_period(made):
    root, _, outcome = made
    names = sorted(p.name for p in (root / "out").iterdir())
    assert names == sorted(f"{name}-{PERIOD}-考核确认单.pdf" for _, name, *_ in SMALL_OFFICES)
    assert {w.action for w in outcome.files} == {WRITTEN}
    assert all(p.read_bytes().startswith(b"%PDF-") for p in (root / "out").iterdir())


def test_the_figures_and_chinese_text_are_in_the_pdf(made):
    root, _, outcome = made
    for card in outcome.results.for_period(PERIOD):
        text = _text(root / "out" / f"{card.office_name}-{PERIOD}-考核确认单.pdf")
        for expected in ("业务所长考核确认单", "2026年第一季度", card.office_name, card.office_id, card.head,
                         "已评分", num(card.score, 2), card.grade, f"第 {card.rank} 名（共 3 个业务所）",
                         f"{card.bonus_amount:,.2f} 元", "销售目标完成率", "距下一等级", "所长签字",
                         "人力资源部签字", f"submissions/{PERIOD}/{card.office_id}/clients.xlsx", "reference.xlsx",
                         "调整与申诉"):
            assert expected in text, (card.office_id, expected)
        for kpi in card.kpis.values():
            if kpi.contribution is not None:
                assert num(kpi.contribution, 2) in text


def test_the_first_page_is_not_blank(made, tmp_path):
    root, *_ = made
    pdf = root / "out" / f"{SMALL_OFFICES[0][1]}-{PERIOD}-考核确认单.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    assert 0.69 < width / height < 0.73  # A4 portrait
    dark = sum(image.histogram()[:200])
    assert dark > 0.02 * width * height


def test_an_adjusted_office_period_shows_its_adjustment_and_appeal(tmp_path):
    data = write_small_data(tmp_path / "data", periods=(PERIOD,))
    dataset, _ = check(data, workers=1)
    card = next(c for c in assess(dataset, load_policy()).for_period(PERIOD) if c.status == SCORED)
    original = shown(card.score, TOTAL, "")
    write_form(REVIEWS, data / "reviews.xlsx", rows={
        "adjustments": [{"office_id": card.office_id, "period": PERIOD, "item": "总分", "original": original,
                         "adjusted": "99", "reason": "复核更正销售额", "approved_by": "复核人甲",
                         "approved_on": date(2026, 4, 20)}],
        "appeals": [{"office_id": card.office_id, "period": PERIOD, "filed_on": date(2026, 4, 12),
                     "matter": "销售额漏计", "outcome": "已调整", "settled_on": date(2026, 4, 20),
                     "handled_by": "处理人乙"}]})
    outcome = make_reports(data, tmp_path / "out", PERIOD, workers=1)
    adjusted = next(c for c in outcome.results.for_period(PERIOD) if c.office_id == card.office_id)
    assert adjusted.score == 99 and len(adjusted.adjustments) == 1

    mine = next(r for r in reports(outcome.results, PERIOD) if r.card.office_id == card.office_id)
    html = unescape(render_html(mine))  # workbook text is escaped down to its dots and dashes
    for expected in ("复核调整", "<th scope=\"col\">项目</th>", "<th scope=\"col\" class=\"num\">原值</th>",
                     "调整后", "原因", "批准人", "批准日期", "总分", original, "99.0", "复核更正销售额", "复核人甲",
                     "2026-04-20", "提出日期", "申诉事项", "处理结果", "处理日期", "2026-04-12", "销售额漏计",
                     "已调整"):
        assert expected in html, expected
    assert "待接入" not in html and "处理人乙" not in html  # the handler is HR's workbook's alone

    text = _text(tmp_path / "out" / f"{card.office_name}-{PERIOD}-考核确认单.pdf")
    for expected in ("复核更正销售额", "复核人甲", "销售额漏计", "2026-04-12", original, "99.0"):
        assert expected in text, expected
    other = next(c for c in outcome.results.for_period(PERIOD) if c.office_id != card.office_id)
    text = _text(tmp_path / "out" / f"{other.office_name}-{PERIOD}-考核确认单.pdf")
    assert "复核调整：无" in text and "申诉：无" in text


def test_a_rerun_leaves_the_same_files_alone(made):
    root, data, _ = made
    again = make_reports(data, root / "out", PERIOD, workers=1)
    assert {w.action for w in again.files} == {UNCHANGED}


def test_a_different_file_is_never_replaced(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"signed")
    first = place(tmp_path, "a.pdf", b"new")
    assert first.action == BESIDE and first.path.name == "a-2.pdf" and first.kept == tmp_path / "a.pdf"
    assert (tmp_path / "a.pdf").read_bytes() == b"signed"
    assert place(tmp_path, "a.pdf", b"new").action == UNCHANGED  # the numbered one is the same
    assert place(tmp_path, "a.pdf", b"newer").path.name == "a-3.pdf"
    assert place(tmp_path, "b.pdf", b"x").action == WRITTEN


def test_a_link_in_place_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    os.symlink(target, tmp_path / "out" / "a.pdf")
    written = place(tmp_path / "out", "a.pdf", b"new")
    assert written.path.name == "a-2.pdf" and target.read_bytes() == b"keep"


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b\\c", "\x1b[2J北京", "\u202e所一京北", "CON", "..", "",
                                  " . ", "名" * 300, 'a:b*c?"d<e>f|g', "line\nbreak\ttab", "\u200b\u200b"])
def test_file_names_are_safe(name):
    got = file_name(name, "BJ01", "2026Q4")
    assert got.endswith("-2026Q4-考核确认单.pdf")
    assert not any(ch in got for ch in '/\\:*?"<>|') and got.isprintable()
    assert not got.startswith(".") and not got.upper().startswith("CON-")
    assert len(got.encode("utf-8")) < 200
    assert safe_part(name) == safe_part(safe_part(name))


def test_offices_sharing_a_name_get_their_ids():
    names = file_names([("BJ01", "北京一所", "2026Q4"), ("BJ02", "北京一所", "2026Q4"), ("SH01", "上海一所", "2026Q4"),
                        ("a/b", "同名", "2026Q4"), ("a_b", "同名", "2026Q4")])
    assert names[("BJ01", "2026Q4")] == "北京一所（BJ01）-2026Q4-考核确认单.pdf"
    assert names[("BJ02", "2026Q4")] == "北京一所（BJ02）-2026Q4-考核确认单.pdf"
    assert names[("SH01", "2026Q4")] == "上海一所-2026Q4-考核确认单.pdf"
    assert len(set(names.values())) == len(names)  # ids that become the same name are numbered


def test_every_workbook_text_is_escaped():
    results = sample_results()
    hostile = [r for r in reports(results) if r.card.office_id == "X99"]
    assert hostile
    for r in hostile:
        html = render_html(r)
        assert HOSTILE_NAME not in html and "<script" not in html.lower()
        assert HOSTILE_HEAD not in html and "{{" not in html


def test_one_report_per_card_and_period_filter():
    results = sample_results()
    assert len(reports(results)) == len(results.scorecards)
    assert {r.card.period for r in reports(results, "2026Q2")} == {"2026Q2"}


@pytest.mark.parametrize("argv, words", [
    (["reports", "{data}", "--out", "{out}", "--period", "2030Q1"], "数据目录中没有期间 2030Q1"),
    (["reports", "{data}", "--out", "{out}", "--period", "第五季度"], "期间应为"),
    (["reports", "{data}", "--out", "{file}"], "是一个文件"),
    (["reports", "{missing}", "--out", "{out}"], "不存在"),
    (["reports", "{data}"], "参数错误"),
])
def test_usage_errors_exit_2_in_chinese(made, tmp_path, capsys, argv, words):
    _, data, _ = made
    (tmp_path / "f.pdf").write_bytes(b"x")
    values = {"data": str(data), "out": str(tmp_path / "o"), "file": str(tmp_path / "f.pdf"),
              "missing": str(tmp_path / "nope")}
    assert _exit_code([a.format(**values) for a in argv] + ["--no-cache"]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return exc.code


def test_the_cli_says_why_it_exits_1_when_the_data_have_errors(made, tmp_path, capsys):
    """Regression: with errors in the data `reports` exited 1 and said nothing about them."""
    import shutil

    _, data, _ = made
    bad = tmp_path / "bad"
    shutil.copytree(data, bad)
    (bad / "submissions" / PERIOD / "SH01" / "clients.xlsx").write_bytes(b"this is not a workbook")
    code = main(["reports", str(bad), "--out", str(tmp_path / "o"), "--period", PERIOD, "--no-cache", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert (f"数据中有 1 个错误：有误的业务所和期间，确认单上的状态为“数据有误”、没有得分，请更正后再签字；"
            f"运行 kaohe validate --data {bad} 查看每个问题所在的单元格。") in out
    assert f"输出目录 {tmp_path / 'o'}。" in out
    # nothing scored, nothing to sign: the sheet of an office-period with errors has no signature lines
    name = next(name for office, name, *_ in SMALL_OFFICES if office == "SH01")
    invalid = _text(tmp_path / "o" / file_name(name, "SH01", PERIOD))
    assert "不需签字" in invalid and "所长签字" not in invalid
    assert out.rstrip("\n").endswith("有错误的业务所和期间（1 个）：\n  2026Q1：上海测试二所（SH01）")


def test_the_cli_names_at_most_ten_office_periods_with_errors(tmp_path, capsys):
    """Regression: `数据中有 N 个错误：…` did not say which office-periods have them."""
    quarters = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
    data = write_small_data(tmp_path / "data", periods=quarters)
    for broken in (data / "submissions").glob("*/*/clients.xlsx"):
        broken.write_bytes(b"this is not a workbook")
    code = main(["reports", str(data), "--out", str(tmp_path / "o"), "--period", "2026Q3", "--no-cache",
                 "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 1
    named = out[out.index("有错误的业务所和期间"):].splitlines()
    offices = [f"{name}（{office}）" for office, name, *_ in sorted(SMALL_OFFICES)]
    assert named == ["有错误的业务所和期间（12 个）：",
                     *(f"  {q}：{o}" for q in quarters for o in offices)][:11] + ["  ……另有 2 个"]


def test_the_cli_writes_and_reports(made, tmp_path, capsys):
    _, data, _ = made
    code = main(["reports", str(data), "--out", str(tmp_path / "o"), "--period", "2026年第一季度", "--no-cache",
                 "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "共 3 份，新写出 3 份" in out and "薪酬信息" in out
    assert len(list((tmp_path / "o").glob("*.pdf"))) == 3
