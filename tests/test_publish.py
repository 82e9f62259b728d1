"""policy.yaml `publish:`: full (every head's score, grade and rank) or commendation (honours, the top
grade's heads, the grade distribution and the company's KPIs; no page per office), and the privacy
gate that keeps a commendation site free of the scores of offices not commended."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from _site_helpers import write_small_data

from pipeline.build import build_site
from pipeline.engine.policy import DEFAULT_POLICY_PATH, PolicyError, parse_policy
from pipeline.outputs.form_workbook import write_templates
from pipeline.outputs.pages.commendation import (
    BLOCK_SCORES_COLUMN,
    SCORES_COLUMN,
    commended,
    withheld_scores,
    withheld_standing,
)
from pipeline.outputs.privacy import check_privacy, site_files
from pipeline.outputs.privacy.standing import GRADE_COLUMN, RANK_COLUMN

RAW = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
COLUMN = SCORES_COLUMN


def _raw(**changes) -> dict:
    raw = copy.deepcopy(RAW)
    raw.update(changes)
    return raw


def test_full_is_the_default_and_in_force():
    assert parse_policy(RAW).publish == "full"
    without = _raw()
    del without["publish"]
    assert parse_policy(without).publish == "full"


@pytest.mark.parametrize("value", ["public", "", 1, None, ["full"]])
def test_an_unknown_mode_is_refused_in_chinese(value):
    with pytest.raises(PolicyError, match="publish 应为 full 或 commendation"):
        parse_policy(_raw(publish=value))


@pytest.fixture(scope="module")
def commendation_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("commendation")
    data = write_small_data(root / "data")
    policy = root / "policy" / "policy.yaml"
    policy.parent.mkdir()
    policy.write_text(yaml.safe_dump(_raw(publish="commendation"), allow_unicode=True), encoding="utf-8")
    write_templates(root / "templates")
    results = build_site(data, root / "site", policy_path=policy, build_date="2026-07-01",
                         templates_dir=root / "templates")
    return root / "site", results


def _withheld(results) -> set[str]:
    return set().union(*withheld_scores(results).values())


def test_a_commendation_site_has_no_score_of_an_office_not_commended(commendation_site):
    site, results = commendation_site
    scores = _withheld(results)
    assert scores  # the small company has offices below the top grade
    for period in results.periods:
        named = {c.office_id for c in commended(results, period)}
        assert named < {c.office_id for c in results.for_period(period)}
    pages = [p for p in site_files(site) if p.endswith(".html")]
    assert not [p for p in pages if p.startswith("offices/") and p != "offices/index.html"]
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", (site / page).read_text(encoding="utf-8"))
        assert not set(re.findall(r"(?<![\d.])\d+\.\d(?!\d)", text)) & scores, page
    assert check_privacy(site, results) == []
    handbook = (site / "handbook" / "assessment.html").read_text(encoding="utf-8")
    assert "publish: commendation" in handbook and "只公布受表彰的所长" in handbook


def _planted(site, tmp_path, html: str) -> tuple:
    """A copy of the site with `html` added to the submission board's page."""
    import shutil

    planted = tmp_path / "site"
    shutil.copytree(site, planted)
    page = planted / "submissions.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", f"{html}</main>", 1), encoding="utf-8")
    return planted


def test_the_gate_fails_a_planted_score(commendation_site, tmp_path):
    site, results = commendation_site
    score = sorted(withheld_scores(results)[COLUMN])[0]
    leaks = check_privacy(_planted(site, tmp_path, f"<p>得分 {score} 分</p>"), results)
    assert [(leak.page, leak.column) for leak in leaks] == [("submissions.html", COLUMN)]


def test_the_gate_fails_a_planted_block_score(commendation_site, tmp_path):
    site, results = commendation_site
    block = sorted(withheld_scores(results)[BLOCK_SCORES_COLUMN])[0]
    leaks = check_privacy(_planted(site, tmp_path, f"<p>业务指标 {block}</p>"), results)
    assert [(leak.page, leak.column) for leak in leaks] == [("submissions.html", BLOCK_SCORES_COLUMN)]


def _lowest(results):
    """An office not commended, its name, one of its grades and one of its ranks."""
    standing = withheld_standing(results)
    office = sorted(standing)[-1]
    name = next(n for n in standing[office].names if n != office)
    return office, name, sorted(standing[office].grades)[0], sorted(standing[office].ranks)[-1]


@pytest.mark.parametrize(("html", "column"), [
    # as a ranking row shows them: a cell holding only the grade, a badge, a rank (or rank / count)
    ('<table><tr data-office="{office}"><td>{name} {office}</td><td>{grade}</td></tr></table>', GRADE_COLUMN),
    ('<ul><li>{name}：<span class="grade grade-3">{grade}</span></li></ul>', GRADE_COLUMN),
    ('<table><tr><td>{office}</td><td>{rank} / 3</td></tr></table>', RANK_COLUMN),
    # in words
    ("<p>{name}本期考核等级为{grade}。</p>", GRADE_COLUMN),
    ("<p>{office} 本期名次：{rank}</p>", RANK_COLUMN),
    ("<p>{name}排在第 {rank} 名</p>", RANK_COLUMN),
])
def test_the_gate_fails_a_planted_grade_or_rank(commendation_site, tmp_path, html, column):
    site, results = commendation_site
    office, name, grade, rank = _lowest(results)
    planted = html.format(office=office, name=name, grade=grade, rank=rank)
    leaks = check_privacy(_planted(site, tmp_path, planted), results)
    assert [(leak.page, leak.column) for leak in leaks] == [("submissions.html", column)]


def test_grade_words_and_numbers_that_are_not_a_result_pass(commendation_site, tmp_path):
    """A roster rating's choices in a finding, a grade name inside a longer one, a row number: not a result."""
    site, results = commendation_site
    office, name, grade, rank = _lowest(results)
    harmless = (f'<table><tr><td>submissions/2026Q1/{office}/recruitment.xlsx › 团队名册 › 第 {rank} 行</td>'
                f"<td>“本期绩效结果”应为以下之一:优秀、良好、合格、待改进、不合格、未考核;实际为“好”</td></tr></table>"
                f"<p>{name}：{rank} 个表格已提交，等级说明见制度手册。</p>")
    assert check_privacy(_planted(site, tmp_path, harmless), results) == []


def test_a_review_finding_quoting_a_result_is_withheld_on_a_commendation_site(commendation_site):
    from dataclasses import replace as changed

    from pipeline.findings import finding
    from pipeline.outputs.pages.results import render_validation

    _, results = commendation_site
    stale = finding("review-stale", file="reviews.xlsx", sheet="调整", row=2, office_id="GZ01", period="2026Q1",
                    office="GZ01", item="等级", computed="不合格", original="合格")
    page = render_validation(changed(results, findings=[*results.findings, stale]))
    row = re.search(r'<tr data-code="review-stale">(.*?)</tr>', page, re.S).group(1)
    assert "不合格" not in row and "按公司规定网站不公布" in row


def test_a_full_site_withholds_nothing():
    from _site_helpers import sample_results

    assert withheld_scores(sample_results()) == {}
