"""`python -m pipeline validate`: discovery, summary, JSON report, progress and exit codes."""

from __future__ import annotations

import io
import json
import re

import pytest
from _read_helpers import legacy_xls
from _validation_helpers import GOOD_ROWS, ROOT, good_office, run_cli, sha256

from pipeline.cli.progress import ProgressBar
from pipeline.findings import CATALOGUE, fix_text
from pipeline.intake.discover import discover
from pipeline.outputs.report_json import report
from pipeline.run import check

Q1_TARGETS = [{"year": 2026, "quarter": "Q1", "office_id": o, "sales_target": 500} for o in ("BJ01", "SH01")]


def test_discover_skips_lock_hidden_and_versions_and_reports_strays(data_dir):
    sub = data_dir / "submissions/2026Q1/BJ01"
    (sub / "_versions").mkdir(parents=True)
    for name in ("clients.xlsx", "~$clients.xlsx", ".hidden.xlsx", "projects.xlsm", "备注.docx",
                 "_versions/clients.2026-11-27T0830.xlsx"):
        (sub / name).write_bytes(b"x")
    (data_dir / "reference.xlsx").write_bytes(b"x")
    (data_dir / "clients.xlsx").write_bytes(b"x")
    (data_dir / "~$reference.xlsx").write_bytes(b"x")
    reference, items, found = discover(data_dir)
    assert reference == data_dir / "reference.xlsx"
    assert items == [
        (str(sub / "clients.xlsx"), "submissions/2026Q1/BJ01/clients.xlsx"),
        (str(sub / "projects.xlsm"), "submissions/2026Q1/BJ01/projects.xlsm"),
    ]
    assert [(f.code, f.severity, f.file) for f in found] == [
        ("file-misplaced", "warning", "clients.xlsx"),
        ("file-misplaced", "warning", "submissions/2026Q1/BJ01/备注.docx"),
    ]


def test_discover_on_an_empty_folder(data_dir):
    assert discover(data_dir) == (None, [], [])


@pytest.mark.parametrize(("total", "steps", "expected_lines"), [
    (10, range(1, 11), 0),  # a short run off a terminal: silent
    (100, range(1, 101), 11),  # a long run off a terminal: the start, then every 10 %
])
def test_progress_bar_off_a_terminal(total, steps, expected_lines):
    stream = io.StringIO()
    bar = ProgressBar(stream=stream)
    for done in steps:
        bar(done, total)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == expected_lines
    if lines:
        assert lines[-1] == f"读取工作簿 [{'#' * 30}] {total}/{total}"


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "不存在"),
    ("file", "不是文件夹"),
    ("empty", "既没有 reference.xlsx 也没有 submissions/"),
])
def test_usage_problems_exit_2_in_chinese(tmp_path, setup, message):
    target = tmp_path / "数据"
    if setup == "file":
        target.write_text("x", encoding="utf-8")
    elif setup == "empty":
        target.mkdir()
    result = run_cli("validate", str(target))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_json_path_exits_2(make_reference, data_dir, tmp_path):
    make_reference()
    result = run_cli("validate", str(data_dir), "--json", str(tmp_path / "没有的目录" / "r.json"))
    assert result.returncode == 2
    assert "--json 的目录" in result.stderr and "Traceback" not in result.stderr


def test_a_good_data_set_exits_0(make_reference, make_workbook, data_dir, tmp_path):
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, office="BJ01")
    good_office(make_workbook, office="SH01")
    report = tmp_path / "report.json"
    result = run_cli("validate", str(data_dir), "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "结论：全部通过。" in result.stdout
    assert result.stdout.rstrip().endswith(f"已写出 JSON 校验报告：{report}")  # it says what it wrote, where
    data = json.loads(report.read_text(encoding="utf-8"))
    assert list(data) == ["version", "data_dir", "ok", "counts", "files", "findings", "completeness", "timeliness"]
    assert (data["version"], data["data_dir"], data["ok"]) == (1, "data", True)
    assert list(data["counts"]) == ["error", "warning", "info", "accepted"] and data["counts"]["error"] == 0
    assert list(data["files"][0]) == ["file", "template_id", "template_version", "office_id", "period", "sha256",
                                      "accepted", "status", "counts"]
    assert [f["file"] for f in data["files"]] == ["reference.xlsx"] + sorted(
        f"submissions/2026Q1/{o}/{f}.xlsx" for o in ("BJ01", "SH01")
        for f in ("recruitment", "training", "clients", "projects"))
    assert all(f["accepted"] and f["status"] == "ok" for f in data["files"])
    assert data["completeness"] == {"2026Q1": {o: {f: "submitted" for f in ("recruitment", "training", "clients",
                                                                                 "projects")} for o in ("BJ01", "SH01")}}


BROKEN = [  # (file in the data folder, sheet, cell, code)
    ("submissions/2026Q1/BJ01/clients.xlsx", "客户", "G3", "type-number"),
    ("submissions/2026Q1/BJ01/clients.xlsx", "客户", "I2", "out-of-range"),
    ("submissions/2026Q1/SH01/projects.xlsx", "封面", "B2", "identity-mismatch"),
]


def test_a_mixed_folder_exits_1_and_names_every_broken_cell(make_reference, make_workbook, data_dir, tmp_path):
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, office="BJ01", skip=("clients",))
    good_office(make_workbook, office="SH01", skip=("projects",))
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"],
                  raw={"客户": {"G3": "十二", "I2": 7}})
    make_workbook("projects", "submissions/2026Q1/SH01/projects.xlsx", cover={"office_id": "BJ01", "period": "2026Q1"},
                  rows=GOOD_ROWS["projects"])
    (data_dir / "submissions/2026Q1/SH01/training.xlsx").write_bytes(b"not a workbook, just bytes")
    report = tmp_path / "report.json"
    result = run_cli("validate", str(data_dir), "--json", str(report), "--annotate", str(tmp_path / "marked"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ok"] is False
    seen = {(f["file"], f["sheet"], f["cell"], f["code"]) for f in data["findings"]}
    for file, sheet, cell, code in BROKEN:
        assert f"✗ {file} › {sheet} › {cell}：" in result.stdout
        assert (file, sheet, cell, code) in seen
    assert list(data["findings"][0]) == ["code", "severity", "message", "file", "sheet", "cell", "row", "column",
                                         "value", "office_id", "period", "acceptance", "title", "fix"]
    assert data["completeness"]["2026Q1"]["BJ01"]["clients"] == "errors"
    assert data["completeness"]["2026Q1"]["SH01"]["projects"] == "errors"
    assert "【北京一所（BJ01）】" in result.stdout and "【上海一所（SH01）】" in result.stdout
    marked = tmp_path / "marked"
    assert sorted(p.name for p in marked.iterdir()) == sorted(["北京一所-2026Q1-客户开发与维护-标注.xlsx",
                                                               "上海一所-2026Q1-项目管理-标注.xlsx"])
    assert result.stdout.splitlines()[-1] == f"已写出 JSON 校验报告：{report}"
    assert result.stdout.splitlines()[-5:-1] == [  # each copy beside the file it copies
        f"已在“{marked}”写出 2 个标注副本（出错的单元格标红、警告标黄、按其他写法读取的值标蓝，并附批注）：",
        "  submissions/2026Q1/BJ01/clients.xlsx → 北京一所-2026Q1-客户开发与维护-标注.xlsx",
        "  submissions/2026Q1/SH01/projects.xlsx → 上海一所-2026Q1-项目管理-标注.xlsx",
        "另有 1 个文件无法标注，见上。",
    ]
    assert "以下文件无法标注，未生成标注副本：\n  submissions/2026Q1/SH01/training.xlsx：文件无法读取（不是 xlsx 文件）" in result.stdout
    assert data["completeness"]["2026Q1"]["SH01"]["training"] == "errors"
    assert [f["status"] for f in data["files"] if f["file"].endswith("SH01/training.xlsx")] == ["errors"]


def test_the_summary_says_how_to_fix_each_kind_of_problem_once_per_file(make_reference, make_workbook, data_dir,
                                                                        tmp_path):
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, office="BJ01", skip=("clients",))
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"],
                  raw={"客户": {"G2": "十二", "G3": "三十"}})
    result = run_cli("validate", str(data_dir), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    first = lines.index("    ✗ submissions/2026Q1/BJ01/clients.xlsx › 客户 › G2：“本期销售额”应为数字，不小于 0，实际为“十二”")
    assert lines[first + 1] == "      怎样修改：填写阿拉伯数字，不要带单位或文字。"
    assert lines[first + 2].startswith("    ✗ submissions/2026Q1/BJ01/clients.xlsx › 客户 › G3：")  # the same hint is not repeated
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {f["fix"] for f in report["findings"] if f["code"] == "type-number"} == {"填写阿拉伯数字，不要带单位或文字。"}


def test_validate_and_run_show_a_file_by_the_same_path(make_reference, make_workbook, data_dir, tmp_path, capsys):
    """Both relative to the data folder, as validation.json has it (validate dropped `submissions/`)."""
    from pipeline.cli import main

    make_reference(targets=Q1_TARGETS[:1])
    good_office(make_workbook, office="BJ01", skip=("clients",))
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"],
                  raw={"客户": {"G2": "十二"}})
    place = "submissions/2026Q1/BJ01/clients.xlsx › 客户 › G2：“本期销售额”应为数字，不小于 0，实际为“十二”"
    assert main(["validate", str(data_dir), "--workers", "1", "--no-cache"]) == 1
    validated = capsys.readouterr().out.splitlines()
    assert main(["run", str(data_dir), "--out", str(tmp_path / "out"), "--workers", "1", "--no-cache"]) == 1
    ran = capsys.readouterr().out.splitlines()
    assert f"    ✗ {place}" in validated and f"  - {place}" in ran
    assert "  submissions/2026Q1/BJ01/clients.xlsx  错误 1，警告 0" in validated
    assert not [line for line in validated if line.lstrip("✗!·✓ ").startswith("2026Q1/")]


@pytest.mark.parametrize(("broken", "last_line"), [
    (True, "没有写出标注副本：需要标注的 1 个文件都无法标注，见上。"),
    (False, "没有需要标注的文件（没有哪个工作簿有错误或警告），没有写出标注副本。"),
])
def test_annotate_says_when_it_wrote_no_copy(make_reference, make_workbook, data_dir, tmp_path, broken, last_line):
    make_reference(targets=Q1_TARGETS[:1])
    good_office(make_workbook, office="BJ01", skip=("clients",) if broken else ())
    if broken:
        (data_dir / "submissions/2026Q1/BJ01/clients.xls").write_bytes(legacy_xls())
    result = run_cli("validate", str(data_dir), "--annotate", str(tmp_path / "marked"))
    assert result.returncode == (1 if broken else 0), result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(last_line)
    assert "写出 0 个" not in result.stdout and not (tmp_path / "marked").exists()
    if broken:
        assert "  submissions/2026Q1/BJ01/clients.xls：文件无法读取（旧版 Excel 97-2003 格式）" in result.stdout
        assert "      怎样修改：在 Excel 或 WPS 中打开文件，“另存为”→“Excel 工作簿（*.xlsx）”后重新提交。" in result.stdout


def test_the_report_is_deterministic(make_reference, make_workbook, data_dir):
    make_reference()
    good_office(make_workbook, office="BJ01")
    make_workbook("clients", "submissions/2026Q1/SH01/clients.xlsx", raw={"客户": {"A2": "C1", "G2": "abc"}})
    first = json.dumps(report(check(data_dir, workers=1)[0]), ensure_ascii=False)
    second = json.dumps(report(check(data_dir, workers=2)[0]), ensure_ascii=False)
    assert first == second


def test_the_bundled_sample_validates_clean(tmp_path):
    sample = ROOT / "sample_data"
    if not (sample / "reference.xlsx").is_file():
        pytest.skip("sample_data/ has not been generated yet (python -m pipeline demo --out sample_data --force)")
    result = run_cli("validate", str(sample), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["counts"]["error"] == 0


def test_every_report_key_is_documented(make_reference, make_workbook, data_dir):
    make_reference()
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", raw={"客户": {"A2": "C1", "G2": "abc"}})
    data = report(check(data_dir, workers=1)[0], kpi_findings=[])
    page = (ROOT / "docs/guide/json-report.md").read_text(encoding="utf-8")
    keys = set(data) | set(data["files"][0]) | set(data["findings"][0]) | set(data["counts"])
    assert {key for key in keys if f"`{key}`" not in page} == set()
    assert {"submitted", "errors", "missing"} <= {word for word in page.replace("`", " ").split()}


def _example(page: str) -> dict:
    """The JSON of json-report.md's 示例 section."""
    return json.loads(page.split("## 示例", 1)[1].split("```json\n", 1)[1].split("```", 1)[0])


def test_the_documented_example_is_what_validate_writes(make_reference, make_workbook, data_dir):
    """json-report.md's example, made from the data it describes: 北京一所 alone in 2026Q1, 客户 G3
    “十二”, a project's client C7 not in the clients, no 招聘与团队. Its findings are the real ones,
    word for word (the page once quoted messages with half-width commas the product no longer writes)."""
    page = (ROOT / "docs/guide/json-report.md").read_text(encoding="utf-8")
    example = _example(page)
    make_reference(offices=[{"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北",
                             "bonus_base": 30000}], targets=Q1_TARGETS[:1])
    good_office(make_workbook, office="BJ01", skip=("recruitment", "projects", "clients"))
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"], raw={"客户": {"G3": "十二"}})
    make_workbook("projects", "submissions/2026Q1/BJ01/projects.xlsx",
                  rows={"projects": [{**GOOD_ROWS["projects"]["projects"][0], "client_id": "C7"}]})
    real = report(check(data_dir, workers=1)[0])
    assert example["findings"] == real["findings"]
    # the page keeps two of the files and shortens their sha256 (`2078621d6f79…`); the data folder is named 数据
    files = {f["file"]: {**f, "sha256": "…"} for f in real["files"]}
    assert [{**f, "sha256": "…"} for f in example["files"]] == [files[f["file"]] for f in example["files"]]
    assert all(f["sha256"].endswith("…") for f in example["files"])
    assert {**example, "files": [], "data_dir": ""} == {**real, "files": [], "data_dir": ""}


@pytest.mark.parametrize(("key", "catalogue"), [("title", lambda c: c.title), ("fix", lambda c: fix_text(c.code))])
def test_the_key_tables_examples_are_real(key, catalogue):
    """`title` and `fix` in the table of keys: their examples (如 `…`) are a code's own words."""
    page = (ROOT / "docs/guide/json-report.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith(f"| `{key}` |"))
    examples = re.findall(r"如 `([^`]+)`", row)
    assert examples and all(e in {catalogue(c) for c in CATALOGUE.values()} for e in examples), examples


def test_a_name_that_is_not_utf8_is_reported_not_read(data_dir):
    folder = data_dir / "submissions/2026Q1/BJ01"
    folder.mkdir(parents=True)
    with open(bytes(folder) + b"/\xff\xfe.xlsx", "wb") as handle:
        handle.write(b"x")
    _, items, found = discover(data_dir)
    assert items == []
    assert [(f.code, f.severity, f.file) for f in found] == [
        ("file-misplaced", "error", "submissions/2026Q1/BJ01/\ufffd\ufffd.xlsx")]


@pytest.mark.parametrize("where", [".", "submissions", "submissions/out"])
def test_annotate_never_writes_into_the_data(make_reference, data_dir, where):
    make_reference()
    (data_dir / "submissions").mkdir()
    result = run_cli("validate", str(data_dir), "--annotate", str(data_dir / where))
    assert result.returncode == 2
    assert f"--annotate 的目录“{(data_dir / where).absolute()}”" in result.stderr and "Traceback" not in result.stderr


def test_an_annotate_path_that_is_a_file_is_named_in_full(make_reference, data_dir, tmp_path):
    make_reference()
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    result = run_cli("validate", str(data_dir), "--annotate", "README.md", cwd=tmp_path)
    assert result.returncode == 2 and f"--annotate 的路径“{tmp_path / 'README.md'}”是一个文件" in result.stderr


def test_links_and_devices_are_reported_not_followed(data_dir, tmp_path):
    folder = data_dir / "submissions/2026Q1/BJ01"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"x")
    (folder / "clients.xlsx").symlink_to(outside)
    (folder / "projects.xlsx").symlink_to(tmp_path / "gone.xlsx")
    (folder / "loop").symlink_to(data_dir / "submissions")
    _, items, found = discover(data_dir)
    assert items == []
    assert [(f.code, f.severity, f.file, f.office_id, f.period) for f in found] == [
        ("file-misplaced", "error", f"submissions/2026Q1/BJ01/{name}", "BJ01", "2026Q1")
        for name in ("clients.xlsx", "loop", "projects.xlsx")]


def test_the_validate_command_in_process_prints_the_same_summary(make_reference, make_workbook, data_dir, capsys):
    from pipeline.cli import main

    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, office="BJ01")
    assert main(["validate", str(data_dir), "--workers", "1", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"校验 {data_dir.absolute()}：共读取 5 个文件，错误 0 个，警告 4 个，提示 0 条（不含评分时才发现")
    assert "【上海一所（SH01）】" in out and "2026Q1：全部四个模板" in out  # SH01 sent nothing


def test_a_negative_worker_count_is_a_usage_error(make_reference, data_dir, capsys):
    from pipeline.cli import main

    make_reference()
    assert main(["validate", str(data_dir), "--workers", "-1"]) == 2
    assert "--workers 不能为负数" in capsys.readouterr().err


def test_annotating_again_keeps_the_earlier_copies_and_says_so(make_reference, make_workbook, data_dir, tmp_path):
    make_reference(targets=Q1_TARGETS[:1])
    good_office(make_workbook, office="BJ01", skip=("clients",))
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", rows=GOOD_ROWS["clients"],
                  raw={"客户": {"G2": "十二"}})
    marked = tmp_path / "marked"
    first = run_cli("validate", str(data_dir), "--annotate", str(marked))
    copy = marked / "北京一所-2026Q1-客户开发与维护-标注.xlsx"
    assert first.returncode == 1 and copy.is_file(), first.stdout + first.stderr
    before = sha256(copy)
    again = run_cli("validate", str(data_dir), "--annotate", str(marked))
    assert sha256(copy) == before
    assert sorted(p.name for p in marked.iterdir()) == ["北京一所-2026Q1-客户开发与维护-标注-2.xlsx", copy.name]
    assert again.stdout.splitlines()[-2:] == [
        "  submissions/2026Q1/BJ01/clients.xlsx → 北京一所-2026Q1-客户开发与维护-标注-2.xlsx",
        "目录中原有的同名文件未覆盖（北京一所-2026Q1-客户开发与维护-标注.xlsx），新副本的文件名末尾加了编号。",
    ]


def test_hr_files_are_listed_under_their_own_heading(make_reference, make_workbook, data_dir):
    """Regression: reference.xlsx's findings were listed under 【（未识别业务所）】."""
    offices = [{"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北",
                "bonus_base": 30000},
               {"office_id": "bj01", "office_name": "北京二所", "head": "测试所长乙", "region": "华北",
                "bonus_base": 30000}]
    make_reference(offices=offices, targets=Q1_TARGETS)
    good_office(make_workbook, office="BJ01")
    result = run_cli("validate", str(data_dir))
    assert "【人力资源部的文件】\n  reference.xlsx  错误 1，警告 0" in result.stdout, result.stdout
    assert "（未识别业务所）" not in result.stdout
