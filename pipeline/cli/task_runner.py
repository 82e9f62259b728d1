"""`kaohe`: the project's tasks (tasks.py) under a task runner that speaks Chinese.

Invoke prints its own framing — `Usage:`, `Docstring:`, `Options:`, `Available tasks:`, the core
options' help and its parse errors — in English, and has no setting for it. Its documented way to
own that text is a distinct binary built on `invoke.Program` ("Reusing Invoke's CLI module as a
distinct binary"). This one runs in task-runner mode: it finds tasks.py exactly as `invoke` does, so
the tasks are the same and `invoke TASK` keeps working for whoever prefers it.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata

from invoke import Argument, Exit, ParseError, Program
from invoke import __version__ as invoke_version

from ..forms.values import printable
from .exits import EXIT_USAGE
from .zh import Translations, by_template, columns

BINARY = "kaohe"
NAME = "业务所长考核"
PACKAGE = "office-head-scorecards"

# Every core option invoke defines, by its name; a test fails when invoke adds one without a line here.
CORE_HELP = {
    "command-timeout": "命令执行的超时时间（秒）",
    "collection": "要加载的任务文件名（默认 tasks，即 tasks.py）",
    "no-dedupe": "同一任务出现多次时也都执行",
    "search-root": "从这个文件夹开始查找 tasks.py（默认当前文件夹及其上级）",
    "complete": "列出补全候选（供 shell 的 Tab 补全调用）",
    "config": "使用的运行时配置文件",
    "debug": "输出调试信息",
    "dry": "只显示要执行的命令，不执行",
    "echo": "执行命令前先显示命令",
    "help": "显示帮助并退出；后接任务名时显示该任务的说明、示例和选项",
    "hide": "隐藏命令的输出：out、err 或 both",
    "list": "列出全部任务",
    "list-depth": "列出任务时只显示前几层",
    "list-format": "任务列表的格式：flat（默认）、nested 或 json",
    "print-completion-script": "输出 shell 补全脚本（bash、zsh 或 fish）",
    "prompt-for-sudo-password": "开始时询问 sudo 密码",
    "pty": "在伪终端中执行命令",
    "version": "显示版本并退出",
    "warn-only": "命令失败时只警告，不停止",
    "write-pyc": "允许写出 .pyc 文件",
}

# what invoke shows for a value: the Python type's name in capitals
VALUE_NAMES = {"STRING": "值", "INT": "整数"}
_VALUE_NAME = re.compile(r"\b(STRING|INT)\b")


def _quoted(text: str) -> str:
    """What the user typed, as it is quoted in a Chinese message (control characters made visible)."""
    return f"“{printable(text)}”"


def _options(names: str) -> str:
    """`'period', 'data'` (invoke's list of parameter names) -> `--period、--data`."""
    return "、".join("--" + name.strip().strip("'").replace("_", "-") for name in names.split(","))


def _flag(argument_repr: str) -> str:
    """`<Argument: keep_going (k)>` -> `--keep-going`."""
    match = re.match(r"<Argument: (\S+)", argument_repr)
    name = match[1].rstrip(">") if match else argument_repr
    return "--" + name.replace("_", "-")


_UNKNOWN_OPTION = re.compile(r"No idea what '(?P<what>-.*)' is!", re.S)
_UNKNOWN_WORD = re.compile(r"No idea what '(?P<what>[^-].*)' is!", re.S)

# (invoke's English message as a regular expression, the Chinese) — invoke 3.0's parser and program
MESSAGES: Translations = [
    (_UNKNOWN_OPTION,
     lambda m: f"不认识选项{_quoted(m['what'])}。某个任务的选项：{BINARY} --help 任务名"),
    (re.compile(r"No idea what '(?P<what>.*)' is!", re.S),
     lambda m: f"没有任务{_quoted(m['what'])}。全部任务：{BINARY} --list"),
    (re.compile(r"'(?P<task>.*)' did not receive required positional arguments: (?P<names>.*)", re.S),
     lambda m: f"任务 {m['task']} 缺少必需的参数 {_options(m['names'])}（也可直接写在任务名之后）。"
               f"示例：{BINARY} --help {m['task']}"),
    (re.compile(r"Flag (?P<flag><Argument: .*>) needed value and was not given one!", re.S),
     lambda m: f"选项 {_flag(m['flag'])} 需要一个值"),
    (re.compile(r"Flag (?P<flag><Argument: .*>) doesn't take any value!", re.S),
     lambda m: f"选项 {_flag(m['flag'])} 不接受值"),
    (re.compile(r"'(?P<value>.*)' is ambiguous when given after an optional-value flag", re.S),
     lambda m: f"{_quoted(m['value'])}跟在一个值可省略的选项之后，含义不明确：请把它写成“选项=值”的形式"),
    (re.compile(r"Can't find any collection named '(?P<name>.*)'!", re.S),
     lambda m: f"找不到任务文件 {m['name']}.py：请在本项目的文件夹中运行 {BINARY}，或用 -r 指定该文件夹"),
    (re.compile(r"Sub-collection '(?P<name>.*)' not found!", re.S), lambda m: f"没有任务组{_quoted(m['name'])}"),
    (re.compile(r"No tasks found in collection '(?P<name>.*)'!", re.S), lambda m: f"任务文件 {m['name']} 中没有任务"),
    (re.compile(r"The --list-depth option is not supported with JSON format!"),
     lambda m: "--list-depth 不能与 JSON 格式同用"),
]


def translate(message: str, task: str | None = None) -> str:
    """One of invoke's messages in Chinese (unchanged when it has no translation).

    `task`: the task an unknown option was given to, so the message can name it.
    """
    if task:
        match = _UNKNOWN_OPTION.fullmatch(message)
        if match:
            return f"任务 {task} 没有选项{_quoted(match['what'])}。它的选项：{BINARY} --help {task}"
        match = _UNKNOWN_WORD.fullmatch(message)
        if match:  # `kaohe validate sample_data`: a word after a task that takes no more words
            return (f"{_quoted(match['what'])}不是任务名，也不是任务 {task} 的参数：数据目录等请用选项给出"
                    f"（如 --data {printable(match['what'])}）。它的选项：{BINARY} --help {task}")
    return by_template(MESSAGES, message)


def _in_chinese(arguments: list[Argument]) -> list[Argument]:
    for argument in arguments:
        argument.help = CORE_HELP.get(argument.name, argument.help)
    return arguments


# a line never starts with these: they stay on the line they close, even past the width
CLOSING = "，。、；：？！）」』”’》〉】" + ",.;:!?)"
OPENING = "（「『“‘《〈【"  # and a line never ends with these


_PIECE = re.compile(r"[A-Za-z0-9_./:@=<>*+-]+|.", re.S)  # a word of code or English stays whole; else a character


def wrap(text: str, width: int) -> list[str]:
    """Lines of about `width` columns, broken between Chinese characters or at spaces, never inside a word."""
    lines, line = [], ""
    for piece in _PIECE.findall(text):
        if not line and piece in CLOSING and lines:  # after a break at a space: back onto the line it closes
            lines[-1] += piece
        elif line and piece not in CLOSING and columns(line + piece) > width:
            carried = line[-1] if line[-1] in OPENING and len(line) > 1 else ""  # `（` goes with what it opens
            lines.append(line[:len(line) - len(carried)].rstrip())
            line = carried + ("" if piece == " " else piece)
        else:
            line += piece
    return [*lines, line] if line else lines


def _value_names(spec: str) -> str:
    """`-d STRING, --data=STRING` -> `-d 值, --data=值`."""
    return _VALUE_NAME.sub(lambda m: VALUE_NAMES[m[1]], spec)


class ChineseProgram(Program):
    """invoke's Program with every word it prints itself in Chinese."""

    def core_args(self) -> list[Argument]:
        return _in_chinese(super().core_args())

    def task_args(self) -> list[Argument]:
        return _in_chinese(super().task_args())

    def print_version(self) -> None:
        print(f"{NAME} {self.version}（invoke {invoke_version}）")

    def print_help(self) -> None:
        print(f"用法：{self.binary} [通用选项] 任务 [任务的选项] …")
        print("")
        if self._collection_found():
            self.list_tasks()
        print("通用选项：")
        print("")
        self.print_columns(self.initial_context.help_tuples())

    def print_task_help(self, name: str) -> None:
        context = self.parser.contexts[name]
        tuples = context.help_tuples()
        positional = "".join(f" <{arg.name}>" for arg in context.positional_args)  # `close <period>`
        print(f"用法：{self.binary} [通用选项] {name}{positional}{' [选项]' if tuples else ''}")
        print("")
        print("说明：")
        for line in (inspect.getdoc(self.collection[name]) or "（无）").splitlines():
            print(self.leading_indent + line if line.strip() else "")
        print("")
        print("选项：")
        if tuples:
            self.print_columns(tuples)
        else:
            print(self.leading_indent + "（无）")
            print("")

    def list_tasks(self) -> None:
        if getattr(self, "list_format", "flat") == "json":
            super().list_tasks()
            return
        names = sorted(self.collection.task_names)
        if not names:
            raise Exit(f"错误：任务文件 {self.collection.name} 中没有任务", EXIT_USAGE)
        print("全部任务：")
        print("")
        self.print_columns([(name, _summary(self.collection[name])) for name in names])
        print(f"每个任务的说明、示例和选项：{self.binary} --help 任务名")
        print("")

    def print_columns(self, tuples: Sequence[tuple[str, str | None]]) -> None:
        """Two columns like invoke's, the help wrapped by display width so Chinese lines fit the terminal."""
        rows = [(_value_names(name), help_text or "") for name, help_text in tuples]
        name_width = max(columns(name) for name, _ in rows)
        text_width = max(shutil.get_terminal_size().columns - name_width - self.leading_indent_width
                         - self.col_padding - 1, 20)
        for name, help_text in rows:
            spec = self.leading_indent + name + " " * (name_width - columns(name) + self.col_padding)
            lines = wrap(help_text, text_width) or [""]
            print((spec + lines[0]).rstrip())
            for line in lines[1:]:
                print(" " * columns(spec) + line)  # under the help, whatever the option's characters
        print("")

    def _collection_found(self) -> bool:
        """Load tasks.py for a bare `--help` too (invoke prints that before loading); quiet when absent."""
        if getattr(self, "collection", None) is None:
            try:
                self.load_collection()
            except Exit:
                return False
        return True

    # invoke's parse errors, said in Chinese: each parsing step re-raises its errors translated
    def parse_core_args(self) -> None:
        with self._errors_in_chinese():
            super().parse_core_args()

    def load_collection(self) -> None:
        with self._errors_in_chinese():
            super().load_collection()

    def parse_tasks(self) -> None:
        with self._errors_in_chinese():
            super().parse_tasks()

    def parse_cleanup(self) -> None:
        with self._errors_in_chinese():
            super().parse_cleanup()

    @contextmanager
    def _errors_in_chinese(self) -> Iterator[None]:
        """Parse errors as one Chinese line and exit code 2, like `python -m pipeline` (cli/exits.py)."""
        try:
            yield
        except ParseError as error:
            raise Exit(f"参数错误：{translate(str(error), task=_task_of(error))}", EXIT_USAGE) from None
        except Exit as error:
            if not error.message:
                raise
            raise Exit(f"错误：{translate(error.message)}", EXIT_USAGE) from None
        except ValueError as error:  # a value that is not a number, raised while converting it
            raise Exit(f"参数错误：{self._not_a_number(str(error))}", EXIT_USAGE) from None

    def normalize_argv(self, argv: Sequence[str] | str | None) -> None:
        super().normalize_argv(argv)
        valued = {("--" if len(name) > 1 else "-") + name for arg in self.initial_context.args.values()
                  if arg.takes_value and not arg.optional for name in arg.names}
        self.argv = [*self.argv[:1], *help_first(self.argv[1:], valued)]

    def _not_a_number(self, message: str) -> str:
        """`invalid literal for int() with base 10: 'abc'` -> which option wanted a number, and what it got."""
        match = re.search(r": '(?P<value>.*)'$", message, re.S)
        value = match["value"] if match else ""
        flag = _flag_given(self.argv[1:], value) if match else None
        return f"{f'选项 {flag} ' if flag else '选项'}需要整数，实际为{_quoted(value)}"


def help_first(args: Sequence[str], valued: set[str]) -> list[str]:
    """`close --help` -> `--help close`: a task's positional parameter would take `--help` as its value.

    `valued` are the core flags that take the next word as their value (`-r 文件夹`), so that word is
    not mistaken for the task.
    """
    task_at, index = None, 0
    while index < len(args):
        token = args[index]
        if token in ("-h", "--help") and task_at is not None:
            return [*args[:task_at], "--help", args[task_at]]
        if task_at is None and token.startswith("-"):
            index += token in valued  # skip its value
        elif task_at is None:
            task_at = index
        index += 1
    return list(args)


def _task_of(error: ParseError) -> str | None:
    """The task whose options were being parsed, when the error names one."""
    name = getattr(error.context, "name", None)
    return name if isinstance(name, str) else None


def _flag_given(argv: Sequence[str], value: str) -> str | None:
    """The option the value was given to: `--offices abc` or `--offices=abc`."""
    for before, token in zip(["", *argv], argv, strict=False):
        if token.startswith("-") and token.endswith(f"={value}"):
            return token.split("=", 1)[0]
        if token == value and before.startswith("-"):
            return before
    return None


def _summary(task) -> str:
    """A task's first docstring line, as `--list` shows it."""
    doc = inspect.getdoc(task) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "（未安装）"


def program() -> ChineseProgram:
    return ChineseProgram(name=NAME, binary=BINARY, binary_names=[BINARY], version=_version())


def main(argv: Sequence[str] | None = None) -> None:
    """The `kaohe` console script."""
    try:
        program().run(list(argv) if argv is not None else None)
    except BrokenPipeError:  # the reader stopped reading (`kaohe --help | head`): Python's documented remedy
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv)


__all__ = ["BINARY", "CORE_HELP", "ChineseProgram", "help_first", "main", "program", "translate", "wrap"]
