"""HR's reference workbook missing, not a workbook, or the blank template: every command says so.

The bug as reported (a fresh clone, a copy of sample_data/ with reference.xlsx deleted, replaced by
a text file renamed .xlsx, or by the blank template input_templates/reference.xlsx): `run`, `build`,
`whatif`, `reports` and `close` ended in a KeyError traceback from engine/assess.py, `remind` said
every office had filed everything, and `validate` passed the blank template. Each command now shows
validate's findings about reference.xlsx, exits 1 and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_run_e2e import write_data

from pipeline.cli import main
from pipeline.engine.assess import assess
from pipeline.engine.policy import load_policy
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
def test_assess_scores_nothing_without_offices(folders, variant):
    """The root cause: every open period was ranked as if it had at least one card."""
    dataset, _ = check(folders[variant], workers=1)
    assert not dataset.reference.offices and dataset.periods  # submissions name the quarters
    results = assess(dataset, load_policy())
    assert results.scorecards == [] and results.periods == []


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
