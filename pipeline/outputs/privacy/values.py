"""Collecting a run's private values (PII and salary) and the text that is published on purpose."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...findings import CATALOGUE, HIDDEN
from ...forms import ALL_FORMS, COVER_SHEET, Form, get_form
from ...forms.values import printable
from ...intake.facts import WorkbookFacts
from .match import fold

SEP = " › "
BONUS_COLUMN = f"考核结果{SEP}季度奖金金额"
_PHONE = re.compile(r"^\+?[\d\s\-()]+$")


def private_values(dataset: Any, results: Any = None, alphabet: set[str] | None = None) -> dict[str, set[str]]:
    """Every PII and salary value of a run's inputs (and computed bonuses), by column description.

    `alphabet`: leave out the text values that cannot occur in text written with these characters
    (masking a few findings need not work out the forms of a whole company's roster).
    """
    # a value repeats across quarters and offices: pooled first (set unions), worked out once
    pooled: dict[tuple[str, bool], set[Any]] = {}
    for facts in _workbooks(dataset):
        form = _form_of(facts)
        for f in form.cover if form is not None else ():
            if f.private:
                pooled.setdefault((f"{COVER_SHEET}{SEP}{f.label}", f.salary), set()).add(facts.cover.get(f.key))
        # the rows' distinct private values were collected where the workbook was read
        for column in facts.private:
            pooled.setdefault((column.column, column.salary), set()).update(column.values)
    reference = getattr(dataset, "reference", None)
    bases = pooled.setdefault((f"业务所{SEP}季度奖金基数", True), set())
    bases.update(office.bonus_base for office in (getattr(reference, "offices", None) or {}).values())
    pooled.setdefault((BONUS_COLUMN, True), set()).update(
        card.bonus_amount for card in getattr(results, "scorecards", None) or ())
    found: dict[str, set[str]] = {}
    for (column, salary), values in sorted(pooled.items(), key=lambda item: item[0]):
        forms: set[str] = set()
        for value in values:
            if alphabet is None or type(value) is not str or not _absent(value, alphabet):
                forms |= _number_forms(value) if salary else _text_forms(value)
        if forms:
            found.setdefault(column, set()).update(forms)
    return found


def public_values(dataset: Any) -> set[str]:
    """Values published on purpose: office ids, names, 所长 (of the 业务所 sheet and of 所长任职) and
    regions (policy: public recognition)."""
    reference = getattr(dataset, "reference", None)
    out: set[str] = set()
    for office in (getattr(reference, "offices", None) or {}).values():
        for value in (office.office_id, office.name, office.head, office.region):
            if isinstance(value, str) and fold(value):
                out.add(fold(value))
    for tenures in (getattr(reference, "tenures", None) or {}).values():
        for tenure in tenures:  # heads' names are published as 所长 of their periods; their 工号 is not
            if fold(tenure.head_name):
                out.add(fold(tenure.head_name))
    return out


def exemptions(dataset: Any) -> list[str]:
    """Text the site publishes whatever the data, folded: a private value found inside it proves
    nothing. The reference's public values and the product's own text — never an input cell's
    text, which the site shows only inside findings (and those are masked, see masking.py)."""
    return [*sorted(public_values(dataset)), product_vocabulary()]


def _workbooks(dataset: Any) -> list[WorkbookFacts]:
    """Every file the run read: the data set's workbooks, its accepted submissions and the reference."""
    seen: dict[int, WorkbookFacts] = {}
    for facts in [*(getattr(dataset, "workbooks", None) or ()),
                  *(getattr(dataset, "submissions", None) or {}).values()]:
        seen[id(facts)] = facts
    reference = getattr(getattr(dataset, "reference", None), "facts", None)
    if reference is not None:
        seen[id(reference)] = reference
    return list(seen.values())


def _form_of(facts: WorkbookFacts) -> Form | None:
    try:
        return get_form(facts.form_id) if facts.form_id else None
    except KeyError:
        return None


def _absent(value: str, alphabet: set[str]) -> bool:
    """True when a text value cannot occur in text written with `alphabet`: a character of it is
    not in the alphabet, folding cannot change it (no whitespace or invisible character), and,
    if it is a phone number, the same holds for its digits (it may be shown by them alone)."""
    if alphabet.issuperset(value) or not value.isprintable() or " " in value:
        return False
    return not _phone_like(value) or not alphabet.issuperset(ch for ch in value if ch.isdigit())


def _phone_like(text: str) -> bool:
    # most values are names: the first character rules them out before the regex is tried
    return bool(text) and (text[0].isdigit() or text[0] in "+(") and _PHONE.match(text) is not None


def _text_forms(value: Any) -> set[str]:
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, int | float | Decimal):
        return _number_forms(value)
    text = fold(str(value))
    if not text:
        return set()
    forms = {text, printable(text)}  # pages and exports show a control character as \x1b
    if _phone_like(text):  # a phone number also shows up without its separators
        digits = re.sub(r"\D", "", text)
        if digits:
            forms.add(digits)
    return forms


def _number_forms(value: Any) -> set[str]:
    """A salary figure as it could be shown: 30000, 30,000, 30000.0, 30000.00, 3万 (and rounded)."""
    number = _decimal(value)
    if number is None:
        return set()
    forms: set[str] = set()
    for places in (0, 1, 2):
        q = Decimal(1).scaleb(-places)
        for rounding in (ROUND_FLOOR, ROUND_CEILING):
            v = number.quantize(q, rounding=rounding)
            forms.add(f"{v:f}")
            forms.add(f"{v:,f}")
    wan = number / Decimal(10000)
    if wan == wan.quantize(Decimal("0.01")):
        forms.add(f"{wan.normalize():f}万")
    return forms


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


_VOCABULARY: str | None = None


def product_vocabulary() -> str:
    """The fixed text the product itself publishes: forms, finding catalogue, policy and page sources."""
    global _VOCABULARY
    if _VOCABULARY is None:
        parts: list[str] = []
        for form in ALL_FORMS:
            parts += [form.title, form.help]
            for f in form.cover:
                parts += [f.label, f.help, str(f.example or ""), f.describe()]
            for sheet in form.sheets:
                parts += [sheet.name, sheet.help]
                for f in sheet.fields:
                    parts += [f.label, f.help, str(f.example or ""), f.unit, f.describe(),
                              *getattr(f.type, "choices", ())]
        for code in CATALOGUE.values():
            parts += [code.title, code.template, code.fix]
        parts.append(HIDDEN)
        package = Path(__file__).resolve().parents[2]  # pipeline/
        pages = package / "outputs" / "pages"
        # the policy config and the policy text the handbook quotes (pipeline/policy-text.zh.md)
        sources = [(package, "*.yaml"), (package, "*.md"), *((pages, p) for p in ("**/*.md", "**/*.j2", "**/*.html"))]
        # the handbook's own text (its notes and rules) and the guides: fixed Markdown in docs/
        sources.append((package.parent / "docs", "**/*.md"))
        for folder, pattern in sources:
            for path in sorted(folder.glob(pattern)):
                try:
                    parts.append(path.read_text("utf-8", errors="replace"))
                except OSError:
                    continue
        _VOCABULARY = "\n".join(fold(p) for p in parts if p)
    return _VOCABULARY
