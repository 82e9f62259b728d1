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
