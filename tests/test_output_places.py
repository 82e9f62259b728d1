"""Where a command may write: never into the data folder, nor the project's site/, docs/ or overrides/.

A new user found `validate --json DATA/reference.xlsx` replaced HR's reference with JSON text,
`whatif --out DATA/reference.xlsx` replaced it with a workbook of bonus amounts, `run --out
DATA/submissions` made the next validate fail, and `reports --out site/确认单` (PDFs with bonus
amounts) was published, then deleted by the next build without a word.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("places") / "数据"
    shutil.copytree(SAMPLE, copy)
    return copy


def pipeline(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("args", "what"), [
    (("validate", "{data}", "--json", "{data}/report.json"), "--json 的路径"),
    (("run", "{data}", "--out", "{data}/submissions"), "--out 的目录"),
    (("reports", "{data}", "--out", "{data}/确认单"), "--out 的目录"),
    (("whatif", "{data}", "--policy", ROOT / "pipeline" / "policy.yaml", "--out", "{data}/reference.xlsx"),
     "--out 的路径"),
    (("remind", "{data}", "--period", "2026Q4", "--out", "{data}/提醒"), "--out 的目录"),
])
def test_nothing_is_written_into_the_data_folder(data, args, what):
    before = snapshot(data)
    argv = [str(a).replace("{data}", str(data)) for a in args]
    result = pipeline(*argv)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"错误：{what}“{data}" in result.stderr and "在数据目录之中" in result.stderr
    assert snapshot(data) == before


@pytest.mark.parametrize("folder", ["site", "docs", "overrides"])
def test_nothing_is_written_where_the_next_build_deletes_or_publishes_it(data, folder, tmp_path):
    target = ROOT / folder / "确认单-测试"
    result = pipeline("reports", data, "--out", target, "--period", "2026Q4")
    assert result.returncode == 2 and not target.exists()
    assert f"“{target}”在项目的 {folder}/ 文件夹之中" in result.stderr


def test_a_default_output_in_the_current_folder_is_checked_too(data):
    """`cd site && whatif …` would have written 试算对比-….xlsx into the site."""
    result = pipeline("whatif", data, "--policy", ROOT / "pipeline" / "policy.yaml", cwd=ROOT / "docs")
    assert result.returncode == 2
    assert f"当前文件夹（默认的输出位置）“{ROOT / 'docs'}”在项目的 docs/ 文件夹之中" in result.stderr
    assert not list((ROOT / "docs").glob("试算对比-*"))


def test_json_report_must_be_a_json_file_and_says_when_it_replaced_one(data, tmp_path):
    wrong = pipeline("validate", data, "--json", tmp_path / "README.md")
    assert wrong.returncode == 2 and "--json 应为 .json 文件，实际为“README.md”。" in wrong.stderr
    report = tmp_path / "r.json"
    assert pipeline("validate", data, "--json", report).stdout.rstrip().endswith(f"已写出 JSON 校验报告：{report}")
    again = pipeline("validate", data, "--json", report)
    assert again.stdout.rstrip().endswith(f"已写出 JSON 校验报告（覆盖了原有的同名文件）：{report}")
