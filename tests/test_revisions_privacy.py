"""The 修订记录 page against the privacy gate: its headings' ids must not make numbers no text shows.

Reported by the 1,000-office benchmark: the page's heading 版本 2024.1 got the id 版本-20241, a
bonus amount of 20,241 元 matched it, and the gate (rightly) refused to publish the site.
"""

from __future__ import annotations

import markdown

from pipeline.engine.policy_history import load_history
from pipeline.outputs.pages.revisions import anchor, render_revisions
from pipeline.outputs.privacy import BONUS_COLUMN, scan_site
from pipeline.outputs.privacy.values import _number_forms


def _page(tmp_path, html: str):
    (tmp_path / "handbook").mkdir()
    (tmp_path / "handbook" / "revisions.html").write_text(html, encoding="utf-8")
    return tmp_path


def _html(md: str) -> str:
    return markdown.markdown(md, extensions=["attr_list", "toc", "tables"])


def test_a_version_heading_keeps_the_digits_of_its_label_apart():
    assert anchor("2024.1", 0) == "版本-2024-1"
    assert anchor("第二版", 1) == "版本-2"  # no letters or digits: its place


def test_a_bonus_amount_equal_to_a_version_label_without_its_dot_passes_the_gate(tmp_path):
    html = _html(render_revisions(load_history()))
    assert 'id="版本-2024-1"' in html and 'id="版本-2026-1"' in html
    values = {BONUS_COLUMN: _number_forms(20241)}
    assert scan_site(_page(tmp_path, html), values, []) == []


def test_the_glued_id_is_what_the_gate_stopped_at(tmp_path):
    glued = '<h2 id="版本-20241">版本 2024&#46;1</h2>'
    leaks = scan_site(_page(tmp_path, glued), {BONUS_COLUMN: _number_forms(20241)}, [])
    assert [leak.column for leak in leaks] == [BONUS_COLUMN]
