"""Plain words where users read: no in-house jargon in the prose of user-facing text (the files
`_punctuation.user_facing_files` lists — README and docs, page templates, the finding catalogue,
CLI summaries and help, the bench's page text — read as `_punctuation.segments` reads them: code
spans, code and docstrings for developers are not prose)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _punctuation import segments, user_facing_files

ROOT = Path(__file__).resolve().parents[1]

# (the jargon, what to write instead)
JARGON = (
    ("所-期间", "业务所的某一期间，或改写：有误的业务所和期间、以下 1 个业务所期间的数据有误"),
)


def jargon(rel: str, text: str) -> list[str]:
    """`file:line: word（instead）` for each piece of jargon in the prose of `text` (the file `rel`)."""
    hits = []
    for start, _end, masked in segments(rel, text):
        for word, instead in JARGON:
            at = masked.find(word)
            while at >= 0:
                hits.append(f"{rel}:{text.count(chr(10), 0, start + at) + 1}: {word}（写作：{instead}）")
                at = masked.find(word, at + 1)
    return hits


def test_user_facing_text_has_no_jargon():
    hits = [h for p in user_facing_files(ROOT) for h in jargon(p.relative_to(ROOT).as_posix(), p.read_text("utf-8"))]
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize(("rel", "text", "found"), [
    ("docs/x.md", "有误的所-期间标为“数据有误”", ["docs/x.md:1: 所-期间"]),
    ("docs/x.md", "第一行\n`所-期间` 是代码", []),
    ("pipeline/x.py", 'X = "说明"\nY = f"共 {n} 个所-期间"  # 所-期间 in a comment\n', ["pipeline/x.py:2: 所-期间"]),
    ("pipeline/x.py", '"""The 所-期间 of a docstring (for developers)."""\n', []),
    ("tasks.py", 'def t():\n    """按所-期间计算。"""\n', ["tasks.py:2: 所-期间"]),  # kaohe --list shows it
])
def test_jargon_is_found_in_prose_only(rel, text, found):
    assert [h.split("（", 1)[0] for h in jargon(rel, text)] == found
