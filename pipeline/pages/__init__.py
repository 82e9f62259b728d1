"""Markdown pages for the MkDocs site, generated from the policy, the form specs and a run's results.

`generate_docs` assembles the work folder mkdocs builds from: a copy of the committed `docs/`,
marker comments filled (policy tables, home summary, downloads), and the generated pages. The
committed `docs/` folder is never written to.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..forms import ALL_FORMS
from .handbook import MARKER_RE, MarkerError, fill_markers, policy_blocks
from .reference import render_codes, render_downloads, render_fields
from .results import office_page, render_home_summary, render_results_pages

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = PROJECT_ROOT / "docs"
GENERATED_GUIDE = ("guide/fields.md", "guide/codes.md")

__all__ = [
    "DOCS_DIR", "MARKER_RE", "MarkerError", "PROJECT_ROOT", "fill_markers", "generate_docs", "office_page",
    "policy_blocks", "render_codes", "render_fields", "render_handbook", "render_results_pages",
]


def render_handbook(policy: Any, docs_dir: Path = DOCS_DIR) -> dict[str, str]:
    """The handbook pages (`handbook/*.md`) with their policy tables filled in from `policy`."""
    blocks = policy_blocks(policy)
    pages = {}
    for path in sorted((docs_dir / "handbook").glob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        pages[rel] = fill_markers(path.read_text(encoding="utf-8"), blocks, rel)
    return pages


def generate_docs(results: Any, work_docs: Path, *, build_date: str, docs_dir: Path = DOCS_DIR,
                  templates_dir: Path | None = None, workers: int = 1, results_pages: bool = True) -> dict[str, str]:
    """Fill `work_docs` with the site's Markdown; returns the generated pages (path -> text).

    Without `results_pages` the pages of the run's results are left for `feed.PageFeed` to write.
    MarkerError when a committed page names a marker nobody renders.
    """
    if work_docs.exists():
        shutil.rmtree(work_docs)
    shutil.copytree(docs_dir, work_docs)
    available = []
    if templates_dir is not None and templates_dir.is_dir():
        downloads = work_docs / "downloads"
        downloads.mkdir(exist_ok=True)
        for form in ALL_FORMS:
            source = templates_dir / form.filename
            if source.is_file():
                shutil.copy2(source, downloads / form.filename)
                available.append(form.id)
    generated = {"guide/fields.md": render_fields(), "guide/codes.md": render_codes()}
    if results_pages:
        generated.update(render_results_pages(results, workers))
    for rel, text in generated.items():
        target = work_docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    blocks = policy_blocks(results.policy)
    blocks["site:summary"] = render_home_summary(results, build_date)
    blocks["site:downloads"] = render_downloads(available)
    # Only committed pages carry markers; generated pages hold data and are never re-interpreted.
    for source in sorted(docs_dir.rglob("*.md")):
        rel = source.relative_to(docs_dir).as_posix()
        text = source.read_text(encoding="utf-8")
        if rel not in generated and MARKER_RE.search(text):
            (work_docs / rel).write_text(fill_markers(text, blocks, rel), encoding="utf-8")
    return generated
