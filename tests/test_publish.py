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
from pipeline.outputs.pages.commendation import commended, withheld_scores
from pipeline.outputs.privacy import check_privacy, site_files

RAW = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
COLUMN = "考核结果 › 未受表彰的业务所的得分"


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


def test_the_gate_fails_a_planted_score(commendation_site, tmp_path):
    site, results = commendation_site
    planted = tmp_path / "site"
    import shutil

    shutil.copytree(site, planted)
    score = sorted(_withheld(results))[0]
    page = planted / "submissions.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", f"<p>得分 {score} 分</p></main>", 1),
                    encoding="utf-8")
    leaks = check_privacy(planted, results)
    assert [(leak.page, leak.column) for leak in leaks] == [("submissions.html", COLUMN)]


def test_a_full_site_withholds_nothing():
    from _site_helpers import sample_results

    assert withheld_scores(sample_results()) == {}
