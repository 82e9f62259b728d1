"""The command line speaks Chinese: argparse's help, usage and errors, each command's description and example."""

from __future__ import annotations

import re
import shlex
import unicodedata

import pytest

from pipeline.cli import ABOUT, COMMANDS, build_parser, main
from pipeline.cli.zh import translate

ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "show this help", "error:",
           "required", "invalid", "choose from")


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "-h"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_is_chinese_with_a_description_and_an_example(capsys, command):
    text = _help(capsys, *([command] if command else []))
    assert text.startswith("用法：python -m pipeline")
    assert "-h, --help  显示本帮助并退出" in text or "显示本帮助并退出" in text
    assert "选项：" in text
    assert not [word for word in ENGLISH if word in text]
    assert "示例：python -m pipeline" in text
    if command:
        line, example = ABOUT[command]
        assert f"{line}。" in text and example in text


def test_the_list_of_commands_gives_each_one_line(capsys):
    text = _help(capsys)
    assert text.count("命令：") == 1 and not re.search(r"^\s*命令$", text, re.M)  # one heading, no stray `命令`
    listed = text.split("命令：\n", 1)[1].split("\n\n", 1)[0].split("\n")
    assert [line.split()[0] for line in listed] == list(ABOUT)
    for entry, (command, (line, _)) in zip(listed, ABOUT.items(), strict=True):
        assert entry == f"  {command.ljust(max(map(len, ABOUT)))}  {line}"  # `templates` on its line too


VALUE_NAME = re.compile(r"(--[a-z][a-z-]*) (\[?[^\s\[\]]+)")  # `--out 目录`, `--years 年份 [年份 ...]`


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_value_has_a_chinese_name(capsys, command):
    text = _help(capsys, command)
    assert not re.search(r"--[a-z][a-z-]* \[?[A-Z][A-Z0-9_]+\b", text)  # OUT, JSON_PATH, WORKERS …
    usage = text.split("\n\n", 1)[0]
    invocations = re.findall(r"^  (-\S.*?)(?: {2,}|$)", text, re.M)  # `--out 目录` of `  --out 目录  输出目录`
    named = VALUE_NAME.findall("\n".join([usage, *invocations]))
    assert named and all(re.fullmatch(r"\[?[\u4e00-\u9fff]+", value) for _, value in named), named


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_help_of_every_argument_starts_in_one_column(capsys, command):
    """As a terminal shows it: a Chinese character takes two columns (argparse counts one)."""
    text = _help(capsys, command)
    listed = "\n\n".join(part.split("\n\n", 1)[0] for part in re.split(r"^(?:位置参数|选项)：\n", text, flags=re.M)[1:])
    starts = {_columns(m[1]) for m in re.finditer(r"^(  \S.*?\S {2,})\S", listed, re.M)}
    starts |= {len(m[1]) for m in re.finditer(r"^( {3,})\S", listed, re.M)}  # lines a help wraps onto
    assert len(starts) == 1, text


@pytest.mark.parametrize("command", list(ABOUT))
def test_each_example_is_a_valid_command_line(command):
    argv = shlex.split(ABOUT[command][1])[3:]  # after `python -m pipeline`
    assert build_parser().parse_args(argv).command == command


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "sample_data"], "参数错误：缺少必需的参数：--out"),
    (["frobnicate"], "参数错误：参数 命令：无效的选择：“frobnicate”（可选：“templates”、“demo”、"),
    (["demo", "--out", "x", "--offices", "abc"], "参数错误：参数 --offices：“abc”不是有效的整数"),
    (["validate", "sample_data", "--bogus"], "参数错误：无法识别的参数：--bogus"),
    (["bench", "--q"], "参数错误：无法识别的参数：--q"),  # no abbreviations: `--q` is not `--quick`
    (["demo", "--out"], "参数错误：参数 --out：需要一个值"),
])
def test_usage_errors_are_chinese_and_exit_2(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：python -m pipeline")
    assert expected in err
    assert not [word for word in ENGLISH if word in err]


@pytest.mark.parametrize(("english", "chinese"), [
    ("expected at least one argument", "至少需要一个值"),
    ("argument --years: expected at least one argument", "参数 --years：至少需要一个值"),
    ("invalid float value: '1,5'", "“1,5”不是有效的数字"),
    ("one of the arguments --a --b is required", "必须给出以下参数之一：--a --b"),
    ("not allowed with argument --a", "不能与参数 --a 同时使用"),
    ("something argparse may say one day", "something argparse may say one day"),  # shown, never dropped
])
def test_translate(english, chinese):
    assert translate(english) == chinese
