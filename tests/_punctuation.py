"""Half-width punctuation next to Chinese (STYLE 18): the checker, its fix, and the files they read.

A half-width `, : ; ( ) ? !` is wrong when a Chinese character or Chinese punctuation is next to it,
directly or across one space (`个, 错误`, `北京一所 (BJ01)`); the two parentheses of a pair go
together. Never read: code — Markdown code spans and fences, link targets and URLs, HTML tags and
entities, Jinja, YAML keys and syntax, Python outside string literals, f-string and format
placeholders, docstrings (English for developers; tasks.py's are `kaohe --list`), the arguments
of `re` calls. Numbers (`1,000`, `12:30`) have no Chinese neighbour, so they pass as they are. In
an English line (more English words than Chinese characters) only a mark with Chinese directly on
both sides is wrong: `ends in 附则 (制度解释);` is English punctuation around a quoted term.

Everything here is pure (text in, offsets or text out) except `user_facing_files`, which lists
the files. The test reads them with `check`; the sweep script outside the repository rewrites
them with `fix` — the same file set, the same rules, the same allow-list.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import yaml

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d"
HALF = ",:;()?!"
FULL = "，：；（）？！"
CODE = "\x00"  # stands in for masked code: neither Chinese, nor punctuation, nor a space

_CJK = re.compile(f"[{CJK}]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_PHRASE = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:,? [A-Za-z][A-Za-z'’-]*){3,}")  # four English words in a row
_URL = re.compile(r"(?:https?|file|mailto):[^\s<>()（），。\"'`]+")
_TO_FULL = dict(zip(HALF, FULL, strict=True))

# Text that stays half-width on purpose, though it sits in prose: (files, the exact text, why).
# Each occurrence of the text in those files is read as code. Keep it small.
ALLOWED: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("mkdocs.yml",), r"'[\s\u200b\u3000\-、。，．？！；：,.?!;:()（）“”‘’《》]+'",
     "the search separator: a regular expression listing both widths of each mark"),
    (("pipeline/policy.yaml", "pipeline/policies/*.yaml"), "min(得分, cap)",
     "a formula: the function min and its two arguments, as the policy's config spells them"),
    (("pipeline/outputs/period_workbook.py",), "min(总分, ",
     "the same formula in HR's workbook (its cap follows from a placeholder)"),
    (("pipeline/policy.yaml", "pipeline/policies/*.yaml", "pipeline/engine/policy.py"), "[指标值, 得分]",
     "a YAML list as it is typed in the policy's config: [value, score]"),
)


@dataclass(frozen=True)
class Hit:
    """One half-width mark that should be full-width: where, and the line around it."""

    path: str
    line: int
    column: int
    snippet: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.snippet}"


def is_cjk(ch: str) -> bool:
    """A Chinese character or a piece of Chinese (full-width) punctuation."""
    return bool(ch) and _CJK.match(ch) is not None


def _english(line: str) -> bool:
    """An English line: four English words in a row, or more English words than Chinese characters."""
    return bool(_PHRASE.search(line)) or len(_WORD.findall(line)) > len(_HAN.findall(line))


def _neighbours(text: str, i: int, step: int) -> tuple[str, str]:
    """The character beside text[i] (Markdown's `*` of emphasis passed over), and the one beyond
    it when that is one space, or, after the mark, one line break (a paragraph's lines join with a
    space; a mark opening a line — a bullet in the terminal — looks no further back than its line)."""
    j = i + step
    while 0 <= j < len(text) and text[j] == "*":
        j += step
    near = text[j] if 0 <= j < len(text) else ""
    if near not in (" ", "\n"):
        return near, ""
    k = j
    while 0 <= k < len(text) and text[k] in " \t\n":
        k += step
    gap = text[min(j, k - step):max(j, k - step) + 1]
    far = text[k] if 0 <= k < len(text) and (gap == " " or (step > 0 and gap.count("\n") == 1)) else ""
    return near, far


def _wrong(text: str, i: int, english: bool) -> bool:
    left, far_left = _neighbours(text, i, -1)
    right, far_right = _neighbours(text, i, 1)
    if english:
        return is_cjk(left) and is_cjk(right)
    return any(is_cjk(c) for c in (left, right, far_left, far_right))


def marks(masked: str) -> list[int]:
    """Offsets of the half-width marks that should be full-width (code already masked with CODE)."""
    flagged: set[int] = set()
    start = 0
    for line in masked.split("\n"):
        english = _english(line)
        flagged.update(start + i for i, ch in enumerate(line) if ch in HALF and _wrong(masked, start + i, english))
        start += len(line) + 1
    stack: list[int] = []  # the two parentheses of a pair go together, within a paragraph
    for i, ch in enumerate(masked):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            j = stack.pop()
            if i in flagged or j in flagged:
                flagged |= {i, j}
        elif ch == "\n" and masked.startswith("\n\n", i):
            stack.clear()
    return sorted(flagged)


def _removable_space(text: str, masked: str, k: int, beyond: int) -> bool:
    """A single prose space at k, with a letter, digit or Chinese character beyond it."""
    if not (0 <= k < len(text) and 0 <= beyond < len(text)):
        return False
    return text[k] == " " and masked[k] == " " and masked[beyond] != CODE and text[beyond].isalnum()


def fix(text: str, masked: str | None = None) -> str:
    """`text` with every mark `marks` finds made full-width, and a single space beside it dropped."""
    masked = text if masked is None else masked
    while True:
        found = marks(masked)
        if not found:
            return text
        drop: set[int] = set()
        out_t, out_m = list(text), list(masked)
        for i in found:
            out_t[i] = out_m[i] = _TO_FULL[text[i]]
            for k, beyond in ((i - 1, i - 2), (i + 1, i + 2)):
                if _removable_space(text, masked, k, beyond):
                    drop.add(k)
        text = "".join(c for k, c in enumerate(out_t) if k not in drop)
        masked = "".join(c for k, c in enumerate(out_m) if k not in drop)


# --- masking: what is code in each kind of file ------------------------------------------------

def _blank(chars: list[str], a: int, b: int) -> None:
    for k in range(a, b):
        if chars[k] != "\n":
            chars[k] = CODE


_MD_PATTERNS = [re.compile(p, f) for p, f in (
    (r"\{#.*?#\}", re.S),                                  # Jinja comments
    (r"<!--.*?-->", re.S),                                 # HTML comments
    (r"\{\{.*?\}\}|\{%.*?%\}", re.S),                      # Jinja expressions and statements
    (r"<(script|style)\b.*?</\1\s*>", re.S | re.I),        # scripts and styles
    (r"(`+)(?!`).+?(?<!`)\1(?!`)", 0),                     # code spans
    (r"<[A-Za-z/!?][^<>]*>", 0),                           # HTML tags with their attributes
    (r"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)", 0),  # link and image targets
    (r"^\s*\[[^\]\n]+\]:\s*\S+", re.M),                    # reference definitions
    (r"^\*\[[^\]\n]+\]:", re.M),                           # abbreviations
    (r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", 0),           # character references
    (r"\{\s*[:.#][^{}\n]*\}", 0),                          # attribute lists
)]
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def mask_markdown(text: str) -> str:
    """Markdown, HTML or a Jinja page template with its code replaced by CODE (same length)."""
    lines = text.split("\n")
    chars = list(text)
    _mask_front_matter(text, chars)
    offset, fence = 0, None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = m.group(1)
                _blank(chars, offset, offset + len(line))
        else:
            _blank(chars, offset, offset + len(line))
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and line.strip() == m.group(1):
                fence = None
        offset += len(line) + 1
    for pattern in _MD_PATTERNS:
        current = "".join(chars)
        for m in pattern.finditer(current):
            _blank(chars, m.start(), m.end())
    return mask_urls("".join(chars))


def mask_urls(masked: str) -> str:
    """`masked` with bare URLs masked too (`http://127.0.0.1:端口/` keeps its colon)."""
    chars = list(masked)
    for m in _URL.finditer(masked):
        _blank(chars, m.start(), m.end())
    return "".join(chars)


def _mask_front_matter(text: str, chars: list[str]) -> None:
    lines = text.split("\n")
    if lines and lines[0] == "---" and "---" in lines[1:]:
        end = lines.index("---", 1)
        _blank(chars, 0, sum(len(x) + 1 for x in lines[: end + 1]))


def mask_yaml(text: str) -> str:
    """YAML with only its value scalars and comments left (keys, indicators and flow syntax masked)."""
    keep = [False] * len(text)

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode):
            for k in range(node.start_mark.index, node.end_mark.index):
                keep[k] = True
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.MappingNode):
            for _key, value in node.value:
                walk(value)

    for doc in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if doc is not None:
            walk(doc)
    offset = 0
    for line in text.split("\n"):
        for m in re.finditer(r"(?:^|\s)#", line):
            at = offset + m.end() - 1
            if not keep[at]:
                for k in range(at + 1, offset + len(line)):
                    keep[k] = True
                break
        offset += len(line) + 1
    return mask_urls("".join(c if keep[k] or c == "\n" else CODE for k, c in enumerate(text)))


_PREFIX = re.compile(r"[A-Za-z]*")
# format placeholders, and the code spans and character references of the Markdown and HTML some
# literals become
_PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9][^{}\n]*\}|\{\}|%\([^()\n]*\)[-#0 +]*\d*(?:\.\d+)?[A-Za-z]|`[^`\n]+`"
                          r"|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")


def _fstring_fields(body: str) -> list[tuple[int, int]]:
    """The `{...}` replacement fields of an f-string body (`{{` and `}}` are literal braces)."""
    out, i, n = [], 0, len(body)
    while i < n:
        if body.startswith(("{{", "}}"), i):
            i += 2
        elif body[i] == "{":
            depth, j, quote = 0, i, None
            while j < n:
                c = body[j]
                if quote:
                    if c == quote:
                        quote = None
                elif c in "'\"":
                    quote = c
                elif c in "{[(":
                    depth += 1
                elif c in "}])":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


def _skipped_ranges(tree: ast.Module, docstrings: bool) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions (line, byte column) of literals that are not text: `re` arguments, docstrings."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re":
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                out.append(((arg.lineno, arg.col_offset), (arg.end_lineno, arg.end_col_offset)))
        if not docstrings and isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
            doc = node.body[0].value
            out.append(((doc.lineno, doc.col_offset), (doc.end_lineno, doc.end_col_offset)))
    return out


def python_literals(source: str, docstrings: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, masked body) of each text string literal's body in a Python source."""
    tree = ast.parse(source)
    skipped = _skipped_ranges(tree, docstrings)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING:
            continue
        row, col = tok.start
        pos = (row, len(lines[row - 1][:col].encode()))
        if any(a <= pos < b for a, b in skipped):
            continue
        prefix = _PREFIX.match(tok.string).group().lower()
        if "b" in prefix:
            continue
        quote = tok.string[len(prefix):len(prefix) + 3]
        quote = quote if quote in ('"""', "'''") else quote[0]
        body = tok.string[len(prefix) + len(quote):len(tok.string) - len(quote)]
        if not _CJK.search(body):
            continue
        chars = list(body)
        fields = _fstring_fields(body) if "f" in prefix else []
        fields += [m.span() for m in _PLACEHOLDER.finditer(body)]
        for a, b in fields:
            _blank(chars, a, b)
        start = starts[row - 1] + col + len(prefix) + len(quote)
        out.append((start, start + len(body), mask_urls("".join(chars))))
    return out


# --- files -------------------------------------------------------------------------------------

def kind_of(rel: str) -> str | None:
    """How a file is read: "markdown", "yaml", "python" or None (not user-facing text)."""
    p = PurePosixPath(rel)
    if p.suffix == ".md" or p.name.endswith((".md.j2", ".html.j2")):
        return "markdown"
    if p.suffix in (".yaml", ".yml"):
        return "yaml"
    if p.suffix == ".py":
        return "python"
    return None


def user_facing_files(root: Path) -> list[Path]:
    """The files whose Chinese text users read: docs, README and the like, page templates, pipeline
    (messages, the catalogue, form specs, CLI), tasks.py, the policy files and mkdocs.yml."""
    found = {*root.glob("*.md"), root / "tasks.py", root / "mkdocs.yml", *root.glob("docs/**/*.md"),
             *root.glob("sample_data/*.md"), *root.glob("pipeline/**/*.py"), *root.glob("pipeline/**/*.md"),
             *root.glob("pipeline/**/*.j2"), *root.glob("pipeline/**/*.yaml")}
    return sorted(p for p in found if p.is_file())


def segments(rel: str, text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked) of the prose parts of a file's text."""
    kind = kind_of(rel)
    if kind == "markdown":
        return [(0, len(text), mask_markdown(text))]
    if kind == "yaml":
        return [(0, len(text), mask_yaml(text))]
    if kind == "python":
        return python_literals(text, docstrings=PurePosixPath(rel).name == "tasks.py")
    return []


def _allow(rel: str, text: str, masked: str) -> str:
    """`masked` with the allow-listed text of the file `rel` masked too."""
    chars = None
    for paths, snippet, _why in ALLOWED:
        if any(fnmatch(rel, p) for p in paths):
            for m in re.finditer(re.escape(snippet), text):
                chars = chars or list(masked)
                _blank(chars, m.start(), m.end())
    return masked if chars is None else "".join(chars)


def _line_of(text: str, offset: int) -> tuple[int, int, str]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return text.count("\n", 0, offset) + 1, offset - start + 1, text[start:end]


def check(rel: str, text: str) -> list[Hit]:
    """Every half-width mark in the prose of `text` (the file `rel`) that should be full-width."""
    hits = []
    for start, end, masked in segments(rel, text):
        for i in marks(_allow(rel, text[start:end], masked)):
            line, column, whole = _line_of(text, start + i)
            a = max(0, column - 1 - 20)
            hits.append(Hit(rel, line, column, whole[a:column + 20].strip()))
    return hits


def fix_file_text(rel: str, text: str) -> str:
    """`text` (the file `rel`) with its prose fixed; code, and everything outside prose, byte for byte."""
    out, last = [], 0
    for start, end, masked in segments(rel, text):
        out.append(text[last:start])
        out.append(fix(text[start:end], _allow(rel, text[start:end], masked)))
        last = end
    out.append(text[last:])
    return "".join(out)


# --- built pages -------------------------------------------------------------------------------

_SKIP = {"script", "style", "code", "pre", "kbd", "samp", "svg", "math", "template", "head"}
_INLINE_CODE = {"code", "kbd", "samp", "svg", "math"}  # stand in the text as CODE, as in the sources
_BLOCK = {"address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
          "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label",
          "li", "main", "nav", "ol", "option", "p", "section", "summary", "table", "td", "th", "title", "tr", "ul"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP and tag not in _VOID:
            if tag in _INLINE_CODE and not self.skipping:
                self.parts.append(CODE)
            self.skipping.append(tag)
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))


def visible_text(html: str) -> str:
    """The text a reader sees on a page: no tags, attributes, scripts or styles, code as CODE; blocks
    a blank line apart."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)  # blocks apart, as paragraphs are


def check_page(rel: str, html: str) -> list[Hit]:
    """`check` for a built page's visible text (line numbers count the text's lines)."""
    text = visible_text(html)
    hits = []
    for i in marks(mask_urls(text)):
        line, column, whole = _line_of(text, i)
        a = max(0, column - 1 - 20)
        hits.append(Hit(rel, line, column, whole[a:column + 20].strip().replace(CODE, "`…`")))
    return hits
