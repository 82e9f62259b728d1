"""The site build: lock -> templates check -> run -> docs tree -> mkdocs --strict -> privacy gate -> publish.

    build_site          holds the site folder's lock (runtime.lock) for the whole build
      check_templates   the blank templates offered for download must match the form specs
      run.run           validate and score DATA_DIR into `.build/out`
      render_and_publish
        write_docs      the whole docs tree first: committed docs/ copied, markers filled, every
                        results page rendered (by several forked processes for a large company)
        write_config    the generated mkdocs config: docs_dir, nav with every period, search words
        run_mkdocs      `mkdocs build --strict` in a subprocess, into a temporary site folder
        privacy_gate    every built file scanned for the run's private values
        publish         the temporary folder swapped into place

MkDocs only ever sees a finished docs tree, and the gate passes only a finished site: nothing
depends on MkDocs hooks, which Zensical (Material's successor) ignores. For speed the gate starts
while mkdocs builds on one core: on the other it compiles its needles and scans the pages it finds
written in the site folder; when mkdocs has finished, it scans every file whose bytes are not the
ones it scanned (the search index, the pages written last; any page, if need be). Generated
Markdown goes into a work folder (`.build/docs`), never into the committed `docs/`, and a build
that fails at any step (bad data, a broken page, a privacy problem) leaves the previously
published site exactly as it was.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml

from . import run
from .engine.model import Results
from .forms import ALL_FORMS
from .outputs import privacy
from .outputs.form_workbook import check_templates as template_differences
from .outputs.pages import DOCS_DIR, PROJECT_ROOT, MarkerError, docs_pages, page_tasks
from .outputs.pages.escape import one_line
from .periods import period_label, period_sort_key
from .runtime.lock import BuildLocked, exclusive_build
from .runtime.pool import cpus, map_forked

MKDOCS_CONFIG = PROJECT_ROOT / "mkdocs.yml"
OVERRIDES_DIR = PROJECT_ROOT / "overrides"  # the theme's custom_dir: its files other than templates are published
TEMPLATES_DIR = PROJECT_ROOT / "input_templates"
SAMPLE_DATA = PROJECT_ROOT / "sample_data"
RESULTS_SECTION = "考核结果"
PARALLEL_FROM = 64  # pages or files: below this, forking costs more than it saves
POLL_SECONDS = 0.25  # how often the site folder is looked at while mkdocs writes it
SHOWN_ERRORS = 10  # a failed build lists this many errors of the data; validate shows them all

Progress = Callable[[int, int], None]
ProgressFor = Callable[[str], Progress]
T = TypeVar("T")


class BuildError(Exception):
    """The build cannot go on; `message` is Chinese, `usage` tells a usage/environment problem from a data one."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.message = message
        self.usage = usage


def build_site(data_dir: Path, site_dir: Path, *, keep_going: bool = False, policy_path: str | Path | None = None,
               workers: int = 0, cache: Any = None, progress_for: ProgressFor | None = None,
               build_date: str | date | None = None, work_dir: Path | None = None,
               templates_dir: Path | None = TEMPLATES_DIR, on_wait: Callable[[str], None] | None = None) -> Results:
    """Run every stage and publish into `site_dir`; returns the Results. BuildError on failure.

    `progress_for(label)` makes a (done, total) callback for one stage ("读取工作簿", "生成网站页面").
    `on_wait(message)` is told when another build holds the site's lock (default: stderr).
    """
    data_dir, site_dir = Path(data_dir), Path(site_dir)
    work_dir = Path(work_dir) if work_dir else site_dir.parent / ".build"
    if not data_dir.is_dir():
        raise BuildError(f"找不到数据目录：{data_dir.absolute()}", usage=True)
    for folder in (site_dir, work_dir):  # docs/ is copied into the work folder: inside itself it never ends
        if folder.resolve().is_relative_to(DOCS_DIR.resolve()):
            raise BuildError(f"网站输出目录不能位于 {DOCS_DIR} 之中：{folder.absolute()}；"
                             "请在项目的根目录运行，或用 --site 指定其他目录", usage=True)
    try:
        # the lock also recovers from killed builds and makes SIGTERM clean up (runtime/lock.py)
        with exclusive_build(site_dir, on_wait=on_wait or _tell):
            check_templates(templates_dir)
            try:
                outcome = run.run(data_dir, work_dir / "out", policy_path, workers=workers, cache=cache,
                                  progress=_progress(progress_for, "读取工作簿"))
            except run.UsageError as exc:
                raise BuildError(str(exc), usage=True) from None
            results = outcome.results
            if results.error_count() and not keep_going:
                raise BuildError(data_errors(results, data_dir))
            render_and_publish(results, site_dir, work_dir=work_dir, build_date=build_date,
                               templates_dir=templates_dir, workers=workers, progress_for=progress_for)
    except BuildLocked as exc:
        raise BuildError(str(exc), usage=True) from None
    return results


def data_errors(results: Results, data_dir: Path) -> str:
    """Why a build with errors in the data stops: the first errors where they are, and the commands
    that show them all (the run's own validation.json is the build's work file, not for people)."""
    blocking = [f for f in (*results.dataset.findings, *results.findings) if f.blocking]  # reviews' too
    listed = "\n".join(f"  - {f.display()}" for f in blocking[:SHOWN_ERRORS])
    more = f"（以上是前 {SHOWN_ERRORS} 个）" if len(blocking) > SHOWN_ERRORS else ""
    scored = sum(1 for f in results.findings if f.blocking)  # found in scoring: validate cannot list them
    where = (f"其中 {scored} 个（复核调整与申诉）在评分时才发现，validate 不列出，"
             f"全部问题可运行 kaohe run --data {data_dir.absolute()} --out 输出目录 查看；") if scored else ""
    return (f"校验发现 {len(blocking)} 个错误，网站未更新：\n{listed}\n{more}"
            f"每个问题所在的单元格和修改方法：kaohe validate --data {data_dir.absolute()}"
            f"（加 --annotate 目录 可写出标出问题的副本）；{where}"
            "如需先发布，请加 --keep-going（kaohe build 与 kaohe serve 都接受），有错误的业务所将显示为“数据有误”。")


def _tell(message: str) -> None:
    print(message, file=sys.stderr)


def _progress(progress_for: ProgressFor | None, label: str) -> Progress | None:
    return progress_for(label) if progress_for is not None else None


def check_templates(templates_dir: Path | None) -> None:
    """The blank templates offered for download must match the form specs (None: offer none)."""
    if templates_dir is None:
        return
    problems = template_differences(templates_dir)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems[:20])
        raise BuildError(f"{templates_dir.name}/ 中的空白模板与表单定义不一致（共 {len(problems)} 处），"
                         f"请先运行 kaohe templates 重新生成：\n{listed}")


# ---------------------------------------------------------------------------------------------
# The site stage


def render_and_publish(results: Results, site_dir: Path, *, work_dir: Path, build_date: str | date | None = None,
                       templates_dir: Path | None = TEMPLATES_DIR, docs_dir: Path = DOCS_DIR,
                       config_path: Path = MKDOCS_CONFIG, workers: int = 0,
                       progress_for: ProgressFor | None = None) -> None:
    """Docs tree -> mkdocs --strict into a temporary folder -> privacy gate -> swap into `site_dir`."""
    build_date = build_date or date.today()
    build_date = build_date.isoformat() if isinstance(build_date, date) else str(build_date)
    workers = workers if workers > 0 else cpus()
    work_docs = work_dir / "docs"
    work_dir.mkdir(parents=True, exist_ok=True)
    pages = write_docs(results, work_docs, build_date=build_date, docs_dir=docs_dir, templates_dir=templates_dir,
                       workers=workers)
    config = write_config(results, work_dir, work_docs, build_date, config_path)
    site_dir = Path(site_dir).absolute()
    site_tmp = site_dir.with_name(f".{site_dir.name}.tmp-{os.getpid()}")
    if site_tmp.exists():
        shutil.rmtree(site_tmp)
    try:
        # mkdocs works on one core. On the other, the privacy gate compiles its needles and scans
        # the pages as they appear; once mkdocs is done, it scans whatever it has not seen whole.
        scan = run_mkdocs(config, site_tmp, meanwhile=lambda: privacy.Scan(site_tmp, privacy.prepare(results)),
                          on_pages=privacy.Scan.files, progress=_progress(progress_for, "生成网站页面"),
                          pages=pages)
        leaks = privacy_gate(scan, workers)
        if leaks:
            raise BuildError(f"隐私检查发现 {len(leaks)} 处问题，网站未发布：\n"
                             f"{first_lines([leak.message() for leak in leaks], '处')}")
        publish(site_tmp, site_dir)
    finally:
        if site_tmp.exists():
            shutil.rmtree(site_tmp, ignore_errors=True)


# what docs/ is made of; anything else there is some command's output that would be published with it
SOURCE_SUFFIXES = frozenset({".md", ".css", ".js", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico",
                             ".woff", ".woff2"})


def first_lines(items: list[str], unit: str, limit: int = 20) -> str:
    """The first `limit` items as a list, and how many more there are (`……另有 10 处`)."""
    lines = [f"  - {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ……另有 {len(items) - limit} {unit}")
    return "\n".join(lines)


def stray_files(folder: Path, allowed: frozenset[str] = SOURCE_SUFFIXES) -> list[Path]:
    """Files in `folder` that are not the site's sources (hidden files aside: they are not copied)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in allowed
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def write_docs(results: Results, work_docs: Path, *, build_date: str, docs_dir: Path = DOCS_DIR,
               templates_dir: Path | None = None, workers: int = 1) -> int:
    """Fill `work_docs` with the whole site's Markdown; returns how many pages it holds.

    The committed `docs_dir` is copied, its markers filled, the blank templates copied into
    `downloads/`, and every results page rendered — in `workers` forked processes that write their
    pages themselves when there are many. BuildError (usage) when a page names an unknown marker.
    """
    for folder, allowed in ((docs_dir, SOURCE_SUFFIXES), (OVERRIDES_DIR, SOURCE_SUFFIXES | {".html"})):
        strays = stray_files(folder, allowed) if folder.is_dir() else []
        if strays:
            raise BuildError(f"{folder} 中有 {len(strays)} 个不是网站源文件的文件，为免误发布，网站未构建：\n"
                             f"{first_lines([str(p) for p in strays], '个')}\n"
                             f"请把它们移出 {folder.name}/（命令的输出请写到项目之外或其他文件夹）", usage=True)
    if work_docs.exists():
        shutil.rmtree(work_docs)
    shutil.copytree(docs_dir, work_docs, ignore=shutil.ignore_patterns(".*"))
    available = []
    if templates_dir is not None and templates_dir.is_dir():
        downloads = work_docs / "downloads"
        downloads.mkdir(exist_ok=True)
        for form in ALL_FORMS:
            source = templates_dir / form.filename
            if source.is_file():
                shutil.copy2(source, downloads / form.download_name)
                available.append(form.id)
    try:
        pages = docs_pages(results, build_date, docs_dir, available)
    except MarkerError as exc:
        raise BuildError(str(exc), usage=True) from None
    for rel, text in pages.items():
        _write_page(work_docs / rel, text)
    tasks = page_tasks(results)
    for folder in {posixpath.dirname(path) for path, _, _ in tasks}:
        (work_docs / folder).mkdir(parents=True, exist_ok=True)
    state = (results, tasks, work_docs)
    count = min(workers, len(tasks))
    if count <= 1 or len(tasks) < PARALLEL_FROM:
        for index in range(len(tasks)):
            _render_task(state, index)
    else:
        # the big pages come first in `tasks`, then the offices in small chunks handed out as
        # the processes free up, so that all of them finish together
        map_forked(_render_task, state, range(len(tasks)), count, chunksize=16)
    return sum(1 for _ in work_docs.rglob("*.md"))


def _render_task(state: tuple[Results, list, Path], index: int) -> None:
    """In a page process (or here): render one results page and write it."""
    results, tasks, work_docs = state
    path, render, args = tasks[index]
    _write_page(work_docs / path, render(results, *args))


def _write_page(target: Path, text: str) -> None:
    # the work folder is scratch, rebuilt every time: published files are swapped in as a whole
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


class _PythonTag:
    """A `!!python/…` node of mkdocs.yml (the toc's slugify), carried through to mkdocs unbuilt."""

    def __init__(self, tag: str, node: yaml.Node):
        self.tag, self.node = tag, node


class ConfigLoader(yaml.SafeLoader):
    """Safe loading that keeps `!!python/…` nodes as they are: only mkdocs builds them, from our own file."""


class ConfigDumper(yaml.SafeDumper):
    """Safe dumping that writes a kept `!!python/…` node back as it was read."""


ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: _PythonTag(node.tag, node))
ConfigDumper.add_representer(_PythonTag, lambda dumper, value: value.node)


def write_config(results: Results, work_dir: Path, work_docs: Path, build_date: str, config_path: Path) -> Path:
    """The generated mkdocs config: docs_dir -> work folder, nav with every period, jieba words."""
    try:
        config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=ConfigLoader)  # noqa: S506 (safe: see ConfigLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"无法读取网站配置 {config_path.name}：{exc}", usage=True) from None
    config["docs_dir"] = str(work_docs.resolve())
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):  # the config is written elsewhere: where it points stays
        theme["custom_dir"] = str((config_path.parent / theme["custom_dir"]).resolve())
    config["copyright"] = f"{config.get('copyright', '')} · 构建日期 {build_date}".strip(" ·")
    config["nav"] = expand_nav(config.get("nav") or [], results.periods)
    dictionary = work_dir / "jieba_user.txt"
    dictionary.write_text("".join(f"{line}\n" for line in user_words(results)), encoding="utf-8")
    for i, plugin in enumerate(config.get("plugins") or []):
        if plugin == "search" or (isinstance(plugin, dict) and "search" in plugin):
            options = dict(plugin["search"] or {}) if isinstance(plugin, dict) else {}
            options["jieba_dict_user"] = str(dictionary.resolve())
            config["plugins"][i] = {"search": options}
    target = work_dir / "mkdocs.yml"
    target.write_text(yaml.dump(config, Dumper=ConfigDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def expand_nav(nav: list, periods: list[str]) -> list:
    """Add one nav entry per period under 考核结果, grouped by year, in time order.

    Each entry carries its year (`2026年第一季度`): the footer's previous/next links show the
    title alone. In time order, “next” is always the period after this one (never the year before).
    """
    years: dict[str, list[str]] = {}
    for period in sorted(periods, key=period_sort_key):
        years.setdefault(period[:4], []).append(period)
    sections = [{f"{year}年": [{period_label(p): f"results/{p}.md"} for p in years[year]]} for year in sorted(years)]
    out = []
    for item in nav:
        if isinstance(item, dict) and RESULTS_SECTION in item:
            value = item[RESULTS_SECTION]
            base = value if isinstance(value, list) else [value]
            out.append({RESULTS_SECTION: [*base, *sections]})
        else:
            out.append(item)
    return out


# Material segments a Chinese query with the words of its own index, but never takes the whole
# query as one word: “流失率” is looked up as “流失” + “率”. So the index must hold the stems
# (流失, 满意 …) rather than the whole rate words, or searching 流失率 finds only pages with “流”.
SEARCH_STEMS = ("流失", "完成", "达标", "满意", "占有", "增长", "市场")
SEARCH_SPLIT = ("流失率", "完成率", "达标率", "满意度", "占有率", "增长率", "市场占有率")


def user_words(results: Results) -> list[str]:
    """Lines of jieba's user dictionary: office names, ids and regions kept whole; rate words split."""
    words = set()
    for office in results.dataset.reference.offices.values():
        words.update((office.name, office.office_id, office.region))
    for card in results.scorecards:
        words.update((card.office_name, card.office_id))
    cleaned = {one_line(w, 40) for w in words if w}
    whole = sorted(w for w in cleaned if w and not any(ch.isspace() for ch in w))
    return ([f"{w} 100000" for w in whole] + [f"{w} 100000" for w in SEARCH_STEMS]
            + [f"{w} 1" for w in SEARCH_SPLIT])


def run_mkdocs(config: Path, site_tmp: Path, *, meanwhile: Callable[[], T] | None = None,
               on_pages: Callable[[T, list[str]], None] | None = None, progress: Progress | None = None,
               pages: int = 0) -> T | None:
    """`mkdocs build --strict` into `site_tmp`; BuildError naming the warnings when it fails.

    While mkdocs runs: `meanwhile()` is called once (its result is returned), then the folder is
    looked at every POLL_SECONDS: `on_pages(that result, new pages)` is handed the pages that
    appeared since (relative paths; a page may still be being written) and `progress(done,
    pages)` told how many there are.
    """
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
           "--site-dir", str(site_tmp)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"}
    # files, not pipes: nobody reads a pipe while the folder is watched, and a full one would stall mkdocs
    with tempfile.TemporaryFile() as out, subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                                           env=env) as proc:
        try:
            result = meanwhile() if meanwhile is not None else None
            if on_pages is None and progress is None:
                proc.wait()
            else:
                _watch(proc, site_tmp, (lambda new: on_pages(result, new)) if on_pages else None, progress, pages)
        except BaseException:  # SIGTERM (lock.Terminated), Ctrl-C, a failing `meanwhile`: stop mkdocs too
            proc.kill()
            raise
        out.seek(0)
        log = out.read().decode("utf-8", errors="replace")
    if proc.returncode:
        lines = [line for line in log.splitlines()
                 if line.startswith(("WARNING", "ERROR", "Error", "Aborted")) or "Error" in line]
        detail = "\n".join(f"  {line}" for line in lines[-20:]) or log[-2000:]
        raise BuildError(f"MkDocs 构建失败（严格模式下任何警告都视为错误）：\n{detail}", usage=True)
    if progress is not None:
        progress(pages, pages)
    return result


def _watch(proc: subprocess.Popen, site_tmp: Path, on_pages: Callable[[list[str]], None] | None,
           progress: Progress | None, pages: int) -> None:
    """Until mkdocs ends: hand new pages to `on_pages`, their count to `progress`."""
    known: set[str] = set()
    while True:
        try:
            proc.wait(timeout=POLL_SECONDS)
            return
        except subprocess.TimeoutExpired:
            pass
        written = _pages_in(site_tmp)
        new = sorted(written - known)
        known |= written
        if new and on_pages is not None:
            on_pages(new)
        if new and progress is not None:
            progress(min(len(known), pages), pages)


def _pages_in(site: Path) -> set[str]:
    """The pages written so far ('/'-separated; 404.html is a theme template, not a page)."""
    found = set()
    for folder, _, names in os.walk(site):
        rel = os.path.relpath(folder, site).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        found.update(prefix + name for name in names if name.endswith(".html"))
    found.discard("404.html")
    return found


def privacy_gate(scan: privacy.Scan, workers: int = 1) -> list[privacy.Leak]:
    """Complete a scan of a built site: every file not scanned with its final bytes is scanned now.

    One Leak per (page, column), sorted. With `workers` > 1 and many files left, they are dealt out
    to that many forked processes (each inherits the lines the scan has already seen).
    """
    rest = scan.changed(privacy.site_files(scan.root))
    count = min(workers, len(rest))
    if count <= 1 or len(rest) < PARALLEL_FROM:
        leaks = scan.files(rest).leaks
    else:
        # biggest first, dealt out in turn: the search index and the period pages land apart
        ordered = sorted(rest, key=lambda rel: -(scan.root / rel).stat().st_size)
        shares = [ordered[n::count] for n in range(count)]
        leaks = scan.leaks.union(*map_forked(_scan_share, scan, shares, count))
    return privacy.one_per_page_and_column(leaks)


def _scan_share(scan: privacy.Scan, files: list[str]) -> set[privacy.Leak]:
    return scan.files(files).leaks


def publish(site_tmp: Path, site_dir: Path) -> None:
    """Swap the freshly built site into place; the old one is removed only after the swap."""
    old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    had_site = site_dir.exists()
    if had_site:
        os.rename(site_dir, old)
    try:
        os.rename(site_tmp, site_dir)
    except OSError:
        if had_site:
            os.rename(old, site_dir)
        raise
    if had_site:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["MKDOCS_CONFIG", "SAMPLE_DATA", "TEMPLATES_DIR", "BuildError", "ConfigLoader", "build_site", "check_templates",
           "expand_nav", "privacy_gate", "publish", "render_and_publish", "run_mkdocs", "user_words", "write_config",
           "write_docs"]
