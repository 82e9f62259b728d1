"""axe-core in the browser tests: the vendored engine, one run on a page, the report in artifacts/.

axe checks a page against WCAG 2.1 A and AA (GB/T 37668 follows WCAG 2.0 AA); a violation rated
serious or critical fails the test. The engine is tests/vendor/axe-core/axe.min.js (README.md there
says how to update it); it is added to a browser context as an init script, so every page opened
in that context has it and nothing is fetched.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("serious", "critical")

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def source() -> str:
    """The vendored axe.min.js, checked to be the pinned version."""
    text = AXE_JS.read_text(encoding="utf-8")
    header = re.match(r"/\*! axe v(\S+)", text)
    assert header and header.group(1) == AXE_VERSION, f"{AXE_JS} is not axe-core {AXE_VERSION}"
    return text


def run(page) -> list[dict]:
    """The WCAG A/AA violations on the page as it is now."""
    return page.evaluate(_RUN, WCAG_TAGS)


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING]


def describe(path: str, violations: list[dict]) -> str:
    """A readable account of a page's violations for an assertion message."""
    lines = [f"{path}:"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}")
        for node in v["nodes"][:3]:
            lines.append(f"    {node['target']} — {' '.join(node['summary'].split())[:300]}")
    return "\n".join(lines)


def write_report(folder: Path, name: str, pages: dict[str, list[dict]]) -> Path:
    """artifacts/axe-NAME.json: per page, the number of violations by rule and impact; then the
    Markdown summary of every axe-*.json in the folder (other combinations may run in other workers)."""
    folder.mkdir(parents=True, exist_ok=True)
    report = {
        "axe": AXE_VERSION, "tags": WCAG_TAGS,
        "pages": {path: {"failing": sum(len(v["nodes"]) for v in failing(vs)),
                         "violations": {v["id"]: {"impact": v["impact"], "nodes": len(v["nodes"])} for v in vs}}
                  for path, vs in pages.items()},
    }
    target = folder / f"axe-{name}.json"
    _write(target, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _write(folder / "axe-summary.md", _summary(folder))
    return target


def _summary(folder: Path) -> str:
    runs = {p.stem.removeprefix("axe-"): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("axe-*.json"))}
    pages = sorted({page for r in runs.values() for page in r["pages"]})
    lines = [f"# axe-core {AXE_VERSION}：严重（serious/critical）问题数", "",
             "| 页面 | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    for page in pages:
        counts = [str(r["pages"][page]["failing"]) if page in r["pages"] else "—" for r in runs.values()]
        lines.append(f"| {page} | " + " | ".join(counts) + " |")
    return "\n".join(lines) + "\n"


def _write(target: Path, text: str) -> None:
    # several test workers may write the summary at once: each writes whole, then renames
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
