"""What `intake` must never do quietly, each test reproducing a new user's report as reported:

1. a misspelled --data folder was created empty and every form then stayed for want of a reference;
2. a changed workbook of a closed period was filed, and the next validate failed (closed-period-changed);
3. a blank template of HR's own workbook replaced the filled one (an applied adjustment disappeared);
4. the report in the inbox was never mentioned on screen, and each run overwrote the last one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS, run_cli, sha256
from conftest import DEFAULT_OFFICES, write_form

from pipeline.forms import get_form

ROOT = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict[str, str]:
    """Every file under `root` and its bytes' digest (folders as themselves)."""
    return {p.relative_to(root).as_posix(): sha256(p) if p.is_file() else "/" for p in sorted(root.rglob("*"))}


def _form(inbox: Path, name: str, form_id: str = "clients", office: str = "BJ01", period: str = "2026Q1",
          rows: dict | None = None) -> Path:
    cover = {"office_id": office, "period": period, "filled_by": "测试填报人"}
    return write_form(get_form(form_id), inbox / name, cover=cover, rows=rows or GOOD_ROWS[form_id])


def _reference(path: Path, offices: list[dict] | None = DEFAULT_OFFICES) -> Path:
    return write_form(get_form("reference"), path, rows={"offices": offices or []})


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "收件箱"
    path.mkdir()
    return path


# ---------------------------------------------------------------------------------------------
# 1. A data folder that does not exist


@pytest.mark.parametrize("hr_file", [None, "blank-reference"])
def test_a_missing_data_folder_is_a_usage_error_and_nothing_is_created(tmp_path, inbox, hr_file):
    """`intake I --data /tmp/nonexist` created the folder and said 未归档：c.xlsx：数据目录中没有 reference.xlsx…"""
    _form(inbox, "c.xlsx")
    if hr_file:  # a blank reference template lists no office: still no reason to start a data folder
        shutil.copy(ROOT / "input_templates" / "reference.xlsx", inbox / "基础数据模板.xlsx")
    before = _tree(tmp_path)
    missing = tmp_path / "nonexist"
    result = run_cli("intake", str(inbox), "--data", str(missing))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"数据目录“{missing}”不存在" in result.stderr and "--data" in result.stderr
    assert "Traceback" not in result.stderr and "未归档" not in result.stdout
    assert not missing.exists() and _tree(tmp_path) == before  # no folder, no report, the inbox as it was


def test_a_first_intake_with_the_reference_creates_the_data_folder_and_says_so(tmp_path, inbox):
    reference = _reference(inbox / "基础数据2026.xlsx")
    form = _form(inbox, "c.xlsx")
    digests = sha256(reference), sha256(form)
    new = tmp_path / "新建" / "数据"
    result = run_cli("intake", str(inbox), "--data", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == f"已新建数据目录“{new}”（收件目录中有基础数据工作簿）。"
    assert (sha256(new / "reference.xlsx"), sha256(new / "submissions/2026Q1/BJ01/clients.xlsx")) == digests
