"""The project's tasks: thin wrappers over `python -m pipeline` (run `kaohe --list`).

`kaohe` (pipeline/cli/task_runner.py) runs them with invoke's own words in Chinese too; everything
these tasks supply (docstrings, examples, option help) is Chinese. `invoke TASK` runs the same tasks.
"""

from __future__ import annotations

import ctypes.util
import errno
import functools
import os
import shlex
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from invoke import Exit, task

PY = sys.executable
ROOT = Path(__file__).resolve().parent  # the tasks work from any folder of the project
SAMPLE = str(ROOT / "sample_data")
SITE = ROOT / "site"
CACHE_ENV = "PIPELINE_CACHE_DIR"  # pipeline/runtime/cache.py: one cache, at the root, wherever a task is run


def _execute(c, argv: list[str], *, cwd: Path | None = None) -> None:
    """Run a command with this terminal as its own, honouring `--echo` and `--dry`; its exit code is ours.

    Not `c.run`: invoke reads a child's output in 1,000-byte pieces and decodes each on its own, which
    splits a Chinese character at every boundary into two U+FFFD; and behind its pipe the child's
    progress bars see no terminal.
    """
    line = shlex.join(str(a) for a in argv)
    if c.config.run.echo or c.config.run.dry:
        print(line)
    if c.config.run.dry:
        return
    env = {**os.environ, CACHE_ENV: os.environ.get(CACHE_ENV) or str(ROOT / ".cache")}
    try:
        code = subprocess.run(argv, cwd=cwd, env=env).returncode
    except KeyboardInterrupt:  # the child heard Ctrl+C too and has said so
        raise Exit(code=130) from None
    if code:
        raise Exit(code=code)


def _pipeline(c, *args: str) -> None:
    """`python -m pipeline ARGS`, run from the current folder (relative paths are the user's)."""
    _execute(c, [PY, "-m", "pipeline", *map(str, args)])


def _tool(name: str) -> str:
    """A console script installed beside this Python (the venv's bin/), else the one on PATH."""
    beside = os.path.join(os.path.dirname(PY), name)
    return beside if os.path.exists(beside) else name


@task(help={"check": "只检查 input_templates/ 中的模板是否与表单定义一致"})
def templates(c, check=False):
    """生成七个空白 Excel 模板到 input_templates/。

    示例：kaohe templates --check
    """
    _pipeline(c, "templates", "--out", ROOT / "input_templates", *(["--check"] if check else []))


def _given(value: str, option: str, what: str, example: str) -> str:
    """A required option's value; said by name when it is missing (not as an invalid empty value)."""
    if not value.strip():
        raise Exit(f"错误：请用 {option} 指定{what}，例如 {example}。", code=2)
    return value


def _folder(value: str, option: str, example: str) -> str:
    """A folder a task writes into: required (never the bundled sample by default), said in full."""
    if not value:
        raise Exit(f"错误：请用 {option} 指定目录，例如 {example}。", code=2)
    return os.path.abspath(value)


_DEMO_HELP = {"out": "写入的数据目录（必填；须为空，除非加 --force）", "offices": "业务所数量（默认 12）",
              "years": "年份，用逗号分开，如 2025,2026（默认 2025,2026）",
              "seed": "随机种子（默认 7）", "force": "目录不是空的也写入（重新生成内置示例：--out sample_data --force）"}


# no one-letter options: with them `-f` meant --offices (f was the first free letter) and --force was `-r`
@task(help=_DEMO_HELP, auto_shortflags=False)
def demo(c, out="", offices=12, years="2025,2026", seed=7, force=False):
    """用模板填写一套示例数据到 --out（须为空目录，除非加 --force）。

    示例：kaohe demo --out 示例数据
    """
    folder = _folder(out, "--out", f"kaohe demo --out 示例数据（重新生成内置示例：kaohe demo --out {SAMPLE} --force）")
    print(f"示例数据目录：{folder}")
    listed = [y for y in years.replace("，", ",").replace(" ", ",").split(",") if y]
    _pipeline(c, "demo", "--out", folder, "--offices", str(offices), "--years", *listed, "--seed", str(seed),
              *(["--force"] if force else []))


@task(help={"inbox": "收件目录（必填；收到的文件所在的文件夹）", "data": "归档到的数据目录（必填）"})
def intake(c, inbox, data=""):
    """把收到的工作簿按内容归档到数据目录的 submissions/<期间>/<所编号>/。

    示例：kaohe intake --inbox 收件目录 --data 数据目录
    """
    folder = _folder(data, "--data", "kaohe intake --inbox 收件目录 --data 数据目录")
    print(f"收件目录：{os.path.abspath(inbox)}\n数据目录：{folder}")
    _pipeline(c, "intake", inbox, "--data", folder)


@task(help={"data": "数据目录（默认内置示例数据 sample_data）", "json": "把校验结果写成此 JSON 文件", "annotate": "标注副本的目录"})
def validate(c, data=SAMPLE, json=None, annotate=None):
    """校验数据目录中的全部工作簿并输出汇总。

    示例：kaohe validate --data 数据目录 --annotate 标注副本
    """
    args = ["validate", data]
    if json:
        args += ["--json", json]
    if annotate:
        args += ["--annotate", annotate]
    _pipeline(c, *args)


@task(help={"data": "数据目录（默认内置示例数据 sample_data）", "out": "输出目录（默认 out）"})
def run(c, data=SAMPLE, out="out"):
    """校验并计算，写出 validation.json、scorecards.csv 与各期间的考核结果工作簿。

    示例：kaohe run --data 数据目录 --out 输出目录
    """
    _pipeline(c, "run", data, "--out", out)


_KEEP_GOING = "有错误时仍发布：有误的业务所和期间标为“数据有误”"


@task(help={"data": "数据目录（默认内置示例数据）", "keep_going": _KEEP_GOING})
def build(c, data=None, keep_going=False):
    """构建网站到 site/（检查模板、校验、计算、生成页面）。

    示例：kaohe build --data 数据目录 --keep-going
    """
    args = ["build", "--site", SITE]
    if data:
        args += ["--data", data]
    if keep_going:
        args.append("--keep-going")
    _pipeline(c, *args)


_CLOSE_HELP = {"period": "期间：季度如 2026Q1，或年份如 2026（须先关闭其四个季度）", "data": "数据目录（必填）",
               "by": "关闭人姓名（必填）"}


@task(positional=["period"], help=_CLOSE_HELP)
def close(c, period, data="", by=""):
    """关闭一个期间：冻结其考核结果，写入数据目录的 closed/期间.json。

    示例：kaohe close 2026Q1 --data 数据目录 --by 经办人姓名
    """
    example = "kaohe close 2026Q1 --data 数据目录 --by 姓名"
    folder = _folder(data, "--data", example)
    _pipeline(c, "close", period, folder, "--by", _given(by, "--by", "关闭人姓名", example))


_REOPEN_HELP = {"period": "已关闭的期间：季度如 2026Q1，或年份如 2026", "data": "数据目录（必填）",
                "by": "重新打开人姓名（必填）", "reason": "重新打开的原因（必填）"}


@task(positional=["period"], help=_REOPEN_HELP)
def reopen(c, period, data="", by="", reason=""):
    """重新打开已关闭的期间（关闭与重新打开的记录保留在 closed/期间.json）。

    示例：kaohe reopen 2026Q1 --data 数据目录 --by 经办人姓名 --reason 北京一所补交了培训计划
    """
    example = "kaohe reopen 2026Q1 --data 数据目录 --by 姓名 --reason 原因"
    folder = _folder(data, "--data", example)
    _pipeline(c, "reopen", period, folder, "--by", _given(by, "--by", "重新打开人姓名", example),
              "--reason", _given(reason, "--reason", "重新打开的原因", example))


_WHATIF_HELP = {"policy": "政策草案文件（.yaml，必填）", "data": "数据目录（默认内置示例数据 sample_data）",
                "period": "只试算这个期间（如 2026Q1 或 2026）",
                "out": "对比工作簿（默认当前文件夹的“试算对比-草案名.xlsx”）"}


@task(help=_WHATIF_HELP)
def whatif(c, policy, data=SAMPLE, period=None, out=None):
    """试算：按现行政策与政策草案分别计算未关闭的期间，对比结果。

    示例：kaohe whatif --policy 政策草案.yaml --data 数据目录 --period 2026
    """
    args = ["whatif", data, "--policy", policy]
    if period:
        args += ["--period", period]
    if out:
        args += ["--out", out]
    _pipeline(c, *args)


_REMIND_HELP = {"period": "季度，如 2026Q4（必填）", "data": "数据目录（默认内置示例数据 sample_data）",
                "out": "提醒文件的文件夹（默认当前文件夹的“提醒-期间”）"}


@task(help=_REMIND_HELP)
def remind(c, period, data=SAMPLE, out=None):
    """催交提醒：为某季度未交齐或有错误的业务所各写一份提醒文本。

    示例：kaohe remind --period 2026Q4 --data 数据目录
    """
    args = ["remind", data, "--period", period]
    if out:
        args += ["--out", out]
    _pipeline(c, *args)


_REPORTS_HELP = {"out": "确认单的输出目录（必填）", "data": "数据目录（默认内置示例数据）",
                 "period": "只写这个期间（如 2026Q4 或 2026）"}


@task(help=_REPORTS_HELP)
def reports(c, out="", data=SAMPLE, period=None):
    """为每个业务所每个期间写出考核确认单（A4 PDF，供所长与人力资源部签字）。

    示例：kaohe reports --out 确认单目录 --data 数据目录 --period 2026Q4
    """
    folder = _folder(out, "--out", "kaohe reports --out 确认单目录 --data 数据目录 --period 2026Q4")
    args = ["reports", data, "--out", folder]
    if period:
        args += ["--period", period]
    _pipeline(c, *args)


@task(help={"port": "本机端口（默认 8000）", "data": "数据目录（默认内置示例数据）", "keep_going": _KEEP_GOING})
def serve(c, port=8000, data=None, keep_going=False):
    """构建网站并在 http://127.0.0.1:端口/ 预览。

    示例：kaohe serve --data 数据目录 --keep-going
    """
    port = int(port)
    if not 0 < port < 65536:
        raise Exit(f"错误：端口应为 1–65535 之间的整数（实际为 {port}）", code=2)
    try:  # the port first: a taken one is said before a build of half a minute, not after
        server = preview_server(SITE, port)
    except OSError as exc:
        raise Exit(f"错误：无法使用本机端口 {port}（{_port_problem(exc)}）：请用 --port 换一个端口", code=2) from None
    try:
        build(c, data=data, keep_going=keep_going)
        print(f"网站预览：http://127.0.0.1:{server.server_address[1]}/（按 Ctrl+C 结束）")
        server.serve_forever()
    except KeyboardInterrupt:
        print("\n已停止预览。")
    finally:
        server.server_close()


def _port_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "已被其他程序占用"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有使用它的权限"
    return errno.errorcode.get(exc.errno or 0, "系统错误")


class _QuietPages(SimpleHTTPRequestHandler):
    """The site's files, without http.server's English log line for every request."""

    def log_message(self, format, *args):
        pass


def preview_server(site: Path, port: int) -> ThreadingHTTPServer:
    """A local server for the built site on 127.0.0.1 only; OSError when the port is taken."""
    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietPages, directory=str(site)))


# What the tests drive besides Python: (Debian package, how to tell it is there)
TEST_PACKAGES = (
    ("chromium", lambda: shutil.which("chromium")),  # the browser tests
    ("fonts-noto-cjk", lambda: Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists()),
    ("libreoffice-calc-nogui", lambda: shutil.which("soffice") or shutil.which("libreoffice")),  # print layout
    ("poppler-utils", lambda: shutil.which("pdftotext")),
    ("fonts-crosextra-carlito", lambda: Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf").exists()),
    # WeasyPrint (the 考核确认单 PDFs) loads Pango: its "Debian ≥ 11" install instructions
    ("libpango-1.0-0", lambda: ctypes.util.find_library("pango-1.0")),
    ("libpangoft2-1.0-0", lambda: ctypes.util.find_library("pangoft2-1.0")),
)


def _ensure_test_packages(c) -> None:
    """Install the Debian packages the tests need when missing and we are root; else say which."""
    missing = [name for name, present in TEST_PACKAGES if not present()]
    if not missing:
        return
    names = " ".join(missing)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"正在安装测试所需的 Debian 软件包：{names}……")
        c.run(f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {names}", hide="out")
        return
    raise Exit(f"测试需要以下 Debian 软件包：请执行 sudo apt-get install {names}", code=2)


@task(help={"args": "传给 pytest 的其他参数"})
def test(c, args=""):
    """运行 ruff、分层检查与全部测试（缺少所需的 Debian 软件包时安装）。

    示例：kaohe test --args "-k kpi"
    """
    _ensure_test_packages(c)
    _execute(c, [PY, "-m", "ruff", "check", "pipeline", "tests", "tasks.py"], cwd=ROOT)
    _execute(c, [_tool("lint-imports")], cwd=ROOT)  # the layers' contract (pyproject.toml)
    _execute(c, [PY, "-m", "pytest", "-n", "auto", *shlex.split(args)], cwd=ROOT)


@task(help={"offices": "合成公司的业务所数量（默认 1000）"})
def bench(c, offices=1000):
    """在合成的大规模数据上测量性能，结果写入 docs/performance.md。

    示例：kaohe bench --offices 200
    """
    _execute(c, [PY, "-m", "pipeline", "bench", "--offices", str(offices)], cwd=ROOT)
