"""`kaohe`: the tasks of tasks.py with invoke's own words in Chinese (issue: Words and pages).

`invoke --list` printed `Available tasks:`, `invoke --help build` printed `Usage:`, `Docstring:` and
`Options:`, the core options' help was English, and `invoke demo --offices abc` ended in a Python
traceback. The README's commands are `kaohe …`; these tests run the console script the README's
set-up installs beside this Python, as a user would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from invoke import Program

from pipeline.cli.task_runner import (
    CLOSING,
    CORE_HELP,
    OPENING,
    ChineseProgram,
    help_first,
    translate,
    wrap,
)
from pipeline.cli.zh import columns
from pipeline.forms.values import printable

ROOT = Path(__file__).resolve().parent.parent
KAOHE = Path(sys.executable).with_name("kaohe")
CJK = re.compile(r"[\u4e00-\u9fff]")
# invoke's own framing words, as invoke 3 prints them
ENGLISH = ("Usage:", "Docstring:", "Options:", "Core options:", "Available", "tasks:", "Subcommands", "none",
           "No idea", "did not receive", "needed value", "Traceback", "Can't find")


def _tasks() -> list[str]:
    source = (ROOT / "tasks.py").read_text(encoding="utf-8")
    return re.findall(r"@task\b.*\n(?:@.*\n)*def (\w+)\(", source)


def kaohe(*args: str, cwd: Path = ROOT, columns: int = 100) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([str(KAOHE), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60)


def _english_left(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


def test_the_readme_setup_installs_kaohe_beside_python():
    assert KAOHE.exists(), "pip install -e . installs the kaohe console script ([project.scripts])"


def test_list_is_chinese_and_names_every_task_with_its_summary():
    result = kaohe("--list")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("全部任务：\n") and not _english_left(out)
    import tasks

    for name in _tasks():
        summary = tasks.__dict__[name].__doc__.strip().splitlines()[0]
        row = re.search(rf"^  {name} +(.*)$", out, re.M)
        assert row and summary.startswith(row[1]), name
    assert "每个任务的说明、示例和选项：kaohe --help 任务名" in out


@pytest.mark.parametrize("task", _tasks())
def test_every_task_help_is_chinese_with_its_example(task):
    result = kaohe("--help", task)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not _english_left(out), out
    assert out.startswith(f"用法：kaohe [通用选项] {task}")
    assert "\n说明：\n" in out and "\n选项：\n" in out
    assert f"示例：kaohe {task}" in out
    # value names are Chinese too: `--data=值`, `--offices=整数`
    assert not re.search(r"\b(STRING|INT)\b", out)


def test_task_help_shows_option_help_and_value_names():
    out = kaohe("--help", "demo").stdout
    assert re.search(r"^  --out=值 +写入的数据目录（必填；须为空，除非加 --force）$", out, re.M), out
    assert re.search(r"^  --force +目录不是空的也写入", out, re.M)  # no `-r` for it (nor `-f` for --offices)
    assert re.search(r"^  --offices=整数 +业务所数量", out, re.M)
    assert kaohe("--help", "close").stdout.startswith("用法：kaohe [通用选项] close <period> [选项]\n")


def test_bare_help_lists_the_tasks_and_the_core_options_in_chinese():
    result = kaohe("--help")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("用法：kaohe [通用选项] 任务 [任务的选项] …\n")
    assert "全部任务：" in out and "通用选项：" in out and not _english_left(out)
    english_help = [arg.help for arg in Program().core_args() + Program().task_args() if arg.help]
    assert english_help and not [text for text in english_help if text in out]
    assert "-l [值], --list[=值]" in out and "列出全部任务" in out


def test_running_without_a_task_shows_the_help():
    result = kaohe()
    assert result.stdout.startswith("用法：kaohe") and "全部任务：" in result.stdout


def test_every_core_option_has_chinese_help_and_none_is_stale():
    program = ChineseProgram()
    names = {arg.name for arg in Program().core_args() + Program().task_args()}
    assert names == set(CORE_HELP), "invoke's core options changed: update CORE_HELP"
    for arg in program.core_args() + program.task_args():
        assert CJK.search(arg.help) and arg.help == CORE_HELP[arg.name]


def test_version_names_the_product_and_invoke():
    out = kaohe("--version").stdout
    assert re.fullmatch(r"业务所长考核 \S+（invoke \d+\.\d+\.\d+）\n", out), out


@pytest.mark.parametrize(("args", "message"), [
    (("frobnicate",), "参数错误：没有任务“frobnicate”。全部任务：kaohe --list"),
    (("--help", "nothing"), "参数错误：没有任务“nothing”。全部任务：kaohe --list"),
    (("build", "--bogus"), "参数错误：任务 build 没有选项“--bogus”。它的选项：kaohe --help build"),
    (("--bogus",), "参数错误：不认识选项“--bogus”。某个任务的选项：kaohe --help 任务名"),
    # the README's other column has a positional data folder: said as a word the task does not take
    (("validate", "sample_data"), "参数错误：“sample_data”不是任务名，也不是任务 validate 的参数：数据目录等请用选项给出"
                                  "（如 --data sample_data）。它的选项：kaohe --help validate"),
    (("close",), "参数错误：任务 close 缺少必需的参数 --period（也可直接写在任务名之后）。示例：kaohe --help close"),
    (("remind",), "参数错误：任务 remind 缺少必需的参数 --period（也可直接写在任务名之后）。示例：kaohe --help remind"),
    (("build", "--data"), "参数错误：选项 --data 需要一个值"),
    (("demo", "--offices", "abc"), "参数错误：选项 --offices 需要整数，实际为“abc”"),
    (("demo", "--offices=十二"), "参数错误：选项 --offices 需要整数，实际为“十二”"),
    (("--list", "nosuch"), "错误：没有任务组“nosuch”"),
])
def test_usage_errors_are_one_chinese_line_without_a_traceback(args, message):
    result = kaohe(*args)
    assert result.returncode == 2  # a usage error, as with `python -m pipeline` (cli/exits.py)
    assert result.stderr == message + "\n", result.stderr
    assert not result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("close", "2026Q1", "--data", "数据"), "错误：请用 --by 指定关闭人姓名，例如 kaohe close 2026Q1 --data 数据目录 --by 姓名。"),
    (("reopen", "2026Q1", "--data", "数据", "--by", "经办人"),
     "错误：请用 --reason 指定重新打开的原因，例如 kaohe reopen 2026Q1 --data 数据目录 --by 姓名 --reason 原因。"),
])
def test_a_missing_required_option_is_named(args, message, tmp_path):
    """Regression: `kaohe close 2026Q1 --data D` said `--by 应为不超过 50 个字的姓名`, not that --by was missing."""
    (tmp_path / "数据").mkdir()
    result = kaohe("-r", str(ROOT), *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == message + "\n"


def test_demo_with_a_word_for_a_number_was_a_traceback(tmp_path):
    """Regression: `invoke demo --offices abc` ended in `ValueError: invalid literal for int()`."""
    result = kaohe("demo", "--out", str(tmp_path / "示例"), "--offices", "abc")
    assert "Traceback" not in result.stderr and "需要整数" in result.stderr
    assert not (tmp_path / "示例").exists()


def test_outside_the_project_it_says_where_to_run(tmp_path):
    result = kaohe("--list", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "错误：找不到任务文件 tasks.py：请在本项目的文件夹中运行 kaohe，或用 -r 指定该文件夹\n"
    assert kaohe("-r", str(ROOT), "--list", cwd=tmp_path).stdout.startswith("全部任务：")


def test_bare_help_outside_the_project_still_shows_the_core_options(tmp_path):
    result = kaohe("--help", cwd=tmp_path)
    assert result.returncode == 0 and "通用选项：" in result.stdout and "全部任务：" not in result.stdout


def test_json_list_is_left_as_data():
    import json

    data = json.loads(kaohe("--list", "--list-format", "json").stdout)
    assert {task["name"] for task in data["tasks"]} == set(_tasks())


def test_wrapped_help_stays_in_its_column_whatever_the_options_characters():
    """Regression: continuation lines sat left of the help by the number of Chinese characters in the option."""
    for args in (("--help",), ("--help", "demo")):
        lines = kaohe(*args, columns=50).stdout.splitlines()
        column = None
        for line in lines:
            first = re.match(r"^(  \S.*?\s{3,})\S", line)
            if first:
                column = columns(first[1])
            elif line.startswith("   ") and column is not None:
                assert len(line) - len(line.lstrip(" ")) == column, line
            else:
                column = None
            assert not line.rstrip().endswith(tuple(OPENING)), line


def test_long_help_wraps_to_a_narrow_terminal_by_columns():
    out = kaohe("--list", columns=50).stdout
    lines = out.splitlines()
    assert any(line.startswith(" " * 14) and line.strip() for line in lines)  # some help was wrapped
    for line in lines:
        assert columns(line.rstrip(CLOSING)) <= 50, line  # closing marks may hang past the edge
        assert not line.strip() or line.strip()[0] not in CLOSING, line


def test_the_tasks_still_run_under_kaohe(tmp_path):
    result = kaohe("demo", "--out", str(tmp_path / "示例"), "--offices", "1", "--years", "2026")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "示例" / "reference.xlsx").exists()
    assert sorted(p.name for p in (tmp_path / "示例" / "submissions").iterdir()) == [f"2026Q{q}" for q in range(1, 5)]
    assert f"示例数据目录：{tmp_path / '示例'}" in result.stdout


@pytest.mark.parametrize("args", [("close", "--help"), ("reopen", "2026Q1", "-h"), ("-r", str(ROOT), "close", "-h"),
                                  ("--search-root=.", "-e", "remind", "--help")])
def test_help_after_a_task_with_a_positional_parameter_shows_its_help(args):
    """Regression: `kaohe close --help` said `错误：请用 --data 指定目录…`: `period` took `--help` as its value."""
    result = kaohe(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("用法：kaohe [通用选项] ") and "\n说明：\n" in result.stdout


def test_a_task_run_from_a_subfolder_uses_the_projects_sample_and_site():
    """Regression: `cd docs && kaohe build` copied docs/ into docs/.build/docs/… until RecursionError."""
    dry = kaohe("--dry", "build", cwd=ROOT / "docs")
    assert dry.returncode == 0 and dry.stdout.strip().endswith(f"-m pipeline build --site {ROOT / 'site'}")
    result = kaohe("validate", cwd=ROOT / "docs")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"校验 {ROOT / 'sample_data'}：")
    assert not (ROOT / "docs" / ".cache").exists() and not (ROOT / "docs" / ".build").exists()


def test_dry_and_echo_show_the_command(tmp_path):
    dry = kaohe("-r", str(ROOT), "--dry", "run", "--out", "输出", cwd=tmp_path)
    assert dry.returncode == 0 and dry.stdout.strip().endswith(f"-m pipeline run {ROOT / 'sample_data'} --out '输出'")  # a command to paste
    assert not (tmp_path / "输出").exists()
    echo = kaohe("--echo", "templates", "--check")
    assert echo.returncode == 0 and echo.stdout.splitlines()[0].endswith("--check")


def test_a_tasks_output_reaches_the_terminal_whole(capfd):
    """Regression: `kaohe run` printed `经复���调整`: invoke decodes every 1,000-byte read on its own."""
    from invoke import Context

    import tasks

    text = "考核" * 700  # 4,200 bytes: every 1,000-byte boundary falls inside a character
    tasks._execute(Context(), [sys.executable, "-c", f"import sys; sys.stdout.write({text!r})"])
    assert capfd.readouterr().out == text


def test_a_failing_command_passes_its_exit_code_on():
    from invoke import Context, Exit

    import tasks

    with pytest.raises(Exit) as info:
        tasks._execute(Context(), [sys.executable, "-c", "raise SystemExit(3)"])
    assert info.value.code == 3


def test_the_preview_serves_the_site_without_english_log_lines(tmp_path, capfd):
    import threading
    import urllib.request

    import tasks

    (tmp_path / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    server = tasks.preview_server(tmp_path, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as response:
            assert response.read().decode() == "<p>首页</p>"
        with pytest.raises(OSError):  # a taken port is an OSError the task turns into a Chinese message
            tasks.preview_server(tmp_path, port)
    finally:
        server.shutdown()
        server.server_close()
    captured = capfd.readouterr()
    assert "GET" not in captured.err and "HTTP" not in captured.err


@pytest.mark.parametrize("port", ["99999", "0", "-5"])
def test_serve_refuses_a_port_out_of_range_before_building(port):
    """Regression: `kaohe serve --port 99999` built the site, then ended in `OverflowError` from bind()."""
    result = kaohe("serve", f"--port={port}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"错误：端口应为 1–65535 之间的整数（实际为 {port}）\n"
    assert not result.stdout  # nothing was built


def test_serve_says_a_taken_port_before_building():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kaohe("serve", "--port", str(port))
    assert result.returncode == 2 and not result.stdout
    assert result.stderr == f"错误：无法使用本机端口 {port}（已被其他程序占用）：请用 --port 换一个端口\n"


def test_a_site_folder_inside_docs_is_refused_before_anything_is_written(tmp_path):
    """`python -m pipeline build` run in docs/ would copy docs/ into its own work folder."""
    result = subprocess.run([sys.executable, "-m", "pipeline", "build"], cwd=ROOT / "docs", capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PIPELINE_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"网站构建失败：网站输出目录不能位于 {ROOT / 'docs'} 之中：")
    assert "保持不变" not in result.stderr  # there was no site there to keep
    assert not [p for p in (ROOT / "docs").iterdir() if p.name in {"site", ".build", ".site.lock"}]


# ---------------------------------------------------------------- pure parts: translation and wrapping


@given(st.lists(st.sampled_from(["-e", "-r", "文件夹", "--search-root=x", "close", "2026Q1", "--data", "数据",
                                 "-h", "--help", "build"]), max_size=8))
def test_help_first_moves_a_trailing_help_before_its_task(args):
    moved = help_first(args, {"-r", "--search-root"})
    if moved != args:
        assert moved[-2] == "--help" and moved[-1] in args and moved[:-2] == args[:len(moved) - 2]
        assert moved[-1] not in ("-h", "--help") and not moved[-1].startswith("-")


def test_help_first_leaves_help_before_the_task_alone():
    assert help_first(["--help", "close"], set()) == ["--help", "close"]
    assert help_first(["-r", "close", "build", "-h"], {"-r"}) == ["-r", "close", "--help", "build"]


@given(st.text())
def test_translate_never_fails_and_quotes_what_was_typed_printably(typed):
    for english in (f"No idea what '{typed}' is!", f"Sub-collection '{typed}' not found!"):
        chinese = translate(english)
        assert f"“{printable(typed)}”" in chinese
        assert "No idea" not in chinese and "not found" not in chinese


@given(st.text())
def test_a_message_without_a_translation_is_shown_as_it_is(text):
    if not any(pattern.fullmatch(text) for pattern, _ in __import__("pipeline.cli.task_runner",
                                                                      fromlist=["MESSAGES"]).MESSAGES):
        assert translate(text) == text


@given(st.text(alphabet=st.sampled_from("业务所长考核指标，。（）ab1 ")), st.integers(min_value=4, max_value=60))
def test_wrap_keeps_every_character_and_fits_the_width(text, width):
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for index, line in enumerate(lines):
        assert columns(line.rstrip(CLOSING)) <= width or len(line.rstrip(CLOSING)) == 1
        if index:
            assert line[:1] not in CLOSING
        if index < len(lines) - 1:
            assert line[-1:] not in OPENING or len(line) == 1


def test_flag_messages_name_the_option_as_it_is_typed():
    assert translate("Flag <Argument: keep_going (k)> doesn't take any value!") == "选项 --keep-going 不接受值"
    assert translate("Flag <Argument: data (d)> needed value and was not given one!") == "选项 --data 需要一个值"


def test_wrap_breaks_chinese_by_columns_not_characters():
    assert wrap("一二三四五六", 6) == ["一二三", "四五六"]
    assert wrap("格式：flat、nested 或 json", 22) == ["格式：flat、nested 或", "json"]  # not `jso` / `n`
    assert wrap("一二三，四五", 6) == ["一二三，", "四五"]  # the comma stays with the line it ends
