"""The README documents every command, and CI runs exactly the README's commands."""

import inspect
import re
from pathlib import Path

import pytest

from pipeline.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _invoke_tasks() -> list[str]:
    source = (ROOT / "tasks.py").read_text(encoding="utf-8")
    return re.findall(r"@task\b.*\n(?:@.*\n)*def (\w+)\(", source)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_cli_command_is_documented(command):
    assert re.search(rf"`{command}\b", README), f"python -m pipeline {command} missing from README"


@pytest.mark.parametrize("task", _invoke_tasks())
def test_every_task_is_documented(task):
    assert f"kaohe {task}" in README


def test_every_cli_command_has_a_task():
    assert set(COMMANDS) <= set(_invoke_tasks())


def test_every_task_has_a_one_line_summary_and_an_example():
    import tasks

    for name in _invoke_tasks():
        doc = (getattr(tasks, name).__doc__ or "").strip()
        summary, _, rest = doc.partition("\n")  # `kaohe --list` shows the first line
        assert summary.endswith("。") and re.search(r"[\u4e00-\u9fff]", summary), name
        assert f"示例：kaohe {name}" in rest, name


@pytest.mark.parametrize("task", _invoke_tasks())
def test_every_task_option_is_explained_in_chinese(task):
    import tasks

    body = getattr(tasks, task).body
    for option in inspect.signature(body).parameters:
        if option == "c":
            continue
        text = getattr(tasks, task).help.get(option, "")
        assert re.search(r"[\u4e00-\u9fff]", text), f"kaohe {task} --{option}"


def _readme_commands() -> list[str]:
    block = re.search(r"## 快速开始.*?```bash\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_has_two_commands():
    assert len(_readme_commands()) == 2


def test_ci_runs_the_readme_setup_and_test_command():
    setup, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for part in setup.split(" && ")[:2]:  # venv + install, exactly as the README says
        assert part in ci
    assert test in ci


def test_cli_help_is_chinese_and_lists_commands():
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text
