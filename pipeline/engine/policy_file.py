"""Reading the policy file: bounded in size, nesting and number length, with no YAML anchors or aliases.

The policy is edited by hand and given with `--policy`, so a broken or hostile file must become a
Chinese error within a second, never a traceback. PyYAML alone would read `/dev/zero` until memory
runs out, turn an alias bomb (`b: [*a, *a, …]` nine levels deep) into a value with billions of
items that any `str()` expands, recurse until RecursionError on 5,000 nested `[`, and raise
ValueError on a 5,000-digit integer. So the bytes are read up to a bound, the YAML events are
checked first (libyaml's parser keeps its own stack, so deep nesting cannot overflow Python's;
their number bounds the time to build the values), and only then are the values built, with over-long numbers kept as `Oversized` for the policy's
type checks to refuse by key.
"""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 256 * 1024  # the shipped policy is about 6 KiB
MAX_DEPTH = 16  # the shipped policy nests 6 deep (kpis › attainment › points › quarterly › [x, y])
MAX_NUMBER_CHARS = 40
MAX_EVENTS = 20_000  # YAML events (the shipped policy has about 500): bounds the time to build the values

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: several times faster


class Refused(ValueError):
    """The file is not a usable YAML policy; the message (Chinese) says where and why."""


@dataclass(frozen=True)
class Oversized:
    """A number with more characters than any policy value needs (Python would refuse or choke on it)."""

    text: str

    def __repr__(self) -> str:
        return f"{self.text[:12]}…（共 {len(self.text)} 个字符）"


class _Loader(_Base):
    """The safe loader, keeping over-long numbers as Oversized instead of converting them."""


def _number(convert):
    def construct(loader: _Loader, node: yaml.ScalarNode) -> Any:
        return Oversized(node.value) if len(node.value) > MAX_NUMBER_CHARS else convert(loader, node)
    return construct


_Loader.add_constructor("tag:yaml.org,2002:int", _number(yaml.constructor.SafeConstructor.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _number(yaml.constructor.SafeConstructor.construct_yaml_float))


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` bytes of the file; Refused when it has more (`/dev/zero` is refused at once).

    OSError when it cannot be read.
    """
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"文件超过 {limit // 1024} KiB，不是政策配置文件（默认的政策配置约 6 KiB）")
    return data


def load_yaml(text: str) -> Any:
    """The value of one YAML document; Refused for anchors, aliases, deep nesting or bad syntax."""
    _check_events(text)
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:  # a tag such as !!python/object, a second document
        mark = exc.problem_mark or exc.context_mark
        at = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise Refused(f"不是有效的 YAML：{at}无法识别{yaml_problem(exc.problem or exc.context or '')}") from None
    except yaml.YAMLError as exc:
        raise Refused(f"不是有效的 YAML（{shown_text(str(exc))}）") from None
    except (ValueError, OverflowError) as exc:  # a date such as 2026-02-30, refused by datetime
        raise Refused(f"含有无法识别的值（{shown_text(str(exc))}）") from None


class _Frame:
    """An open mapping or sequence while the events are checked."""

    __slots__ = ("is_mapping", "key", "expect_key")

    def __init__(self, is_mapping: bool) -> None:
        self.is_mapping = is_mapping
        self.key = "?"
        self.expect_key = is_mapping


def _check_events(text: str) -> None:
    """Refuse anchors, aliases and nesting deeper than MAX_DEPTH, naming the key where they are."""
    frames: list[_Frame] = []
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
            if count >= MAX_EVENTS:
                raise Refused(f"{_where(frames)}含有的值过多（全文件超过 {MAX_EVENTS} 项），不是政策配置文件")
            _check_event(event, frames)
    except yaml.MarkedYAMLError as exc:  # named by the key it was found under
        mark, problem = exc.problem_mark or exc.context_mark, exc.problem or exc.context or ""
        at = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
        if "nesting depth" in problem:  # libyaml's own bound (1,000) meets unclosed brackets first
            raise Refused(f"{_where(frames)}嵌套超过 {MAX_DEPTH} 层{at}") from None
        where = f"{_where(frames)}附近" if _where(frames) else ""
        raise Refused(f"不是有效的 YAML：{where}有语法错误{at}{yaml_problem(problem)}") from None


def _check_event(event: yaml.Event, frames: list[_Frame]) -> None:
    starts = isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent, yaml.AliasEvent))
    if starts and (isinstance(event, yaml.AliasEvent) or event.anchor is not None):
        raise Refused(f"{_where(frames)}使用了 YAML 锚点或别名（& 或 *），政策配置中不允许使用"
                      f"（第 {event.start_mark.line + 1} 行）")
    if isinstance(event, yaml.CollectionStartEvent):
        if len(frames) >= MAX_DEPTH:
            raise Refused(f"{_where(frames)}嵌套超过 {MAX_DEPTH} 层（第 {event.start_mark.line + 1} 行第 "
                          f"{event.start_mark.column + 1} 列）")
        frames.append(_Frame(isinstance(event, yaml.MappingStartEvent)))
    elif isinstance(event, yaml.CollectionEndEvent):
        frames.pop()
        _completed(frames, None)
    elif isinstance(event, yaml.ScalarEvent):
        _completed(frames, event.value)


def _completed(frames: list[_Frame], scalar: str | None) -> None:
    """A node ended inside the innermost open mapping: it was that mapping's key, or the key's value."""
    if frames and frames[-1].is_mapping:
        frame = frames[-1]
        if frame.expect_key:
            frame.key = scalar if scalar is not None else "?"
        frame.expect_key = not frame.expect_key


# PyYAML's commonest complaints, in the words of the person editing the file; others are left out (the
# line and column still say where), never shown in English
YAML_PROBLEMS = (  # libyaml's words (the loader is libyaml's when installed), then PyYAML's own
    (re.compile(r"did not find expected node content"), "缺少值"),
    (re.compile(r"did not find expected key"), "缩进不一致，或某个键后缺少冒号"),
    (re.compile(r"did not find expected ',' or '([\]}])'"), "缺少逗号或右括号“{0}”"),
    (re.compile(r"could not find expected ':'"), "缺少冒号"),
    (re.compile(r"mapping values are not allowed (?:here|in this context)"),
     "这里不能出现冒号（值中含冒号时须加引号，或缩进不对）"),
    (re.compile(r"found (?:a tab character that violates indentation|character '\\t' that cannot start any token)"),
     "含有制表符（缩进只能用空格）"),
    (re.compile(r"expected <block end>, but found .*"), "缩进不一致"),
    (re.compile(r"found unexpected end of stream"), "文件意外结束（可能缺少右引号或右括号）"),
    (re.compile(r"found unknown escape character.*"), "含有无法识别的转义字符（\\ 之后）"),
    (re.compile(r"found undefined tag handle.*|could not determine a constructor for the tag.*"),
     "含有不允许的标签（以两个感叹号开头）"),
    (re.compile(r"but found another document|expected a single document in the stream"), "含有多个文档（“---”分隔）"),
)


def yaml_problem(problem: str) -> str:
    """`：缺少值` for one of PyYAML's problems this knows, else nothing."""
    for pattern, chinese in YAML_PROBLEMS:
        match = pattern.fullmatch(problem.strip())
        if match:
            return "：" + chinese.format(*match.groups())
    return ""


def _where(frames: list[_Frame]) -> str:
    """`kpis.attainment.points`: the keys leading to the current node (the top level: empty)."""
    keys = [shown_text(f.key, 24) for f in frames if f.is_mapping and not f.expect_key]
    return f"{'.'.join(keys)} " if keys else ""


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 2, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 40, 40, 24


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted in a message: text in Chinese quotes (“35%”), anything else a short bounded
    repr (never the whole of a huge value)."""
    if isinstance(value, str):
        return f"“{shown_text(value.replace(chr(10), ' '), limit)}”"
    return shown_text(_REPR.repr(value), limit)


def shown_text(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_EVENTS", "MAX_NUMBER_CHARS", "Oversized", "Refused", "load_yaml",
           "read_bounded", "shown", "shown_text"]
