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
- Skipped on purpose, because their presence on the site proves nothing — and only for text the
  site publishes whatever the data (`exemptions`): values that are, or are contained in, a
  published reference value (所长 names, office names, office ids, regions are published for
  public recognition: a team member who shares the name of a 所长 is not flagged); values
  contained in the product's own fixed text (form specs, the finding catalogue, the policy config,
  page templates and the handbook/guide Markdown in docs/ — e.g. a leave reason “其他” is also a
  dropdown choice, “个人发展” is in the policy text); salary figures that occur as numbers in that
  fixed text (the form's example bonus base 30000 is printed in every template's 填写说明).
  An input cell's text is never an exemption: the site shows input cells only inside findings,
  and `withhold_private` (masking.py) has already hidden every private value a finding quotes,
  whichever cell it was typed in (a roster name in the rating column).
- `publish: commendation` (policy.yaml) withholds the results of every office-period not commended:
  its total and block scores as the pages show them (87.3) are matched exactly wherever they occur
  (the company's KPIs, published on purpose, aside); its grades and ranks, which are common words
  and small numbers, only where shown as its result — beside its id or name in one table row, list
  item, paragraph or search entry (standing.py says exactly how).

How the build runs it, for speed at 1,000 office pages: while mkdocs builds (on one core), it
compiles the needles (`prepare`) and scans each page it finds written (a `Scan`); once mkdocs has
finished, it scans every file the build has not scanned with its final bytes (the search index,
the sitemap, pages written last), shared out to several processes when there are many. Lines
already scanned on another page are left out (every page repeats the theme's header, navigation
and footer; a value without whitespace cannot span a line break, and with such a value pages are
scanned whole).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pages.commendation import withheld_scores, withheld_standing
from .files import template_not_blank, texts_of, texts_of_page
from .masking import mask, withhold_private
from .match import Matcher, fold, redact
from .standing import StandingScan
from .values import BONUS_COLUMN, SEP, exemptions, private_values, product_vocabulary, public_values

__all__ = ["BONUS_COLUMN", "SEP", "Leak", "Matcher", "Scan", "check_privacy", "exemptions", "fold", "mask",
           "one_per_page_and_column", "prepare", "private_values", "product_vocabulary", "public_values", "redact",
           "scan_site", "site_files", "template_not_blank", "withhold_private"]


@dataclass(frozen=True)
class Leak:
    """A private value found on a built page: which column it came from, where, redacted."""

    column: str  # e.g. "团队名册 › 姓名"
    page: str  # path inside the site, '/'-separated (search index entries add #location)
    value: str  # redacted: first character and stars, never the value itself

    def sort_key(self) -> tuple[str, str, str]:
        return (self.page, self.column, self.value)

    def message(self) -> str:
        return f"{self.page} 含有“{self.column}”的值（{self.value}），该列为个人信息或薪酬数据，不得发布"

    def __str__(self) -> str:  # the build lists leaks with str()
        return self.message()


def check_privacy(site_dir: Path | str, results: Any) -> list[Leak]:
    """Scan a built site for the run's private values; one Leak per (page, column), sorted."""
    scan = Scan(Path(site_dir), prepare(results))
    return one_per_page_and_column(scan.files(site_files(site_dir)).leaks)


def prepare(results: Any) -> Matcher:
    """The compiled needles and exemptions of a run."""
    dataset = getattr(results, "dataset", None)
    # `publish: commendation`: the scores, block scores, grades and ranks of every office not
    # commended are withheld from the site too
    assessed = dataset is not None and hasattr(results, "scorecards")
    withheld = withheld_scores(results) if assessed else {}
    standing = withheld_standing(results) if assessed else {}
    if not standing:
        return Matcher(private_values(dataset, results), exemptions(dataset), withheld)
    grades = {g.name for g in results.policy.grades} | {g for s in standing.values() for g in s.grades}
    return Matcher(private_values(dataset, results), exemptions(dataset), withheld, StandingScan(standing, grades))


def scan_site(site_dir: Path | str, values: dict[str, set[str]], skip_inside: list[str] | None = None) -> list[Leak]:
    """Scan every shipped text file (and .xlsx) under site_dir for the given values.

    A text value found inside one of `skip_inside` (published or product text) is not a leak.
    """
    scan = Scan(Path(site_dir), Matcher(values, [fold(s) for s in skip_inside or []]))
    return one_per_page_and_column(scan.files(site_files(site_dir)).leaks)


def site_files(site_dir: Path | str) -> list[str]:
    """Every file under `site_dir`, as sorted '/'-separated relative paths."""
    root = Path(site_dir)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


class Scan:
    """A scan of one site's files, done file by file: what it found, the lines it has seen, and
    the digest of the bytes each HTML page was scanned with.

    The lines seen are left out of the files scanned later (see files.texts_of). A page may be
    scanned while it is being written: `changed` names the files whose bytes on disk are not the
    ones scanned, and scanning those again completes the scan. Leaks are never forgotten.
    """

    def __init__(self, root: Path, matcher: Matcher) -> None:
        self.root = Path(root)
        self.matcher = matcher
        self.leaks: set[Leak] = set()
        self.seen: set[str] | None = None if matcher.has_spaced else set()
        self.digests: dict[str, bytes] = {}

    def files(self, files: Iterable[str]) -> Scan:
        """Scan these files (relative paths) as they are on disk now."""
        for rel in files:
            self._file(rel)
        return self

    def changed(self, files: Iterable[str]) -> list[str]:
        """Those of `files` not scanned with the bytes they hold now."""
        return [rel for rel in files if (seen := self.digests.get(rel)) is None or _digest(self.root / rel) != seen]

    def _file(self, rel: str) -> None:
        path = self.root / rel
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            self.digests[rel] = hashlib.blake2b(data).digest()
            pieces = texts_of_page(rel, data, self.seen)
        else:
            pieces = texts_of(path, rel, self.seen)
        self.leaks |= {Leak(page=where, column=column, value=redact(value))
                       for where, text in pieces for column, value in self.matcher.scan(text)}
        if suffix in (".xlsx", ".xlsm"):
            for problem in template_not_blank(path):
                self.leaks.add(Leak(page=rel, column=f"下载模板{SEP}{problem}", value="（非空白）"))


def _digest(path: Path) -> bytes | None:
    try:
        return hashlib.blake2b(path.read_bytes()).digest()
    except OSError:
        return None


def one_per_page_and_column(leaks: set[Leak]) -> list[Leak]:
    """The leaks to report: the first of each (page, column), sorted by page."""
    best: dict[tuple[str, str], Leak] = {}
    for leak in sorted(leaks, key=Leak.sort_key):
        best.setdefault((leak.page, leak.column), leak)
    return sorted(best.values(), key=Leak.sort_key)
