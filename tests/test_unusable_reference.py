"""HR's reference workbook missing, not a workbook, or the blank template: every command says so.

The bug as reported (a fresh clone, a copy of sample_data/ with reference.xlsx deleted, replaced by
a text file renamed .xlsx, or by the blank template input_templates/reference.xlsx): `run`, `build`,
`whatif`, `reports` and `close` ended in a KeyError traceback from engine/assess.py, `remind` said
every office had filed everything, and `validate` passed the blank template. Each command now shows
validate's findings about reference.xlsx, exits 1 and writes nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_run_e2e import write_data

from pipeline.cli import main
from pipeline.cli.summaries import SHOWN_ERRORS, refusal_text
from pipeline.engine.assess import assess
from pipeline.engine.policy import DEFAULT_POLICY_PATH, load_policy
from pipeline.findings import Refused, finding
from pipeline.run import check

ROOT = Path(__file__).resolve().parents[1]
BLANK_TEMPLATE = ROOT / "input_templates" / "reference.xlsx"
SAMPLE = ROOT / "sample_data"

# variant -> what validate says about reference.xlsx (its line, as every command shows it)
FINDING = {
    "missing": "reference.xlsx：找不到人力资源部基础数据文件 reference.xlsx",
    "text": "reference.xlsx：文件不是有效的 .xlsx 工作簿",
    "blank": "reference.xlsx › 业务所：《业务所》表中没有任何业务所",
}
VARIANTS = list(FINDING)


def spoil(data: Path, variant: str) -> Path:
    """The data folder with its reference.xlsx deleted, made a text file, or the blank template."""
    reference = data / "reference.xlsx"
    reference.unlink()
    if variant == "text":
        reference.write_text("这不是工作簿，只是改了扩展名的文本文件\n", encoding="utf-8")
    elif variant == "blank":
        shutil.copyfile(BLANK_TEMPLATE, reference)
    return data


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """The hand-computed e2e data set (three offices, 2025Q1–2026Q1), once per variant."""
    base = write_data(tmp_path_factory.mktemp("base") / "data")
    made = {}
    for variant in VARIANTS:
        made[variant] = tmp_path_factory.mktemp(variant) / "data"
        shutil.copytree(base, made[variant])
        spoil(made[variant], variant)
    return made


@pytest.mark.parametrize("variant", VARIANTS)
def test_validate_names_the_reference(folders, variant, capsys):
    assert main(["validate", str(folders[variant]), "--no-cache", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert FINDING[variant] in out
    assert "结论：发现" in out


def test_the_blank_template_is_an_error_on_its_offices_sheet(folders):
    dataset, _ = check(folders["blank"], workers=1)
    found = [(f.code, f.severity, f.file, f.sheet) for f in dataset.findings if f.file == "reference.xlsx"]
    assert found == [("reference-no-offices", "error", "reference.xlsx", "业务所")]


@pytest.mark.parametrize("variant", VARIANTS)
def test_assess_scores_nothing_without_offices(folders, variant):
    """The root cause: every open period was ranked as if it had at least one card."""
    dataset, _ = check(folders[variant], workers=1)
    assert not dataset.reference.offices and dataset.periods  # submissions name the quarters
    results = assess(dataset, load_policy())
    assert results.scorecards == [] and results.periods == []


def _commands(data: Path, out: Path) -> dict[str, tuple[list[str], str, Path]]:
    """name -> (argv, what the refusal says, what must not be written)."""
    return {
        "run": (["run", str(data), "--out", str(out / "O"), "--workers", "1"], "无法计算考核结果", out / "O"),
        "build": (["build", "--data", str(data), "--site", str(out / "site"), "--workers", "1"],
                  "无法计算考核结果", out / "site"),
        "build --keep-going": (["build", "--data", str(data), "--site", str(out / "site"), "--keep-going",
                                "--workers", "1"], "无法计算考核结果", out / "site"),
        "whatif": (["whatif", str(data), "--policy", str(DEFAULT_POLICY_PATH), "--out", str(out / "试算.xlsx")],
                   "无法试算", out / "试算.xlsx"),
        "reports": (["reports", str(data), "--out", str(out / "R"), "--workers", "1"], "无法生成考核确认单", out / "R"),
        "close": (["close", "2026Q1", str(data), "--by", "测试"], "无法关闭 2026Q1", data / "closed"),
        "remind": (["remind", str(data), "--period", "2026Q1", "--out", str(out / "提醒")],
                   "无法判断哪些业务所还欠交表格", out / "提醒"),
    }


COMMANDS = list(_commands(Path(), Path()))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_says_why_and_exits_1(folders, variant, command, tmp_path, capsys):
    argv, refusal, unwritten = _commands(folders[variant], tmp_path)[command]
    assert main([*argv, "--no-cache"]) == 1  # a traceback would fail the test here
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert f"{refusal}：人力资源部基础数据 reference.xlsx 缺失或无法使用" in captured.err
    assert FINDING[variant] in captured.err
    assert "均已交齐" not in text and "Traceback" not in text
    assert not unwritten.exists()
    if command.startswith("build"):  # said as every failed build is
        assert captured.err.startswith("网站构建失败：无法计算考核结果")


@pytest.mark.parametrize("variant", VARIANTS)
def test_commands_show_what_validate_shows(folders, variant, tmp_path, capsys):
    """The same findings about reference.xlsx, word for word, with how to fix them."""
    dataset, _ = check(folders[variant], workers=1)
    lines = [f.display() for f in dataset.findings if f.file == "reference.xlsx"]
    fixes = [f.fix for f in dataset.findings if f.file == "reference.xlsx"]
    assert lines
    assert main(["whatif", str(folders[variant]), "--policy", str(DEFAULT_POLICY_PATH), "--out",
                 str(tmp_path / "w.xlsx"), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert all(f"  - {line}" in err for line in lines) and all(fix in err for fix in fixes)


@pytest.mark.parametrize("variant", VARIANTS)
def test_as_reported_on_a_copy_of_the_sample(variant, tmp_path):
    """`python -m pipeline run D --out O` on a copy of sample_data/ (it has a closed 2025Q1): no traceback."""
    data = spoil(Path(shutil.copytree(SAMPLE, tmp_path / "D")), variant)
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(data), "--out", str(tmp_path / "O"),
                           "--workers", "2", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "KeyError" not in done.stderr
    assert FINDING[variant] in done.stderr
    assert not (tmp_path / "O").exists()


def test_remind_as_reported_on_a_copy_of_the_sample(tmp_path, capsys):
    """It said `2026Q1：12 个业务所的表格均已交齐且没有错误，无需提醒` and exited 0."""
    data = spoil(Path(shutil.copytree(SAMPLE, tmp_path / "D")), "missing")
    assert main(["remind", str(data), "--period", "2026Q1", "--out", str(tmp_path / "提醒"), "--no-cache"]) == 1
    captured = capsys.readouterr()
    assert "均已交齐" not in captured.out
    assert "无法判断哪些业务所还欠交表格" in captured.err and "reference.xlsx" in captured.err
    assert not (tmp_path / "提醒").exists()


def test_a_refusal_lists_the_first_errors_and_says_how_many_there_are():
    """A reference whose every office row lacks its 所编号: each row an error, and none taken."""
    rows = [finding("required-blank", file="reference.xlsx", sheet="业务所", cell=f"A{n}", row=n, column="所编号")
            for n in range(2, 2 + SHOWN_ERRORS + 2)]
    text = refusal_text(Refused("无法试算：人力资源部基础数据 reference.xlsx 缺失或无法使用", rows))
    lines = text.split("\n")
    assert lines[0] == "错误：无法试算：人力资源部基础数据 reference.xlsx 缺失或无法使用"
    assert [line for line in lines if line.startswith("  - ")] == [f"  - {f.display()}" for f in rows[:SHOWN_ERRORS]]
    assert lines[2].startswith("    怎样修改：") and sum("怎样修改" in line for line in lines) == 1
    assert lines[-1] == "  ……另有 2 个（validate 命令列出全部问题）"
