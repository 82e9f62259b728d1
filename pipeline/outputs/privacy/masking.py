"""Findings that quote a private value of the run: the value hidden before anything shows them.

A finding quotes the cell it is about (`实际为“…”`). The reader already hides a cell of a private
column (`finding(private=True)`), but the same value may be typed into an ordinary cell — a roster
name in the rating column, a phone number as 客户编号 — and its message would carry it to the
terminal, validation.json, HR's workbooks and the site. So once every workbook has been read, each
finding's message and value are matched against every private value of the run, by the gate's
own rules and with the gate's exemptions (text the site publishes anyway), and each match is
shown as `HIDDEN`, as for a private column. HR's reason for accepting a finding (accepted.xlsx),
shown beside it everywhere, is masked the same way: a reason may name the confirmer or a person.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...engine.dataset import total_order
from ...findings import HIDDEN, Finding, withheld
from .match import Matcher, fold
from .values import exemptions, private_values


def withhold_private(dataset: Any) -> Any:
    """The dataset with every private value its findings quote hidden (the same object when none is)."""
    findings = dataset.findings
    if not findings:
        return dataset
    # only the values that can occur in these few texts are compiled (a company has 50,000)
    alphabet = set("".join(fold(text) for f in findings for text in (f.message, f.value or "", f.acceptance or "")))
    matcher = Matcher(private_values(dataset, alphabet=alphabet), exemptions(dataset))
    masked = [mask(f, matcher) for f in findings]
    if all(new is old for new, old in zip(masked, findings)):
        return dataset
    return replace(dataset, findings=sorted(masked, key=total_order))


def mask(f: Finding, matcher: Matcher) -> Finding:
    """`f` with the private values it quotes shown as HIDDEN; `f` itself when it quotes none."""
    f = _mask_reason(f, matcher)
    in_value = bool(f.value) and bool(matcher.scan(f.value))
    found = [text for _, text in matcher.scan(f.message)]
    if not in_value and not found:
        return f
    # the whole value when it holds a private value (never half a name), then whatever else matched
    out = withheld(f, ([f.value] if in_value else []) + found, value=in_value)
    if matcher.scan(out.message):  # spelt with invisible characters or odd spaces: match it folded
        folded = fold(out.message)
        out = withheld(replace(out, message=folded), [text for _, text in matcher.scan(folded)], value=in_value)
    if matcher.scan(out.message):  # never expected; the message goes rather than the value
        out = replace(out, message=f"{f.title}：{HIDDEN}")
    return out


def _mask_reason(f: Finding, matcher: Matcher) -> Finding:
    """`f` with the private values HR's reason for accepting it quotes shown as HIDDEN."""
    if not f.acceptance or not matcher.scan(f.acceptance):
        return f
    reason = fold(f.acceptance)
    for text in sorted({text for _, text in matcher.scan(reason)}, key=len, reverse=True):
        reason = reason.replace(text, HIDDEN)
    return replace(f, acceptance=HIDDEN if matcher.scan(reason) else reason)


__all__ = ["mask", "withhold_private"]
