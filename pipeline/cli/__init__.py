"""The command line: `python -m pipeline templates|demo|validate|intake|run|build|bench|close|reopen|whatif|remind|reports`.

This package parses arguments, calls the stages (pipeline.run, pipeline.build) and turns their
outcome into Chinese summaries and exit codes (cli/exits.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..findings import Refused
from . import commands
from .exits import EXIT_DATA_ERRORS, EXIT_INTERRUPTED
from .summaries import refusal_text
from .zh import ChineseParser

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "templates": commands.templates,
    "demo": commands.demo,
    "validate": commands.validate,
    "intake": commands.intake,
    "run": commands.run,
    "build": commands.build,
    "bench": commands.bench,
    "close": commands.close,
    "reopen": commands.reopen,
    "whatif": commands.whatif,
    "remind": commands.remind,
    "reports": commands.reports,
}


def _workers(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=0, metavar="数量", help="并行进程数（默认按 CPU 核数）")


def _no_cache(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true", help="不使用缓存 .cache/（每个工作簿都重新读取）")


# name -> (one line for the list of commands, an example); the example ends each command's help
ABOUT = {
    "templates": ("生成七个空白 Excel 模板", "python -m pipeline templates --out input_templates"),
    "demo": ("用模板填写一套示例数据", "python -m pipeline demo --out 示例数据 --offices 12"),
    "validate": ("校验数据目录中的全部工作簿", "python -m pipeline validate sample_data --annotate 标注副本"),
    "intake": ("把收到的文件按模板、所编号和期间归档到数据目录", "python -m pipeline intake 收件目录 --data 数据目录"),
    "run": ("校验并计算考核结果，写出 validation.json、scorecards.csv 与各期间的考核结果工作簿",
            "python -m pipeline run sample_data --out out"),
    "build": ("构建网站到 site/", "python -m pipeline build --data 数据目录 --keep-going"),
    "close": ("关闭一个期间：冻结其考核结果，写入数据目录的 closed/期间.json",
              "python -m pipeline close 2026Q1 数据目录 --by 经办人姓名"),
    "reopen": ("重新打开已关闭的期间（保留关闭与重新打开的记录）",
               "python -m pipeline reopen 2026Q1 数据目录 --by 经办人姓名 --reason 北京一所补交了培训计划"),
    "whatif": ("试算：按现行政策与政策草案分别计算未关闭的期间，对比结果",
               "python -m pipeline whatif 数据目录 --policy 政策草案.yaml --period 2026"),
    "remind": ("催交提醒：为某季度未交齐或有错误的业务所各写一份提醒文本",
               "python -m pipeline remind 数据目录 --period 2026Q4"),
    "reports": ("为每个业务所每个期间写出考核确认单（A4 PDF，供所长与人力资源部签字）",
                "python -m pipeline reports 数据目录 --out 确认单 --period 2026Q4"),
    "bench": ("在合成的大规模数据上测量性能", "python -m pipeline bench --quick"),
}


def _command(sub: Any, name: str) -> argparse.ArgumentParser:
    """A subcommand's parser: its line in the list of commands, the same as its description, its example."""
    line, example = ABOUT[name]
    return sub.add_parser(name, help=line, description=f"{line}。", epilog=f"示例：{example}")


def command_list() -> str:
    """The list of commands in the main help: one line each, name and what it does (argparse's own
    list puts a `命令` line under the `命令：` heading and wraps a long name onto a line of its own)."""
    width = max(map(len, ABOUT))
    return "命令：\n" + "\n".join(f"  {name.ljust(width)}  {line}" for name, (line, _) in ABOUT.items())


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="python -m pipeline", usage="%(prog)s [-h] 命令 ...",
                           description="业务所长考核：模板、校验、计算与网站构建。",
                           epilog=f"{command_list()}\n\n示例：python -m pipeline validate sample_data\n"
                                  "每个命令的说明：python -m pipeline 命令 -h")
    # listed by command_list in the epilog, not by argparse
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ChineseParser, metavar="命令",
                                help=argparse.SUPPRESS, prog=parser.prog)

    p = _command(sub, "templates")
    p.add_argument("--out", metavar="目录", help="输出目录（默认 input_templates；与 --data 同用时必填）")
    p.add_argument("--check", action="store_true", help="只检查已有模板是否与表单定义一致")
    p.add_argument("--data", metavar="目录", help="数据目录：按其中 reference.xlsx 的业务所名单生成本公司的模板（须同时用 --out 指定目录）")

    p = _command(sub, "demo")
    p.add_argument("--out", required=True, metavar="目录", help="输出的数据目录")
    p.add_argument("--offices", type=int, default=12, metavar="数量", help="业务所数量（默认 12）")
    p.add_argument("--years", type=int, nargs="+", default=[2025, 2026], metavar="年份", help="年份（默认 2025 2026）")
    p.add_argument("--seed", type=int, default=7, metavar="整数", help="随机种子（默认 7）")
    p.add_argument("--force", action="store_true", help="目录不是空的也写入（覆盖其中同名的工作簿）")

    p = _command(sub, "validate")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--json", dest="json_path", metavar="文件", help="把校验结果写成 JSON 文件")
    p.add_argument("--annotate", metavar="目录", help="为有问题的工作簿写出标注副本的目录（副本名如 北京一所-2026Q2-招聘与团队-标注.xlsx，不覆盖已有文件）")
    _workers(p)
    _no_cache(p)

    p = _command(sub, "intake")
    p.add_argument("inbox", metavar="收件目录", help="收到的文件所在的文件夹")
    p.add_argument("--data", required=True, metavar="目录", help="数据目录")

    p = _command(sub, "run")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--out", required=True, metavar="目录", help="输出目录")
    p.add_argument("--policy", metavar="文件", help="政策配置文件（默认 pipeline/policy.yaml）")
    _workers(p)
    _no_cache(p)

    p = _command(sub, "build")
    p.add_argument("--data", metavar="目录", help="数据目录（默认使用内置示例数据）")
    p.add_argument("--keep-going", action="store_true", help="有错误时仍发布：有误的业务所和期间标为“数据有误”")
    p.add_argument("--site", default="site", metavar="目录", help="网站输出目录（默认 site）")
    p.add_argument("--policy", metavar="文件", help="政策配置文件（默认 pipeline/policy.yaml）")
    _workers(p)
    _no_cache(p)

    p = _command(sub, "close")
    p.add_argument("period", metavar="期间", help="季度如 2026Q1，或年份如 2026（须先关闭其四个季度）")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--by", required=True, metavar="姓名", help="关闭人姓名")
    p.add_argument("--policy", metavar="文件", help="政策配置文件（默认 pipeline/policy.yaml）")
    _no_cache(p)

    p = _command(sub, "reopen")
    p.add_argument("period", metavar="期间", help="季度如 2026Q1，或年份如 2026")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--by", required=True, metavar="姓名", help="重新打开人姓名")
    p.add_argument("--reason", required=True, metavar="原因", help="重新打开的原因")

    p = _command(sub, "whatif")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--policy", required=True, metavar="文件", help="政策草案文件（.yaml）")
    p.add_argument("--period", metavar="期间", help="只试算这个期间（如 2026Q1 或 2026）")
    p.add_argument("--out", metavar="文件", help="对比工作簿（默认当前文件夹的“试算对比-草案名.xlsx”，已有同名文件时另起新名）")
    _no_cache(p)

    p = _command(sub, "remind")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--period", required=True, metavar="期间", help="季度，如 2026Q4")
    p.add_argument("--out", metavar="目录", help="提醒文件的文件夹（默认当前文件夹的“提醒-期间”，已有同名文件夹时另起新名）")
    _no_cache(p)

    p = _command(sub, "reports")
    p.add_argument("data_dir", metavar="数据目录", help="含 reference.xlsx 与 submissions/ 的文件夹")
    p.add_argument("--out", required=True, metavar="目录", help="确认单的输出目录")
    p.add_argument("--period", metavar="期间", help="只写这个期间（如 2026Q4 或 2026）")
    p.add_argument("--policy", metavar="文件", help="政策配置文件（默认 pipeline/policy.yaml）")
    _workers(p)
    _no_cache(p)

    p = _command(sub, "bench")
    p.add_argument("--offices", type=int, default=1000, metavar="数量", help="业务所数量（默认 1000）")
    p.add_argument("--cache", default=".bench", metavar="目录", help="合成数据与缓存目录（默认 .bench）")
    p.add_argument("--out", default="docs/performance.md", metavar="文件", help="结果页（默认 docs/performance.md）")
    p.add_argument("--quick", action="store_true", help="快速冒烟测试：只用 50 个业务所（覆盖 --offices）")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run one command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Refused as exc:  # a stage the data do not allow at all (HR's reference names no office)
        print(refusal_text(exc), file=sys.stderr)
        return EXIT_DATA_ERRORS


__all__ = ["ABOUT", "COMMANDS", "build_parser", "command_list", "main"]
