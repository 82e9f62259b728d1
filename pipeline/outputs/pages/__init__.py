"""Markdown pages for the MkDocs site, generated from the policy, the form specs and a run's results.

Rendering returns text; the build (pipeline.build) writes it. The site's docs tree is a copy of
the committed `docs/` overlaid with `docs_pages` (the guide pages generated from the specs and
every committed page whose marker comments are filled: policy tables, home summary, downloads;
or whose pipe tables are made accessible, tables.py) and the results pages of `page_tasks`. The
committed `docs/` folder is never written to.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .handbook import MARKER_RE, MarkerError, fill_markers, handbook_blocks, policy_blocks
from .reference import render_codes, render_downloads, render_fields
from .results import office_page, page_tasks, render_home_summary, render_results_pages
from .revisions import PAGE as REVISIONS_PAGE
from .revisions import render_revisions
from .tables import has_tables, scope_tables

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DOCS_DIR = PROJECT_ROOT / "docs"

__all__ = [
    "DOCS_DIR", "MARKER_RE", "PROJECT_ROOT", "MarkerError", "docs_pages", "fill_markers", "handbook_blocks", "office_page",
    "page_tasks", "policy_blocks", "render_codes", "render_fields", "render_handbook", "render_results_pages",
    "render_revisions",
]


def render_handbook(policy: Any, docs_dir: Path = DOCS_DIR) -> dict[str, str]:
    """The handbook pages (`handbook/*.md`): the policy text quoted, the rules filled in from `policy`."""
    blocks = handbook_blocks(policy)
    pages = {}
    for path in sorted((docs_dir / "handbook").glob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        pages[rel] = fill_markers(_committed(path.read_text(encoding="utf-8")), blocks, rel)
    return pages


def _committed(text: str) -> str:
    """A committed page's own pipe tables made accessible, before any marker brings in data."""
    return scope_tables(text) if has_tables(text) else text


def _history(results: Any) -> Any:
    from ...engine.policy_history import single

    return getattr(results, "policies", None) or single(results.policy)


def docs_pages(results: Any, build_date: str, docs_dir: Path = DOCS_DIR,
               downloads: Iterable[str] = ()) -> dict[str, str]:
    """Pages that replace or join the copy of `docs_dir` (path -> Markdown), results pages aside.

    `downloads`: ids of the forms whose blank template the site offers. MarkerError when a
    committed page names a marker nobody renders.
    """
    pages = {"guide/fields.md": render_fields(), "guide/codes.md": render_codes(),
             REVISIONS_PAGE: render_revisions(_history(results))}
    blocks = handbook_blocks(results.policy)
    blocks["site:summary"] = render_home_summary(results, build_date)
    blocks["site:downloads"] = render_downloads(downloads)
    # Only committed pages carry markers; generated pages hold data and are never re-interpreted.
    for source in sorted(docs_dir.rglob("*.md")):
        rel = source.relative_to(docs_dir).as_posix()
        text = source.read_text(encoding="utf-8")
        if rel not in pages and (MARKER_RE.search(text) or has_tables(text)):
            pages[rel] = fill_markers(_committed(text), blocks, rel)
    return pages
