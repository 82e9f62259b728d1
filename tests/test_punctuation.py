"""Chinese text uses full-width punctuation (STYLE 18): docs, page templates, messages, the finding
catalogue, form specs, the policy config and the built pages.

The rules, what counts as code and the allow-list are in `_punctuation.py`. A failure lists each
mark as `file:line:column: text around it`: write `，：；（）？！` there, or let a script rewrite the
files with `_punctuation.fix_file_text` (it changes only what `check` reports).
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest
from _punctuation import (
    ALLOWED,
    CJK,
    CODE,
    FULL,
    HALF,
    check,
    check_page,
    fix,
    fix_file_text,
    marks,
    user_facing_files,
    visible_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.build import SAMPLE_DATA, build_site
from pipeline.outputs.form_workbook import write_templates

ROOT = Path(__file__).resolve().parents[1]
PROPERTY = settings(max_examples=200, deadline=None)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _report(hits) -> str:
    return f"{len(hits)} half-width marks next to Chinese (write ，：；（）？！):\n" + "\n".join(map(str, hits))


# --- the repository's text ------------------------------------------------------------------------


def test_user_facing_files_use_full_width_punctuation():
    hits = [h for p in user_facing_files(ROOT) for h in check(_rel(p), p.read_text(encoding="utf-8"))]
    assert not hits, _report(hits)


def test_the_scan_covers_every_kind_of_user_facing_text():
    scanned = {_rel(p) for p in user_facing_files(ROOT)}
    for expected in ("README.md", "docs/index.md", "docs/handbook/assessment.md", "docs/guide/reading.md",
                     "pipeline/outputs/pages/templates/validation.md.j2", "pipeline/outputs/pages/templates/policy.html.j2",
                     "pipeline/outputs/reports/templates/confirmation.html.j2", "pipeline/findings.py",
                     "pipeline/forms/clients.py", "pipeline/cli/commands.py", "pipeline/outputs/period_workbook.py",
                     "tasks.py", "pipeline/policy.yaml", "pipeline/policy-text.zh.md", "mkdocs.yml"):
        assert expected in scanned, expected


@pytest.mark.parametrize(("paths", "snippet", "why"), ALLOWED, ids=[a[1] for a in ALLOWED])
def test_every_allowed_text_is_still_there_and_says_why(paths, snippet, why):
    files = [p for p in user_facing_files(ROOT) if any(fnmatch(_rel(p), pattern) for pattern in paths)]
    assert files and all(snippet in p.read_text(encoding="utf-8") for p in files), snippet
    assert why


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The site `invoke build` makes from the bundled sample data."""
    root = tmp_path_factory.mktemp("punctuation-site")
    write_templates(root / "templates")
    build_site(SAMPLE_DATA, root / "site", build_date="2026-07-01", templates_dir=root / "templates", workers=2)
    return root / "site"


@pytest.mark.slow
def test_built_pages_use_full_width_punctuation(sample_site):
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) > 20
    hits = [h for p in pages for h in check_page(p.relative_to(sample_site).as_posix(), p.read_text("utf-8"))]
    assert not hits, _report(hits)


# --- the checker ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fixed"), [
    ("警告 2 个,错误 1 个", "警告 2 个，错误 1 个"),
    ("警告 2 个, 错误 1 个", "警告 2 个，错误 1 个"),  # the space after the mark goes with it
    ("上海一所(SH01)", "上海一所（SH01）"),  # a pair goes together, though `)` touches no Chinese
    ("上海一所 (SH01) 的结果", "上海一所（SH01）的结果"),
    ("期间:2026Q1;所编号:BJ01", "期间：2026Q1；所编号：BJ01"),
    ("确定吗?是的!", "确定吗？是的！"),
    ("实际为“十二”,应为数字", "实际为“十二”，应为数字"),
    ("读取超时(\n超过 60 秒)", "读取超时（\n超过 60 秒）"),  # a pair across lines of a paragraph
    ("不校验 CRC,\n  损坏的文件", "不校验 CRC，\n  损坏的文件"),  # a paragraph's lines join with a space
    ("列表项 CRC,\n\n损坏的文件", "列表项 CRC,\n\n损坏的文件"),  # a new paragraph does not
    ("- (说明)", "- （说明）"),  # a space that is Markdown stays
    ("| 中文 | (说明) |", "| 中文 | （说明） |"),
    # what stays
    ("共 1,000 元,12:30 前", "共 1,000 元，12:30 前"),
    ("sales (万元)", "sales（万元）"),
    ("The original ends in 附则 (制度解释); the text is complete.",
     "The original ends in 附则 (制度解释); the text is complete."),  # an English line
    ("an English line, with 附则,制度 inside it", "an English line, with 附则，制度 inside it"),
    ("已是全角：（说明），没有问题！", "已是全角：（说明），没有问题！"),
    ("ASCII only: f(x), a; b? c!", "ASCII only: f(x), a; b? c!"),
])
def test_marks_and_fix(text, fixed):
    assert fix(text) == fixed
    assert bool(marks(text)) == (fixed != text)


@pytest.mark.parametrize(("rel", "text", "fixed"), [
    # Markdown: code spans, fences, links, URLs, HTML tags, Jinja and front matter are code
    ("docs/x.md", "见 `load(输出目录)`,然后", "见 `load(输出目录)`，然后"),
    ("docs/x.md", "```\n中文,代码\n```\n中文,文字", "```\n中文,代码\n```\n中文，文字"),
    ("docs/x.md", "见[填报指南](index.md#a(b)),或 https://例子.com/a,b", "见[填报指南](index.md#a(b))，或 https://例子.com/a,b"),
    ("docs/x.md", '<span title="中文,属性">中文</span>:说明', '<span title="中文,属性">中文</span>：说明'),
    ("docs/x.md", "---\ntitle: 首页\n---\n首页:说明", "---\ntitle: 首页\n---\n首页：说明"),
    ("docs/x.md", "*[HR]: 人力资源部", "*[HR]: 人力资源部"),
    ("pipeline/t.md.j2", "{{ a }}:{% if b %}(必填){% endif %}{# 注释,不管 #}", "{{ a }}:{% if b %}（必填）{% endif %}{# 注释,不管 #}"),
    # YAML: keys and flow syntax are code; values and comments are text
    ("x.yaml", "# 说明:中文\nnav:\n  - 首页: index.md\ngrades: [{name: 优秀, min: 90}]\nk: 值(注)  # 注:x\n",
     "# 说明：中文\nnav:\n  - 首页: index.md\ngrades: [{name: 优秀, min: 90}]\nk: 值（注）  # 注：x\n"),
    # Python: only string literals; docstrings, `re` arguments and placeholders are code
    ("pipeline/x.py", 'x = f"{a}:{b}" + f"北京({oid})" + "{n:,}个" if c else d  # 注释,不管\n',
     'x = f"{a}:{b}" + f"北京（{oid}）" + "{n:,}个" if c else d  # 注释,不管\n'),
    ("pipeline/x.py", '"""Docstring (中文) stays."""\nP = re.compile(r"第(\\d+)季度")\nM = "合计: "\n',
     '"""Docstring (中文) stays."""\nP = re.compile(r"第(\\d+)季度")\nM = "合计： "\n'),
    ("tasks.py", 'def t():\n    """校验(不计算)。"""\n', 'def t():\n    """校验（不计算）。"""\n'),
    ("pipeline/x.py", 'H = "&#40;中文&#41;:说明" + "见 `f(中文)`,然后"\n', 'H = "&#40;中文&#41;：说明" + "见 `f(中文)`，然后"\n'),
])
def test_only_prose_is_read_and_fixed(rel, text, fixed):
    assert fix_file_text(rel, text) == fixed
    assert [str(h) for h in check(rel, fixed)] == []
    assert bool(check(rel, text)) == (fixed != text)


def test_a_failure_names_the_file_line_and_text():
    (hit,) = check("docs/x.md", "标题\n\n第二行,这里")
    assert str(hit) == "docs/x.md:3:4: 第二行,这里"


def test_visible_text_of_a_page_leaves_out_attributes_scripts_and_code():
    html = ('<html><head><title>T</title></head><body><p title="中文,属性">说明<strong>甲</strong>:乙</p>'
            "<script>var a = '中文,脚本';</script><pre><code>中文,代码</code></pre><td>丙</td><td>(丁)</td>"
            "<p>内存 <code>CAP</code>(RLIMIT_AS)</p></body></html>")
    assert visible_text(html) == f"说明甲:乙\n\n丙\n\n(丁)\n\n内存 {CODE}(RLIMIT_AS)"  # code stands as code
    assert [h.snippet for h in check_page("p.html", html)] == ["说明甲:乙", "(丁)", "(丁)"]


# --- properties -----------------------------------------------------------------------------------

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
MIXED = st.text(st.one_of(HAN, st.sampled_from(list(HALF + FULL + " \n,.:1aZ")), st.characters(
    min_codepoint=0x20, max_codepoint=0x7E)), max_size=60)


@PROPERTY
@given(ASCII)
def test_ascii_alone_never_fails(text):
    assert marks(text) == [] and fix(text) == text


@PROPERTY
@given(ASCII, HAN, st.sampled_from(list(HALF)), HAN, ASCII)
def test_a_half_width_mark_between_chinese_always_fails(before, a, mark, b, after):
    text = before + a + mark + b + after
    assert len(before) + 1 in marks(text)


@PROPERTY
@given(st.text(st.one_of(HAN, st.sampled_from(list(FULL + "“” 0123456789"))), max_size=60))
def test_full_width_never_fails(text):
    assert marks(text) == []


@PROPERTY
@given(MIXED)
def test_fix_leaves_nothing_to_find_and_is_idempotent(text):
    fixed = fix(text)
    assert marks(fixed) == [] and fix(fixed) == fixed
    to_half = str.maketrans(FULL, HALF)  # only marks changed width, and only spaces went
    assert fixed.translate(to_half).replace(" ", "") == text.translate(to_half).replace(" ", "")


@PROPERTY
@given(HAN, st.sampled_from(["1,000", "12:30", "3.5", "1,234,567.5"]), HAN)
def test_numbers_between_chinese_pass(a, number, b):
    assert marks(a + number + b) == []


def test_cjk_class_covers_han_and_full_width_punctuation():
    import re

    assert all(re.match(f"[{CJK}]", c) for c in "中文，：；（）？！。、《》“”")
    assert not any(re.match(f"[{CJK}]", c) for c in ",:;()?!. aZ1")
