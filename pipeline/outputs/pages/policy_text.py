"""The company's policy text (`pipeline/policy-text.zh.md`), quoted word for word in the handbook.

The text has five parts (`## 一、总则` …) of titled sections (`### 目的` …) and no article numbers.
The handbook calls the parts 第一章 to 第五章 and numbers the twelve sections 第一条 to 第十二条 in
order, for citing; a page places section N's text with `<!-- source:article_N -->`. The quote is
rendered from the file, never retyped, so the handbook cannot reword the policy: each character is
escaped (the text is shown, never read as Markdown), only the list structure is kept, and the
blank `[X]` the company has not filled is highlighted for the 实施细则 beside it to explain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .escape import md_text

POLICY_TEXT_PATH = Path(__file__).resolve().parents[2] / "policy-text.zh.md"
LABEL = "制度原文"
BLANK = "[X]"

_ITEM = re.compile(r"^( *)(\d+\.|-) (.*)$")


@dataclass(frozen=True)
class Section:
    """One titled section of the policy text: the handbook's article."""

    part: str  # 一、总则
    title: str  # 目的
    lines: tuple[str, ...]  # the body as written: paragraphs and (nested) list items


def read_sections(path: Path = POLICY_TEXT_PATH) -> list[Section]:
    """The sections of the policy text in order; the preamble before the first part is not policy."""
    sections: list[Section] = []
    part, title, lines = "", None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("## ", "### ")):
            if title is not None:
                sections.append(Section(part, title, tuple(lines)))
            title, lines = None, []
            if line.startswith("## "):
                part = line[3:].strip()
            else:
                title = line[4:].strip()
        elif title is not None and line.strip():
            lines.append(line.rstrip())
    if title is not None:
        sections.append(Section(part, title, tuple(lines)))
    return sections


def quote(section: Section) -> str:
    """The section as a labelled block quote (Markdown with md_in_html), its text escaped."""
    out = ['<blockquote class="policy-text" markdown>', f'<p class="policy-label">{LABEL}</p>', ""]
    levels: list[int] = []  # indentation of the open list levels (the text indents by three spaces)
    for line in section.lines:
        item = _ITEM.match(line)
        if item is None:
            levels = []
            out += [_inline(line.strip()), ""]
            continue
        indent, marker, content = len(item.group(1)), item.group(2), item.group(3)
        while levels and indent < levels[-1]:
            levels.pop()
        if not levels or indent > levels[-1]:
            levels.append(indent)
        out.append(" " * 4 * (len(levels) - 1) + f"{marker} {_inline(content)}")
    return "\n".join([*out, "", "</blockquote>"])


def _inline(text: str) -> str:
    blank = f'<mark class="policy-blank">{md_text(BLANK)}</mark>'
    return blank.join(md_text(part, max_length=0) for part in text.split(BLANK))


def source_blocks(path: Path = POLICY_TEXT_PATH) -> dict[str, str]:
    """marker name -> quoted text for every `<!-- source:article_N -->` marker (N from 1)."""
    return {f"source:article_{n}": quote(s) for n, s in enumerate(read_sections(path), start=1)}
