"""argparse in Chinese: its help headings, its `-h` option and its error messages.

argparse writes its own words through gettext, and a gettext catalogue would need a compiled .mo
file and the user's locale. Instead the parser here says the few fixed words itself (`-h`'s help)
and translates the rest of what argparse prints: headings in the help text, and each error message
by the English template it comes from (Python 3.11's argparse; a message without a translation is
shown as argparse wrote it, never dropped).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable

from ..forms.values import printable
from .exits import EXIT_USAGE

HELP_OPTION = "显示本帮助并退出"
USAGE = "用法："
HEADINGS = {"positional arguments": "位置参数", "options": "选项", "optional arguments": "选项"}
TYPE_NAMES = {"int": "整数", "float": "数字"}

_QUOTED = re.compile(r"'([^'\n]*)'")


def _quotes(text: str) -> str:
    """`'abc'` (argparse shows what was typed with repr) -> “abc”; lists joined with 、."""
    return _QUOTED.sub(r"“\1”", text).replace(", ", "、")


# (argparse's English template as a regular expression, the Chinese) — checked in this order
MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [  # zh.Translations
    (re.compile(r"argument (?P<arg>.+?): (?P<rest>.*)", re.S), lambda m: f"参数 {m['arg']}：{translate(m['rest'])}"),
    (re.compile(r"the following arguments are required: (?P<names>.*)", re.S),
     lambda m: f"缺少必需的参数：{_quotes(m['names'])}"),
    (re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.S),
     lambda m: f"无效的选择：{_quotes(m['value'])}（可选：{_quotes(m['choices'])}）"),
    (re.compile(r"invalid (?P<type>\w+) value: (?P<value>.*)", re.S),
     lambda m: f"{_quotes(m['value'])}不是有效的{TYPE_NAMES.get(m['type'], m['type'])}"),
    (re.compile(r"unrecognized arguments: (?P<args>.*)", re.S), lambda m: f"无法识别的参数：{m['args']}"),
    (re.compile(r"expected one argument"), lambda m: "需要一个值"),
    (re.compile(r"expected at most one argument"), lambda m: "最多只能给一个值"),
    (re.compile(r"expected at least one argument"), lambda m: "至少需要一个值"),
    (re.compile(r"expected (?P<n>\d+) arguments?"), lambda m: f"需要 {m['n']} 个值"),
    (re.compile(r"not allowed with argument (?P<other>.*)", re.S), lambda m: f"不能与参数 {m['other']} 同时使用"),
    (re.compile(r"ignored explicit argument (?P<value>.*)", re.S), lambda m: f"多余的值：{_quotes(m['value'])}"),
    (re.compile(r"one of the arguments (?P<names>.*) is required", re.S),
     lambda m: f"必须给出以下参数之一：{m['names']}"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", re.S),
     lambda m: f"选项 {m['option']} 有歧义，可能是：{_quotes(m['matches'])}"),
    (re.compile(r"unexpected option string: (?P<option>.*)", re.S), lambda m: f"意外的选项：{m['option']}"),
]


Translations = list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]


def by_template(messages: Translations, message: str) -> str:
    """A library's English message in Chinese by the first template it matches; unchanged without one."""
    for pattern, chinese in messages:
        match = pattern.fullmatch(message)
        if match:
            return chinese(match)
    return message


def translate(message: str) -> str:
    """One of argparse's error messages in Chinese (unchanged when it has no translation)."""
    return by_template(MESSAGES, message)


_USAGE_LINE = re.compile(r"^usage: ", re.M)
_HEADING_LINE = re.compile(r"^(\S[^\n]*):$", re.M)


def translate_help(text: str) -> str:
    """argparse's help or usage text with `usage:` and the section headings in Chinese."""
    text = _USAGE_LINE.sub(USAGE, text)
    return _HEADING_LINE.sub(lambda m: f"{HEADINGS.get(m[1], m[1])}：", text)


def columns(text: str) -> int:
    """How many columns a terminal gives `text`: two for a wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_ENTRY = re.compile(r"  (\S(?:.*?\S)?)(?: {2,}(\S.*))?")


def align_help(text: str) -> str:
    """The help of every argument in one column as a terminal shows it. argparse pads by characters,
    and a Chinese value name (`--out 目录`) takes two columns a character: the column is moved right
    to clear the widest name, and the lines a help wraps onto move with it."""
    lines = text.split("\n")
    headings = {f"{h}：" for h in HEADINGS.values()}
    listed: list[int] = []  # the lines of the lists of arguments (under 位置参数： and 选项：)
    inside = False
    for i, line in enumerate(lines):
        inside = line in headings or (inside and bool(line.strip()))
        if inside and line not in headings:
            listed.append(i)
    beside = {i: m for i in listed if (m := _ENTRY.fullmatch(lines[i])) is not None and m[2] is not None}
    if not beside:
        return text
    some = next(iter(beside.values()))
    old = len(some.string) - len(some[2])  # argparse's help column, counted in characters
    new = max(columns(m[1]) for m in beside.values()) + 4
    for i in listed:
        if i in beside:
            name, help_text = beside[i][1], beside[i][2]
            lines[i] = f"  {name}{' ' * (new - 2 - columns(name))}{help_text}"
        elif lines[i].startswith(" " * old):  # a help's next line, or the help of a long name
            lines[i] = " " * new + lines[i][old:]
    return "\n".join(lines)


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples shown as written (their line breaks kept)."""


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Chinese and exits 2 on a usage error (cli/exits.py)."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs.setdefault("allow_abbrev", False)  # `bench --q` must not quietly mean `--quick`
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_OPTION)

    def format_usage(self) -> str:
        return translate_help(super().format_usage())

    def format_help(self) -> str:
        return align_help(translate_help(super().format_help()))

    def error(self, message: str) -> None:  # argparse's own exit code is 2 too; say it in Chinese
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"参数错误：{printable(translate(message))}\n")  # it may quote what was typed


__all__ = ["HELP_OPTION", "ChineseParser", "Formatter", "Translations", "align_help", "by_template", "columns", "translate",
           "translate_help"]
