"""invoke tasks: thin wrappers over `python -m pipeline` (run `invoke --list`)."""

from __future__ import annotations

import os
import shutil
import sys

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


@task(help={"out": "data folder to write", "offices": "number of offices", "seed": "random seed"})
def demo(c, out=SAMPLE, offices=12, seed=7):
    """Fill the templates with a realistic sample data set (default: the bundled sample)."""
    _pipeline(c, "demo", "--out", out, "--offices", str(offices), "--seed", str(seed))


@task(help={"inbox": "folder of received files", "data": "data folder to file them into"})
def intake(c, inbox, data=SAMPLE):
    """File received workbooks into DATA/submissions/<period>/<office>/ by their content."""
    _pipeline(c, "intake", inbox, "--data", data)


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


@task(help={"port": "port on localhost", "data": "data folder (default: the bundled sample)"})
def serve(c, port=8000, data=None):
    """Build the site, then preview it on http://127.0.0.1:PORT/."""
    build(c, data=data)
    print(f"网站预览:http://127.0.0.1:{port}/  (Ctrl+C 结束)")
    c.run(f"{_quote(PY)} -m http.server {int(port)} --bind 127.0.0.1 --directory site", pty=False)


def _ensure_chromium(c) -> None:
    """The browser tests need Debian's chromium; install it when missing and we are root."""
    if shutil.which("chromium"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("正在安装浏览器测试所需的 chromium 与中文字体……")
        c.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk",
              hide="out")
        return
    raise Exit("浏览器测试需要 chromium:请执行 sudo apt-get install chromium fonts-noto-cjk", code=2)


@task(help={"args": "extra pytest arguments"})
def test(c, args=""):
    """Run the whole test suite (installs Debian's chromium for the browser tests if missing)."""
    _ensure_chromium(c)
    c.run(f"{_quote(PY)} -m ruff check pipeline tests tasks.py", pty=False)
    c.run(f"{_quote(_tool('lint-imports'))}", pty=False)  # the layers' contract (pyproject.toml)
    result = c.run(f"{_quote(PY)} -m pytest -n auto {args}", warn=True, pty=False)
    if result.exited:
        raise Exit(code=result.exited)


@task(help={"offices": "offices in the synthetic company"})
def bench(c, offices=1000):
    """Measure the pipeline on a synthetic company and write docs/performance.md."""
    _pipeline(c, "bench", "--offices", str(offices))
