"""invoke tasks: thin wrappers over `python -m pipeline` (run `invoke --list`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from invoke import Exit, task

PY = sys.executable
SAMPLE = "sample_data"


def _pipeline(c, *args: str) -> None:
    """Run `python -m pipeline ARGS`, turning a non-zero exit into invoke's Exit."""
    quoted = " ".join(_quote(a) for a in args)
    result = c.run(f"{_quote(PY)} -m pipeline {quoted}", warn=True, pty=False)
    if result.exited:
        raise Exit(code=result.exited)


def _tool(name: str) -> str:
    """A console script installed beside this Python (the venv's bin/), else the one on PATH."""
    beside = os.path.join(os.path.dirname(PY), name)
    return beside if os.path.exists(beside) else name


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(str(text))


@task(help={"check": "only check that input_templates/ matches the form specs"})
def templates(c, check=False):
    """Write the five blank Excel templates into input_templates/."""
    _pipeline(c, "templates", "--out", "input_templates", *(["--check"] if check else []))


def _folder(value: str, option: str, example: str) -> str:
    """A folder a task writes into: required (never the bundled sample by default), said in full."""
    if not value:
        raise Exit(f"错误：请用 {option} 指定目录，例如 {example}。", code=2)
    return os.path.abspath(value)


_DEMO_HELP = {"out": "data folder to write (required; empty unless --force)", "offices": "number of offices",
              "seed": "random seed", "force": "write into a folder that is not empty (the sample: --out sample_data --force)"}


@task(help=_DEMO_HELP)
def demo(c, out="", offices=12, seed=7, force=False):
    """Fill the templates with a realistic sample data set into --out (an empty folder unless --force)."""
    folder = _folder(out, "--out", f"invoke demo --out 示例数据（重新生成内置示例：invoke demo --out {SAMPLE} --force）")
    print(f"示例数据目录：{folder}")
    _pipeline(c, "demo", "--out", folder, "--offices", str(offices), "--seed", str(seed), *(["--force"] if force else []))


@task(help={"inbox": "folder of received files", "data": "data folder to file them into (required)"})
def intake(c, inbox, data=""):
    """File received workbooks into DATA/submissions/<period>/<office>/ by their content."""
    folder = _folder(data, "--data", "invoke intake --inbox 收件目录 --data 数据目录")
    print(f"收件目录：{os.path.abspath(inbox)}\n数据目录：{folder}")
    _pipeline(c, "intake", inbox, "--data", folder)


@task(help={"data": "data folder", "json": "write the JSON report here", "annotate": "folder for marked-up copies"})
def validate(c, data=SAMPLE, json=None, annotate=None):
    """Check every workbook of a data folder and print a Chinese summary."""
    args = ["validate", data]
    if json:
        args += ["--json", json]
    if annotate:
        args += ["--annotate", annotate]
    _pipeline(c, *args)


@task(help={"data": "data folder", "out": "output folder"})
def run(c, data=SAMPLE, out="out"):
    """Validate and score; write validation.json, scorecards.csv and a workbook per period."""
    _pipeline(c, "run", data, "--out", out)


@task(help={"data": "data folder (default: the bundled sample)", "keep_going": "publish even with errors"})
def build(c, data=None, keep_going=False):
    """Build the whole site into site/ (templates check, validate, run, pages, mkdocs)."""
    args = ["build"]
    if data:
        args += ["--data", data]
    if keep_going:
        args.append("--keep-going")
    _pipeline(c, *args)


@task(positional=["period"], help={"period": "quarter (2026Q1) or year (2026)", "data": "data folder (required)", "by": "who closes it (required)"})
def close(c, period, data="", by=""):
    """Close a period: freeze its results into DATA/closed/PERIOD.json."""
    folder = _folder(data, "--data", "invoke close 2026Q1 --data 数据目录 --by 姓名")
    _pipeline(c, "close", period, folder, "--by", by)


@task(positional=["period"], help={"period": "a closed period", "data": "data folder (required)", "by": "who reopens it", "reason": "why (required)"})
def reopen(c, period, data="", by="", reason=""):
    """Reopen a closed period (its history is kept in DATA/closed/PERIOD.json)."""
    folder = _folder(data, "--data", "invoke reopen 2026Q1 --data 数据目录 --by 姓名 --reason 原因")
    _pipeline(c, "reopen", period, folder, "--by", by, "--reason", reason)


_WHATIF_HELP = {"policy": "draft policy file (required)", "data": "data folder", "period": "only this period",
                "out": "comparison workbook (default: 试算对比-<draft>.xlsx here)"}


@task(help=_WHATIF_HELP)
def whatif(c, policy, data=SAMPLE, period=None, out=None):
    """Compare every open office-period under the policy in force and under a draft."""
    args = ["whatif", data, "--policy", policy]
    if period:
        args += ["--period", period]
    if out:
        args += ["--out", out]
    _pipeline(c, *args)


_REMIND_HELP = {"period": "quarter, e.g. 2026Q4 (required)", "data": "data folder",
                "out": "folder for the reminders (default: 提醒-<period> here)"}


@task(help=_REMIND_HELP)
def remind(c, period, data=SAMPLE, out=None):
    """Write a ready-to-send reminder per office that still owes forms for a quarter."""
    args = ["remind", data, "--period", period]
    if out:
        args += ["--out", out]
    _pipeline(c, *args)


@task(help={"port": "port on localhost", "data": "data folder (default: the bundled sample)"})
def serve(c, port=8000, data=None):
    """Build the site, then preview it on http://127.0.0.1:PORT/."""
    build(c, data=data)
    print(f"网站预览:http://127.0.0.1:{port}/  (Ctrl+C 结束)")
    c.run(f"{_quote(PY)} -m http.server {int(port)} --bind 127.0.0.1 --directory site", pty=False)


# What the tests drive besides Python: (Debian package, how to tell it is there)
TEST_PACKAGES = (
    ("chromium", lambda: shutil.which("chromium")),  # the browser tests
    ("fonts-noto-cjk", lambda: Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists()),
    ("libreoffice-calc-nogui", lambda: shutil.which("soffice") or shutil.which("libreoffice")),  # print layout
    ("poppler-utils", lambda: shutil.which("pdftotext")),
    ("fonts-crosextra-carlito", lambda: Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf").exists()),
)


def _ensure_test_packages(c) -> None:
    """Install the Debian packages the tests need when missing and we are root; else say which."""
    missing = [name for name, present in TEST_PACKAGES if not present()]
    if not missing:
        return
    names = " ".join(missing)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"正在安装测试所需的 Debian 软件包:{names} ……")
        c.run(f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {names}", hide="out")
        return
    raise Exit(f"测试需要以下 Debian 软件包:请执行 sudo apt-get install {names}", code=2)


@task(help={"args": "extra pytest arguments"})
def test(c, args=""):
    """Run the whole test suite (installs the Debian packages it needs if missing)."""
    _ensure_test_packages(c)
    c.run(f"{_quote(PY)} -m ruff check pipeline tests tasks.py", pty=False)
    c.run(f"{_quote(_tool('lint-imports'))}", pty=False)  # the layers' contract (pyproject.toml)
    result = c.run(f"{_quote(PY)} -m pytest -n auto {args}", warn=True, pty=False)
    if result.exited:
        raise Exit(code=result.exited)


@task(help={"offices": "offices in the synthetic company"})
def bench(c, offices=1000):
    """Measure the pipeline on a synthetic company and write docs/performance.md."""
    _pipeline(c, "bench", "--offices", str(offices))
