"""The handbook's pages: the policy text quoted, the company's rules rendered beside it.

Like Material's translations hook, a page says where a block goes and the build replaces the
marker comment with it:
- `<!-- source:article_N -->` — section N of the policy text, quoted word for word (policy_text.py);
- `<!-- policy:NAME -->` — a 实施细则 table or sentence rendered from the Policy the engine scores
  with (policy.yaml), so the published rules can never disagree with the scores.
The pages put the policy blocks only inside `<section class="policy-rules">` headed 实施细则, so a
reader (and a search hit) can always tell the policy's words from the company's rules.
"""

from __future__ import annotations

import re
from typing import Any

from ...engine.assess import FORM_IDS, FORM_TITLES, weighted_forms
from ...engine.policy import CYCLES
from .env import environment
from .escape import md_text
from .policy_text import source_blocks

MARKER_RE = re.compile(r"<!--\s*(policy|site|source):([a-z0-9_]+)\s*-->")
POLICY_MARKERS = ("kpis", "points", "weights", "grades", "bonus", "incentives", "informational", "plausibility",
                  "meeting_minutes", "weightless_forms", "publish")


class MarkerError(ValueError):
    """A page names a marker nobody renders (message in Chinese)."""


def policy_blocks(policy: Any) -> dict[str, str]:
    """marker name -> rendered text for every `<!-- policy:NAME -->` marker."""
    module = environment().get_template("policy.html.j2").make_module({
        "totals": {c: sum(k.weight[c] for k in policy.kpis.values()) for c in CYCLES},
        "bonus_floor": bonus_floor(policy),
        "weightless": weightless_forms(policy),
    })
    blocks = {name: str(getattr(module, name)(policy)) for name in POLICY_MARKERS}
    blocks["version"] = md_text(policy.version)  # named in running text: which rules a page shows
    start = getattr(policy, "effective_from", "")
    blocks["effective_from"] = f"自 {md_text(start)} 起适用" if start else "最初版本"
    return {f"policy:{k}": v for k, v in blocks.items()}


def handbook_blocks(policy: Any) -> dict[str, str]:
    """Every marker of the handbook pages: the policy text's sections and the rules from `policy`."""
    return {**source_blocks(), **policy_blocks(policy)}


def bonus_floor(policy: Any) -> float | None:
    """The lowest score that earns a bonus, when the grades without one are the lowest grades.

    Below it the coefficient drops to 0 at once instead of shrinking in proportion: the handbook
    says so beside the policy's “按一定比例发放”. None when there is no such single step.
    """
    zero = set(policy.bonus.zero_grades)
    names = [g.name for g in policy.grades]
    paying = len(names) - len(zero)
    if not zero or not 0 < paying < len(names) or set(names[paying:]) != zero:
        return None
    return policy.grades[paying - 1].min


def weightless_forms(policy: Any) -> dict[str, list[str]]:
    """cycle -> the titles of the office forms no KPI weighted in that cycle reads (a quarter
    missing only those is still scored)."""
    return {cycle: [FORM_TITLES[f] for f in FORM_IDS if f not in weighted_forms(policy, cycle)] for cycle in CYCLES}


def fill_markers(text: str, blocks: dict[str, str], source: str = "") -> str:
    """Replace every marker comment with its block; MarkerError for a marker with no block."""
    unknown = sorted({f"{m.group(1)}:{m.group(2)}" for m in MARKER_RE.finditer(text)} - set(blocks))
    if unknown:
        raise MarkerError(f"{source}：页面中的标记 {'、'.join(unknown)} 无法识别")
    return MARKER_RE.sub(lambda m: str(blocks[f"{m.group(1)}:{m.group(2)}"]), text)
