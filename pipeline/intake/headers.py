"""A data sheet's header row -> where each field's column is, and what differs from the template."""

from __future__ import annotations

from typing import Any

from ..forms import Sheet
from ..forms.values import column_letter, is_blank, label_key, show, trim


def map_header(sheet: Sheet, header: list[Any]) -> tuple[dict[str, int] | None, list[tuple[str, dict]]]:
    """Map a sheet's header row to field columns by heading: (key -> column index, problems).

    `sheet` is laid out as the file's template version was (Form.as_of), so an earlier version's
    headings (`本期销售额` before the unit was shown) are matched too. Columns are found by their
    heading wherever they are; a label replaced by another text at the
    template's position counts as renamed (and is read by position). Columns out of order are the
    ones outside the longest run in template order. Returns None for the mapping when fewer than
    half the labels are found: the header is broken beyond mapping and the rows are skipped.
    Header findings name column letters (`column`), since the label is what is in question.
    Headings are compared by `label_key`: `销售额(万元)` typed or kept from an older template is
    `销售额（万元）`.
    """
    seen = [trim(v) if isinstance(v, str) else ("" if is_blank(v) else show(v)) for v in header]
    while seen and not seen[-1]:
        seen.pop()
    if tuple(seen) == sheet.headings:  # the template's own header, as almost every file has it
        return {f.key: i for i, f in enumerate(sheet.fields)}, []
    keys = [label_key(text) for text in seen]
    labels = {label_key(f.heading): i for i, f in enumerate(sheet.fields)}
    columns: dict[str, int] = {}
    used: set[int] = set()
    for c, key in enumerate(keys):
        i = labels.get(key)
        if i is not None and sheet.fields[i].key not in columns:
            columns[sheet.fields[i].key] = c
            used.add(c)
    problems: list[tuple[str, dict]] = []
    if len(columns) * 2 < len(sheet.fields):
        for f in sheet.fields:
            if f.key not in columns:
                problems.append(("header-missing", {"column": sheet.column_letter(f.key), "expected": f.heading}))
        return None, problems
    for i, f in enumerate(sheet.fields):
        if f.key in columns:
            continue
        letter = column_letter(i + 1)
        if i < len(seen) and i not in used and keys[i] not in labels:
            columns[f.key] = i
            used.add(i)
            problems.append(("header-renamed", {"cell": f"{letter}1", "column": letter, "expected": f.heading,
                                                "seen": seen[i] or "（空）", "value": seen[i]}))
        else:
            problems.append(("header-missing", {"column": letter, "expected": f.heading}))
    order = sorted(columns, key=columns.get)
    keep = _longest_increasing([labels[label_key(sheet.field(k).heading)] for k in order])
    for pos, key in enumerate(order):
        if pos not in keep:
            expected, actual = sheet.column_letter(key), column_letter(columns[key] + 1)
            heading = sheet.field(key).heading
            problems.append(("header-reordered", {"cell": f"{actual}1", "column": expected, "expected": heading,
                                                  "seen": actual, "value": heading}))
    for c, text in enumerate(seen):
        if text and c not in used:
            letter = column_letter(c + 1)
            problems.append(("header-extra", {"cell": f"{letter}1", "column": letter, "seen": text, "value": text}))
    return columns, problems


def _longest_increasing(seq: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence of `seq` (quadratic: seq is short)."""
    if not seq:
        return set()
    best = [1] * len(seq)
    prev = [-1] * len(seq)
    for j in range(len(seq)):
        for i in range(j):
            if seq[i] < seq[j] and best[i] + 1 > best[j]:
                best[j], prev[j] = best[i] + 1, i
    j = max(range(len(seq)), key=lambda k: (best[k], -k))
    out = set()
    while j >= 0:
        out.add(j)
        j = prev[j]
    return out


__all__ = ["map_header"]
