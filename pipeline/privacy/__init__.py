"""The privacy gate: no personal or salary value of the run's inputs may reach the built site.

`private_values` collects, from the dataset and results of a run, every value of a PII field
(姓名, 离职原因, 联系人, 联系电话, 封面 填报人) and every salary figure (季度奖金基数 and each computed
bonus amount), keyed by a Chinese column description such as "团队名册 › 姓名". `check_privacy`
scans the built site for them — every HTML page (entities and \\uXXXX escapes decoded), the search
index's decoded JSON strings, any JSON/CSV/TXT/XML/SVG (also .xml.gz) shipped, and the values in any
.xlsx shipped (downloadable templates must moreover be blank) — and returns one `Leak` per column
and page. The build refuses to publish when the list is not empty.

Matching rules (what counts as "the value appears"):
- Text is compared after removing zero-width and bidi control characters and collapsing
  whitespace. A text value containing at least 2 CJK characters is matched as a substring
  (a Chinese name is found inside a sentence); other text needs at least 4 characters and is
  matched as a whole word (not inside a longer Latin word or number).
- Numbers (salary figures, phone numbers written only with digits and separators) are matched
  as whole numeric tokens, and only when the integer part has at least 4 digits: scores, rates and
  ranks (at most 3 digits) are published and would collide. A token matches when it equals the
  value in any way it could be shown — 30000, 30,000, 30000.0, 30000.00, 3万, 3.0万 — and a computed
  bonus also matches when rounded or truncated to 0, 1 or 2 decimals.
- Skipped on purpose, because their presence on the site proves nothing:
  values that are, or are contained in, a published reference value (所长 names, office names,
  office ids, regions are published for public recognition: a team member who shares the name of
  a 所长 is not flagged); values contained in a published (non-private) input cell of the same
  run (a client named after a person); values contained in the product's own fixed text (form specs,
  the finding catalogue, the policy config, page templates and the handbook/guide Markdown in
  docs/ — e.g. a leave reason “其他” is also a dropdown choice, “个人发展” is in the policy
  text); salary figures that occur as numbers in that fixed text (the form's example bonus base
  30000 is printed in every template's 填写说明).

How the build runs it, for speed at 1,000 office pages: the needles are compiled while mkdocs
builds, each page is scanned as soon as mkdocs has written it (`stream.py`, fed by
`mkdocs_hook.py`), lines already scanned on another page are left out (a value without whitespace
cannot span a line break; with such a value, pages are scanned whole), and the final pass
re-reads every file, trusting a page scanned during the build only while its bytes are unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..forked import can_fork, forked_map
from .files import template_not_blank, texts_of, texts_of_bytes
from .match import Matcher, fold, redact
from .values import BONUS_COLUMN, SEP, private_values, product_vocabulary, public_values, published_input_values

__all__ = ["BONUS_COLUMN", "SEP", "Leak", "check_privacy", "fold", "prepare", "private_values", "product_vocabulary",
           "public_values", "redact", "scan_site", "scan_text", "scan_with", "template_not_blank"]


@dataclass(frozen=True)
class Leak:
    """A private value found on a built page: which column it came from, where, redacted."""

    column: str  # e.g. "团队名册 › 姓名"
    page: str  # path inside the site, '/'-separated (search index entries add #location)
    value: str  # redacted: first character and stars, never the value itself

    def sort_key(self) -> tuple[str, str, str]:
        return (self.page, self.column, self.value)

    def message(self) -> str:
        return f"{self.page} 含有“{self.column}”的值({self.value}),该列为个人信息或薪酬数据,不得发布"

    def __str__(self) -> str:  # the build lists leaks with str()
        return self.message()


def check_privacy(site_dir: Path | str, results: Any, workers: int = 1) -> list[Leak]:
    """Scan a built site for the run's private values; one Leak per (page, column), sorted."""
    return scan_with(site_dir, prepare(results), workers)


def prepare(results: Any) -> Matcher:
    """The compiled needles and exemptions of a run (the build makes them while mkdocs runs)."""
    dataset = getattr(results, "dataset", None)
    values = private_values(dataset, results)
    skip_inside = [*sorted(public_values(dataset)), product_vocabulary(), *sorted(published_input_values(dataset))]
    return Matcher(values, [fold(s) for s in skip_inside])


def scan_site(site_dir: Path | str, values: dict[str, set[str]], skip_inside: list[str] | None = None) -> list[Leak]:
    """Scan every shipped text file (and .xlsx) under site_dir for the given values.

    A text value found inside one of `skip_inside` (published or product text) is not a leak.
    """
    return scan_with(site_dir, Matcher(values, [fold(s) for s in skip_inside or []]))


def scan_with(site_dir: Path | str, matcher: Matcher, workers: int = 1,
              known: dict[str, tuple[bytes, set[Leak]]] | None = None) -> list[Leak]:
    """`scan_site` with a prepared Matcher; `workers` > 1 scans the files in that many processes.

    `known`: pages already scanned as they were built (privacy.stream), by path, with the digest
    of the bytes scanned. A page is only taken from there when its bytes on disk are those bytes.
    """
    root = Path(site_dir)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    leaks: set[Leak] = set()
    if known:
        rest = []
        for path in files:
            rel = path.relative_to(root).as_posix()
            seen = known.get(rel) if path.suffix.lower() in (".html", ".htm") else None
            if seen is not None and _digest(path) == seen[0]:
                leaks |= seen[1]
            else:
                rest.append(path)
        files = rest
    if workers > 1 and len(files) > 64 and can_fork():
        # each process a share of the files (and its own set of lines seen); the matcher is inherited
        shares = [files[n::workers] for n in range(workers)]
        leaks = leaks.union(*forked_map(_scan_share, (root, matcher), shares, workers))
    else:
        leaks |= _scan_files(root, matcher, files)
    return _one_per_page_and_column(leaks)


def scan_text(matcher: Matcher, rel: str, data: bytes, seen: set[str] | None = None) -> set[Leak]:
    """The leaks in one HTML page's bytes, found as `scan_site` finds them in the file.

    `seen`: lines already scanned, shared across calls (see files.texts_of).
    """
    return _leaks(matcher, texts_of_bytes(rel, data, seen if not matcher.has_spaced else None))


def _leaks(matcher: Matcher, pieces: list[tuple[str, str]]) -> set[Leak]:
    """The Leaks in (where, text) pieces of one file."""
    return {Leak(page=where, column=column, value=redact(value))
            for where, text in pieces for column, value in matcher.scan(text)}


def _digest(path: Path) -> bytes:
    try:
        return hashlib.blake2b(path.read_bytes()).digest()
    except OSError:
        return b""


def _scan_share(state: tuple[Path, Matcher], files: list[Path]) -> set[Leak]:
    return _scan_files(*state, files)


def _scan_files(root: Path, matcher: Matcher, files: list[Path]) -> set[Leak]:
    leaks: set[Leak] = set()
    seen: set[str] | None = None if matcher.has_spaced else set()  # see files.texts_of
    for path in files:
        rel = path.relative_to(root).as_posix()
        leaks |= _leaks(matcher, texts_of(path, rel, seen))
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            for problem in template_not_blank(path):
                leaks.add(Leak(page=rel, column=f"下载模板{SEP}{problem}", value="(非空白)"))
    return leaks


def _one_per_page_and_column(leaks: set[Leak]) -> list[Leak]:
    best: dict[tuple[str, str], Leak] = {}
    for leak in sorted(leaks, key=Leak.sort_key):
        best.setdefault((leak.page, leak.column), leak)
    return sorted(best.values(), key=Leak.sort_key)
