"""Hardening of `demo` and the writing tasks: no data folder is overwritten by default.

- `demo --out DIR` replaced every workbook of a folder holding data (edited ones included);
- `invoke demo` wrote into `sample_data/` and `invoke intake --inbox X` filed into the bundled
  sample when no folder was given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS, ROOT, run_cli, sha256
from conftest import write_form

from pipeline.forms import get_form

SMALL = ("--offices", "1", "--years", "2026")


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _invoke(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`invoke ARGS` with this repository's tasks.py, run from `cwd`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(ROOT), *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """A folder made by `demo`, then one workbook edited by HR."""
    out = tmp_path / "数据"
    assert run_cli("demo", "--out", str(out), *SMALL).returncode == 0
    write_form(get_form("clients"), out / "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"],
               cover={"office_id": "BJ01", "period": "2026Q1", "filled_by": "人力资源部"})
    return out


def test_demo_refuses_a_folder_that_holds_data(edited):
    before = _tree(edited)
    result = run_cli("demo", "--out", str(edited), *SMALL)
    assert result.returncode == 2
    assert "不是空的" in result.stderr and "--force" in result.stderr and "Traceback" not in result.stderr
    assert _tree(edited) == before


def test_demo_with_force_writes_into_it(edited):
    edited_digest = sha256(edited / "submissions/2026Q1/BJ01/clients.xlsx")
    result = run_cli("demo", "--out", str(edited), *SMALL, "--force")
    assert result.returncode == 0, result.stderr
    assert sha256(edited / "submissions/2026Q1/BJ01/clients.xlsx") != edited_digest


@pytest.mark.parametrize("content", [None, "备注.txt", ".git"])
def test_demo_writes_only_into_an_empty_or_new_folder(tmp_path, content):
    out = tmp_path / "out"
    out.mkdir()
    if content:
        (out / content).write_text("HR 的文件", encoding="utf-8")
    result = run_cli("demo", "--out", str(out), *SMALL)
    assert result.returncode == (2 if content else 0), result.stderr
    if content:
        assert sorted(p.name for p in out.iterdir()) == [content]
        assert f"“{content}”" in result.stderr


def test_demo_into_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"x")
    result = run_cli("demo", "--out", str(target), *SMALL)
    assert result.returncode == 2 and "是一个文件" in result.stderr and target.read_bytes() == b"x"


# ---------------------------------------------------------------------------------------------
# The invoke tasks never write into a folder nobody named


def test_invoke_demo_needs_an_explicit_folder(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = _invoke("demo", cwd=tmp_path)
    assert result.returncode == 2
    assert "--out" in result.stderr and f"--out {ROOT / 'sample_data'} --force" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_invoke_demo_says_where_it_writes_and_keeps_a_folder_with_data(tmp_path):
    result = _invoke("demo", "--out", "示例", "--offices", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"示例数据目录：{tmp_path / '示例'}" in result.stdout
    before = _tree(tmp_path / "示例")
    again = _invoke("demo", "--out", "示例", "--offices", "1", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    assert _tree(tmp_path / "示例") == before
    assert _invoke("demo", "--out", "示例", "--offices", "1", "--force", cwd=tmp_path).returncode == 0


def test_invoke_intake_needs_an_explicit_data_folder(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    path = write_form(get_form("clients"), inbox / "a.xlsx", rows=GOOD_ROWS["clients"],
                      cover={"office_id": "BJ01", "period": "2026Q1"})
    digest = sha256(path)
    result = _invoke("intake", "--inbox", str(inbox), cwd=tmp_path)
    assert result.returncode == 2 and "--data" in result.stderr
    assert sha256(path) == digest and sorted(p.name for p in inbox.iterdir()) == ["a.xlsx"]


def test_invoke_intake_says_both_folders_in_full(tmp_path):
    (tmp_path / "收件").mkdir()
    result = _invoke("intake", "--inbox", "收件", "--data", "数据", cwd=tmp_path)
    assert f"收件目录：{tmp_path / '收件'}" in result.stdout
    assert f"数据目录：{tmp_path / '数据'}" in result.stdout


def test_demo_force_says_which_workbooks_of_an_earlier_demo_it_deleted(tmp_path):
    """Regression: `demo --force` over a larger demo deleted a whole office's workbooks without a word."""
    def demo(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", "demo", "--out", str(tmp_path / "d"), "--years", "2026",
                               *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert demo("--offices", "2").returncode == 0
    office = sorted(p.name for p in (tmp_path / "d" / "submissions" / "2026Q1").iterdir())[-1]
    result = demo("--offices", "1", "--force")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("这次没有生成的 ", 1)[1].splitlines()
    count = int(listed[0].split(" ", 1)[0])
    paths = [line.strip() for line in listed[1:1 + count]]
    assert count == len(paths) > 0 and any(f"/{office}/" in p for p in paths)
    assert not any((tmp_path / "d" / p).exists() for p in paths)
    # the demo's own closing of 2026Q1 was of the workbooks it replaced: made again, so the data hold together
    record = tmp_path / "d" / "closed" / "2026Q1.json"
    assert f"示例的关闭记录 {record} 与重新生成的工作簿不符，已随示例重新生成。" in result.stdout
    checked = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(tmp_path / "d")], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0 and "已关闭期间的文件有改动" not in checked.stdout
    # run again with the same settings: the record matches and stays as it is
    assert f"已有 2026Q1 的关闭记录 {record}，保留不动。" in demo("--offices", "1", "--force").stdout


def test_demo_force_never_touches_a_closing_someone_made(tmp_path):
    data = tmp_path / "d"

    def pipeline(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)

    assert pipeline("demo", "--out", str(data), "--offices", "2", "--years", "2026").returncode == 0
    assert pipeline("reopen", "2026Q1", str(data), "--by", "张敏", "--reason", "补充材料").returncode == 0
    assert pipeline("close", "2026Q1", str(data), "--by", "张敏").returncode == 0
    record = data / "closed" / "2026Q1.json"
    before = record.read_bytes()
    result = pipeline("demo", "--out", str(data), "--offices", "1", "--years", "2026", "--force")
    assert f"已有 2026Q1 的关闭记录 {record}，保留不动。" in result.stdout
    assert record.read_bytes() == before
