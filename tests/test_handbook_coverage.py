"""Every rule in the policy config is written in the handbook, as 实施细则 and never as the policy's words.

Each value of policy.yaml is changed in turn (into another valid config) and the handbook rendered
again: the change must show inside a 实施细则 block, and the quoted policy text must stay exactly as
it was. A key added to policy.yaml is walked too, so it fails here until the handbook shows it;
when its default change below makes the config invalid, give it a valid one in CHANGES.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from pipeline.engine.policy import DEFAULT_POLICY_PATH, parse_policy
from pipeline.outputs.pages import render_handbook

RAW = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
NAMED = {"kpis", "blocks", "informational", "min_block_scores"}  # mappings keyed by data, not by schema
RULES_RE = re.compile(r'<section class="policy-rules" markdown>(.*?)</section>', re.S)
QUOTE_RE = re.compile(r'<blockquote class="policy-text" markdown>(.*?)</blockquote>', re.S)
NOT_RULES = {"version", "effective_from"}  # which rules the pages show and since when, in their notes; not rules

Path_ = tuple[Any, ...]


def leaves(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every value of the config: scalars, and lists of scalars or of points."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        for i, value in enumerate(node):
            yield from leaves(value, (*path, i))
    else:
        yield path, node


def pattern(path: Path_) -> str:
    """`kpis.attrition.points.annual` -> `kpis.*.points.annual`; list items as `[]`."""
    out = []
    for i, key in enumerate(path):
        if isinstance(key, int):
            out.append("[]")
        else:
            out.append("*" if i and path[i - 1] in NAMED else str(key))
    return ".".join(out)


def at(raw: dict, path: Path_) -> Any:
    for key in path:
        raw = raw[key]
    return raw


def rename(node: Any, old: str, new: str) -> Any:
    """Every string equal to `old` renamed (a grade is named again where incentives refer to it)."""
    if isinstance(node, dict):
        return {k: rename(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [rename(v, old, new) for v in node]
    return new if node == old else node


def _move_weight(raw: dict, path: Path_) -> None:
    kpi, cycle = path[1], path[3]
    donor = max((k for k in raw["kpis"] if k != kpi), key=lambda k: raw["kpis"][k]["weight"][cycle])
    raw["kpis"][donor]["weight"][cycle] -= 1
    raw["kpis"][kpi]["weight"][cycle] += 1


def _other_block(raw: dict, path: Path_) -> None:
    kpi = raw["kpis"][path[1]]
    kpi["block"] = next(b for b in raw["blocks"] if b != kpi["block"])


def _toggle_unit(raw: dict, path: Path_) -> None:
    kpi = raw["kpis"][path[1]]
    kpi["unit"] = "score" if kpi.get("unit", "percent") == "percent" else "percent"


def _raise_last_point(raw: dict, path: Path_) -> None:
    at(raw, path)[-1][1] += 1


def _other_grade(raw: dict, path: Path_) -> None:
    rule = at(raw, path[:-1])
    rule["grade"] = next(g["name"] for g in raw["grades"] if g["name"] != rule["grade"])


# Changes for the values whose obvious change (a number + 1, a text renamed) would break the config.
CHANGES: dict[str, Callable[[dict, Path_], None]] = {
    "kpis.*.weight.quarterly": _move_weight,
    "kpis.*.weight.annual": _move_weight,
    "kpis.*.block": _other_block,
    "kpis.*.unit": _toggle_unit,
    "kpis.*.points.quarterly": _raise_last_point,
    "kpis.*.points.annual": _raise_last_point,
    "bonus.zero_grades": lambda raw, path: raw["bonus"].update(zero_grades=[]),
    "incentives.*.grade": _other_grade,
    "incentives.excellent_head.top_share": lambda raw, path: raw["incentives"]["excellent_head"].update(top_share=0.05),
    "effective_from": lambda raw, path: raw.update(effective_from="2025Q2"),
    "publish": lambda raw, path: raw.update(publish="commendation"),
}
for _name in ("special_award", "excellent_head", "promotion", "development"):
    CHANGES[f"incentives.{_name}.grade"] = _other_grade


def changed(path: Path_) -> tuple[dict, str | None]:
    """A copy of the config with the value at `path` changed, and the new text when it is text."""
    raw = copy.deepcopy(RAW)
    special = CHANGES.get(pattern(path))
    if special is not None:
        special(raw, path)
        return raw, None
    value = at(raw, path)
    if isinstance(value, str):
        return rename(raw, value, value + "（改）"), value + "（改）"
    parent = at(raw, path[:-1])
    parent[path[-1]] = value + 1
    return raw, None


def render(raw: dict) -> str:
    return "\n".join(render_handbook(parse_policy(raw)).values())


BASE = render(RAW)
VALUES = [path for path, value in leaves(RAW) if value is not None]  # the lowest grade's open bound: no value


def test_the_walk_sees_every_kind_of_rule():
    seen = {pattern(p) for p in VALUES}
    assert {"meeting_minutes", "kpis.*.formula", "kpis.*.interpretation", "kpis.*.points.annual", "grades.[].min",
            "bonus.cap", "bonus.zero_grades", "incentives.excellent_head.top_share",
            "incentives.special_award.min_block_scores.*", "informational.*", "plausibility.attainment_min",
            "plausibility.change_factor"} <= seen


@pytest.mark.parametrize("path", VALUES, ids=[".".join(map(str, p)) for p in VALUES])
def test_every_rule_in_the_config_is_written_in_the_handbook(path):
    raw, new_text = changed(path)
    text = render(raw)
    where = "policy.yaml 的 " + ".".join(map(str, path))
    assert QUOTE_RE.findall(text) == QUOTE_RE.findall(BASE), f"{where} 改变了手册中的制度原文"
    if path[0] in NOT_RULES:
        assert text != BASE, f"{where} 没有写在制度手册中"
        return
    rules = RULES_RE.findall(text)
    assert rules != RULES_RE.findall(BASE), f"{where} 改变后，制度手册的实施细则没有变化：它必须写在实施细则中"
    if new_text is not None:
        assert new_text in "".join(rules), f"{where} 的新值没有出现在实施细则中"
