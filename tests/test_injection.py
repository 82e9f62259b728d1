"""Injection-proof pages: hostile cell text is inert on every page of the site."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from _attack_strings import ATTACKS, LONG, html_problems, html_text
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.outputs.pages.escape import md_text, one_line, slug, xml_text

# ---------------------------------------------------------------------------------------------
# What "inert" means in HTML (the checker lives in _attack_strings, shared with the e2e suite)


def test_the_checker_catches_active_markup():
    """The checker itself must be able to fail: each of these is active HTML."""
    for active in ("<script>window.__pwned=1</script>", "<img src=x onerror=alert(1)>",
                   "<a href=' javascript:alert(1)'>x</a>", "<img src='http://evil.example/x.png'>",
                   "<iframe src=about:blank></iframe>", "<meta http-equiv=refresh content='0;url=/'>",
                   "<base href='/'>", "<svg onload=alert(1)>"):
        assert html_problems(f"<p>{active}</p>"), active
    assert html_problems("<p>&lt;script&gt;window.__pwned=1&lt;/script&gt; onerror&#61;</p>") == []


# ---------------------------------------------------------------------------------------------
# Pages: every attack string rendered by the real page code and the site's Markdown


def _markdown_to_html(text: str) -> str:
    """Markdown -> HTML with the extensions the site's MkDocs config really uses."""
    import markdown
    from mkdocs.utils.yaml import yaml_load

    from pipeline.build import MKDOCS_CONFIG

    config = yaml_load(MKDOCS_CONFIG.read_text("utf-8"))  # as MkDocs reads it: the toc's slugify built
    extensions, configs = [], {}
    for item in config.get("markdown_extensions", []):
        if isinstance(item, dict):
            (name, options), = item.items()
            extensions.append(name)
            configs[name] = options or {}
        else:
            extensions.append(item)
    return markdown.markdown(text, extensions=extensions, extension_configs=configs)


def _results_with(text: str):
    """A run whose every published text (office name, 所长, region, a finding's value) is `text`."""
    from pipeline.engine.model import INVALID, SCORED, Dataset, Office, Reference, Results, Scorecard
    from pipeline.engine.policy import load_policy
    from pipeline.findings import finding

    reference = Reference(offices={"BJ01": Office("BJ01", text, text, text, 30000.0),
                                   "SH01": Office("SH01", text, text, text, 30000.0)})
    bad = finding("choice-invalid", file="submissions/2026Q1/SH01/clients.xlsx", sheet="客户", cell="C2",
                  row=2, column="客户类型", value=text, seen=text, choices="新客户、老客户",
                  office_id="SH01", period="2026Q1")
    dataset = Dataset(data_dir="data", reference=reference, findings=[bad])
    cards = [Scorecard("2026Q1", "quarterly", "BJ01", office_name=text, head=text, region=text, status=SCORED,
                       score=91.0, grade="优秀", rank=1),
             Scorecard("2026Q1", "quarterly", "SH01", office_name=text, head=text, region=text, status=INVALID,
                       status_reason="本期提交的数据有错误")]
    return Results(policy=load_policy(), dataset=dataset, scorecards=cards)


@pytest.mark.parametrize("text", ATTACKS, ids=[f"attack{i}" for i in range(len(ATTACKS))])
def test_every_results_page_shows_attack_text_inertly(text):
    from pipeline.outputs.pages import render_results_pages

    pages = render_results_pages(_results_with(text))
    assert pages, "no pages rendered"
    shown = one_line(text)
    for name, markdown_text in sorted(pages.items()):
        html = _markdown_to_html(markdown_text)
        assert html_problems(html) == [], name
    # the text is visible as typed (cleaned and, when long, cut with a marker) on the office page
    office_md = next(v for k, v in pages.items() if k.startswith("offices/") and "bj01" in k)
    # MkDocs/Material print the page title into <title> unescaped (and decode the H1's character
    # references), so the office page must give its title as front matter, already escaped
    import yaml

    assert office_md.startswith("---\n"), office_md[:80]
    title = yaml.safe_load(office_md.split("---\n")[1])["title"]
    assert not set(title) & set("<>\"'"), title
    office_html = _markdown_to_html(office_md.split("---\n", 2)[2])
    visible = html_text(office_html)
    expected = shown if len(shown) <= 60 else shown[:60]
    assert re.sub(r"\s+", " ", expected) in visible
    if "{{" in text or "{%" in text:  # Jinja syntax is shown, never evaluated
        assert shown in visible
    if text == LONG:
        assert len(office_html) < 200_000
        assert "…" in visible


# ---------------------------------------------------------------------------------------------
# Properties of the escaping itself, for any text at all

PROPERTY = settings(max_examples=200, deadline=None)
# what attacks are made of, mixed with any character at all
_PIECES = st.sampled_from(["<", ">", "&", "\"", "'", "`", "*", "_", "[", "]", "(", ")", "{{", "}}", "{%", "|", "#",
                           "!!!", "--8<--", ":", "javascript:", "<script>", "&#60;", "&lt;", "\\", "\n", "\t", "\r",
                           "\x00", "\x1b", "\u202e", "\u200b", "北", " ", "a", "=", "@", "-", "+"])
TEXT = st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map("".join))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@PROPERTY
@given(TEXT)
@example(ATTACKS[0])
@example("[x](javascript:alert(1)) {{ 7*7 }} !!! note")
def test_escaped_text_is_one_paragraph_of_literal_text_in_markdown_and_html(text):
    """md_text never raises; through the site's Markdown it becomes at most one <p> showing exactly
    the cleaned text: no tag, link, list, heading, table or template expression from input."""
    escaped = md_text(text, 0)
    bare = re.sub(r"&#\d+;", "", escaped)  # what is left outside character references
    assert not set(bare) & set("&<>\"'`*_{}[]()#|\\!~^=+-.:$%@")
    parser = _Tags()
    parser.feed(_markdown_to_html(escaped))
    assert set(parser.tags) <= {"p"}
    assert " ".join("".join(parser.text).split()) == " ".join(one_line(text, 0).split())


@PROPERTY
@given(TEXT)
def test_chart_text_is_literal_in_xml(text):
    """xml_text inside an SVG element or attribute parses back to the cleaned text, never markup."""
    escaped = xml_text(text, 0)
    element = ElementTree.fromstring(f'<text title="{escaped}">{escaped}</text>')
    assert (element.text or "") == one_line(text, 0) == element.get("title")
    assert len(element) == 0


@PROPERTY
@given(TEXT)
def test_slugs_are_safe_file_names(text):
    assert re.fullmatch(r"[0-9a-z_-]*", slug(text))
