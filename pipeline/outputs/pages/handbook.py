"""Handbook tables from the policy config, filled into marker comments of the committed pages.

Like Material's translations hook, a page says where a table goes (`<!-- policy:weights -->`)
and the build replaces the marker with the table rendered from the Policy the engine scores
with, so the handbook can never disagree with the scores.
"""

from __future__ import annotations

import re
from typing import Any

from ...engine.policy import CYCLES
from .env import environment, plain

MARKER_RE = re.compile(r"<!--\s*(policy|site):([a-z_]+)\s*-->")
POLICY_MARKERS = ("kpis", "points", "weights", "grades", "bonus", "incentives", "informational", "plausibility",
                  "meeting_minutes")


class MarkerError(ValueError):
    """A page names a marker nobody renders (message in Chinese)."""


def policy_blocks(policy: Any) -> dict[str, str]:
    """marker name -> rendered text for every `<!-- policy:NAME -->` marker."""
    module = environment().get_template("policy.html.j2").make_module({
        "totals": {c: sum(k.weight[c] for k in policy.kpis.values()) for c in CYCLES},
    })
    blocks = {name: str(getattr(module, name)(policy)) for name in POLICY_MARKERS if name != "meeting_minutes"}
    # 制度 三·日常工作流程:晨会时间控制在 [X] 分钟左右 — X is a config value.
    blocks["meeting_minutes"] = plain(policy.meeting_minutes)
    return {f"policy:{k}": v for k, v in blocks.items()}


def fill_markers(text: str, blocks: dict[str, str], source: str = "") -> str:
    """Replace every marker comment with its block; MarkerError for a marker with no block."""
    unknown = sorted({f"{m.group(1)}:{m.group(2)}" for m in MARKER_RE.finditer(text)} - set(blocks))
    if unknown:
        raise MarkerError(f"{source}:页面中的标记 {'、'.join(unknown)} 无法识别")
    return MARKER_RE.sub(lambda m: str(blocks[f"{m.group(1)}:{m.group(2)}"]), text)
