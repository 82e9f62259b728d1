"""The site build: templates check -> validate + run -> pages -> mkdocs --strict -> privacy gate -> publish.

Everything is built into a temporary folder next to `site/` and swapped in only when every step
succeeded, so a failing build (bad data, a broken page, a privacy problem) leaves the last good
site exactly as it was. Generated Markdown goes into a work folder (`.build/docs`), never into
the committed `docs/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .cache import gc_paused, open_cache
from .escape import clean_text
from .forked import cpus
from .lock import BuildLocked, exclusive_build
from .pages import DOCS_DIR, PROJECT_ROOT, MarkerError, generate_docs
from .pages.env import QUARTER_NAMES
from .pages.feed import HOOK as PAGES_HOOK
from .pages.feed import FeedError, PageFeed
from .policy import PolicyError, load_policy
from .privacy import prepare, scan_with  # the privacy gate: nothing private may be published
from .privacy.stream import HOOK as PRIVACY_HOOK
from .privacy.stream import PageStream
from .validation_summary import ProgressBar

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2
MKDOCS_CONFIG = PROJECT_ROOT / "mkdocs.yml"
TEMPLATES_DIR = PROJECT_ROOT / "input_templates"
SAMPLE_DATA = PROJECT_ROOT / "sample_data"
RESULTS_SECTION = "考核结果"


class BuildError(Exception):
    """The build cannot go on; `message` is Chinese, `code` the exit code."""

    def __init__(self, message: str, code: int = EXIT_DATA_ERRORS):
        super().__init__(message)
        self.message = message
        self.code = code


def build_command(args: argparse.Namespace) -> int:
    """`python -m pipeline build`: build the whole site into --site; returns the exit code."""
    try:
        # the lock also recovers from killed builds and makes SIGTERM clean up (pipeline/lock.py)
        with exclusive_build(Path(args.site), on_wait=lambda m: print(m, file=sys.stderr)):
            build_site(
                data_dir=Path(args.data) if args.data else SAMPLE_DATA,
                site_dir=Path(args.site),
                keep_going=bool(args.keep_going),
                policy_path=args.policy,
                workers=int(getattr(args, "workers", 0) or 0),
                cache=open_cache(enabled=not getattr(args, "no_cache", False)),
                progress=True,
            )
    except BuildLocked as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except BuildError as exc:
        print(f"网站构建失败:{exc.message}", file=sys.stderr)
        print(f"原有网站({args.site}/)保持不变。", file=sys.stderr)
        return exc.code
    print(f"网站已构建到 {args.site}/。")
    return EXIT_OK


def build_site(data_dir: Path, site_dir: Path, *, keep_going: bool = False, policy_path: str | Path | None = None,
               workers: int = 0, build_date: str | date | None = None, work_dir: Path | None = None,
               templates_dir: Path = TEMPLATES_DIR, cache: Any = None, progress: bool = False) -> Any:
    """Run every stage and publish into `site_dir`; returns the Results. BuildError on failure.

    `progress`: bars on stderr for reading the workbooks and for MkDocs writing the pages (drawn
    on a terminal, or off one for a long run: validation_summary.ProgressBar).
    """
    work_dir = work_dir or site_dir.parent / ".build"
    if not data_dir.is_dir():
        raise BuildError(f"找不到数据目录 {data_dir}", EXIT_USAGE)
    check_templates(templates_dir)
    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        raise BuildError(str(exc), EXIT_USAGE) from None
    results = produce_results(data_dir, work_dir / "out", policy, workers, cache=cache, progress=progress)
    errors = results.dataset.error_count()
    if errors and not keep_going:
        raise BuildError(
            f"校验发现 {errors} 个错误,网站未更新。请查看校验报告 {work_dir / 'out' / 'validation.json'}"
            f"(或运行 invoke validate --data {data_dir} 查看每个问题所在的单元格);"
            "如需先发布,请加 --keep-going,有错误的业务所将显示为“数据有误”。",
            EXIT_DATA_ERRORS,
        )
    render_and_publish(results, site_dir, work_dir=work_dir, build_date=build_date, templates_dir=templates_dir,
                       progress=progress)
    return results


def check_templates(templates_dir: Path) -> None:
    """The blank templates offered for download must match the form specs."""
    from .excel.blank import check_templates as differences

    problems = differences(templates_dir)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems[:20])
        raise BuildError(f"{templates_dir.name}/ 中的空白模板与表单定义不一致(共 {len(problems)} 处),"
                         f"请先运行 invoke templates 重新生成:\n{listed}", EXIT_DATA_ERRORS)


def produce_results(data_dir: Path, out_dir: Path, policy: Any, workers: int, cache: Any = None,
                    progress: bool = False) -> Any:
    """Validate and score DATA_DIR into `out_dir` (validation.json, scorecards.csv, hr-report.xlsx)."""
    from .run import RunError, run_pipeline

    try:
        results, _code = run_pipeline(data_dir, out_dir, policy=policy, workers=workers, cache=cache,
                                      progress=progress)
    except (RunError, PolicyError) as exc:
        raise BuildError(str(exc), EXIT_USAGE) from None
    return results


def render_and_publish(results: Any, site_dir: Path, *, work_dir: Path, build_date: str | date | None = None,
                       templates_dir: Path | None = TEMPLATES_DIR, docs_dir: Path = DOCS_DIR,
                       config_path: Path = MKDOCS_CONFIG, progress: bool = False) -> None:
    """Pages -> mkdocs --strict into a temporary folder -> privacy gate -> swap into `site_dir`."""
    # A run's results are hundreds of thousands of objects without cycles: the collector's full
    # passes over them would cost more than the page generation itself (see cache.gc_paused).
    with gc_paused():
        _render_and_publish(results, site_dir, work_dir, build_date, templates_dir, docs_dir, config_path, progress)


def _render_and_publish(results: Any, site_dir: Path, work_dir: Path, build_date: str | date | None,
                        templates_dir: Path | None, docs_dir: Path, config_path: Path, progress: bool) -> None:
    build_date = build_date or date.today()
    build_date = build_date.isoformat() if isinstance(build_date, date) else str(build_date)
    work_docs = work_dir / "docs"
    work_dir.mkdir(parents=True, exist_ok=True)
    # The results pages are written by a forked process while mkdocs builds (pages/feed.py).
    feed = PageFeed(results, work_docs) if PageFeed.available() else None
    try:
        generate_docs(results, work_docs, build_date=build_date, docs_dir=docs_dir, templates_dir=templates_dir,
                      workers=cpus(), results_pages=feed is None)
    except MarkerError as exc:
        raise BuildError(str(exc), EXIT_USAGE) from None
    config = write_config(results, work_dir, work_docs, build_date, config_path)
    site_dir = site_dir.resolve()
    site_tmp = site_dir.with_name(f".{site_dir.name}.tmp-{os.getpid()}")
    if site_tmp.exists():
        shutil.rmtree(site_tmp)
    bar = None
    if progress:  # every Markdown page is one page mkdocs writes (and the privacy hook announces)
        pages = sum(1 for _ in work_docs.rglob("*.md")) + (feed.count() if feed is not None else 0)
        bar = ProgressBar(pages, label="生成网站页面")
    try:
        if feed is not None:
            feed.start()  # forks: before any thread of this process starts
        # The privacy gate works while mkdocs (a child process) builds, on the other core: its
        # needles are compiled in a thread, and the hook in the generated config announces every
        # page, which is scanned as soon as it is on disk (privacy/stream.py). Then every file of
        # the site is checked: pages scanned during the build whose bytes are unchanged are not
        # scanned twice.
        with ThreadPoolExecutor(1) as pool:
            matcher = pool.submit(prepare, results)
            stream = PageStream(matcher, site_tmp, progress=bar)
            stream.start()
            env, fds = stream.env(), (stream.write_fd,)
            if feed is not None:
                env, fds = {**env, **feed.env()}, (*fds, feed.read_fd)
            try:
                run_mkdocs(config, site_tmp, env=env, pass_fds=fds, started=feed.release if feed else None)
            except BuildError:
                _finish_feed(feed)  # a failed page process is the cause to report
                raise
            finally:
                known = stream.finish()
                if bar is not None:
                    bar.close()
            _finish_feed(feed)
            problems = scan_with(site_tmp, matcher.result(), workers=cpus(), known=known)
        if problems:
            listed = "\n".join(f"  - {_leak_text(p)}" for p in list(problems)[:20])
            raise BuildError(f"隐私检查发现 {len(problems)} 处问题,网站未发布:\n{listed}", EXIT_DATA_ERRORS)
        publish(site_tmp, site_dir)
    finally:
        if feed is not None:
            feed.stop()
        if site_tmp.exists():
            shutil.rmtree(site_tmp, ignore_errors=True)


def _finish_feed(feed: PageFeed | None) -> None:
    if feed is not None:
        try:
            feed.finish()
        except FeedError as exc:
            raise BuildError(str(exc), EXIT_USAGE) from None


def _leak_text(leak: Any) -> str:
    return leak.message() if callable(getattr(leak, "message", None)) else str(leak)


def write_config(results: Any, work_dir: Path, work_docs: Path, build_date: str, config_path: Path) -> Path:
    """The generated mkdocs config: docs_dir -> work folder, nav with every period, jieba words."""
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"无法读取网站配置 {config_path.name}:{exc}", EXIT_USAGE) from None
    config["docs_dir"] = str(work_docs.resolve())
    config["copyright"] = f"{config.get('copyright', '')} · 构建日期 {build_date}".strip(" ·")
    config["nav"] = expand_nav(config.get("nav") or [], results.periods)
    words = user_words(results)
    dictionary = work_dir / "jieba_user.txt"
    dictionary.write_text("".join(f"{line}\n" for line in words), encoding="utf-8")
    for i, plugin in enumerate(config.get("plugins") or []):
        if plugin == "search" or (isinstance(plugin, dict) and "search" in plugin):
            options = dict(plugin["search"] or {}) if isinstance(plugin, dict) else {}
            options["jieba_dict_user"] = str(dictionary.resolve())
            config["plugins"][i] = {"search": options}
    # the hooks for office pages written during the build and for the privacy gate (both inert
    # in a bare `mkdocs build`: see pages/mkdocs_hook.py and privacy/mkdocs_hook.py)
    config["hooks"] = [*(config.get("hooks") or []), str(PAGES_HOOK), str(PRIVACY_HOOK)]
    target = work_dir / "mkdocs.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def expand_nav(nav: list, periods: list[str]) -> list:
    """Add one nav entry per period under 考核结果, grouped by year, newest first."""
    years: dict[str, list[str]] = {}
    for period in periods:
        years.setdefault(period[:4], []).append(period)
    sections = []
    for year in sorted(years, reverse=True):
        entries = []
        for period in sorted(years[year], key=lambda p: (len(p) != 4, p), reverse=False):
            label = "年度考核" if len(period) == 4 else QUARTER_NAMES.get(period[-1], period)
            entries.append({label: f"results/{period}.md"})
        year_first = [e for e in entries if "年度考核" in e] + [e for e in reversed(entries) if "年度考核" not in e]
        sections.append({f"{year} 年": year_first})
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


def user_words(results: Any) -> list[str]:
    """Lines of jieba's user dictionary: office names, ids and regions kept whole; rate words split."""
    words = set()
    for office in results.dataset.reference.offices.values():
        words.update((office.name, office.office_id, office.region))
    for card in results.scorecards:
        words.update((card.office_name, card.office_id))
    cleaned = {clean_text(w, 40) for w in words if w}
    whole = sorted(w for w in cleaned if w and not any(ch.isspace() for ch in w))
    return ([f"{w} 100000" for w in whole] + [f"{w} 100000" for w in SEARCH_STEMS]
            + [f"{w} 1" for w in SEARCH_SPLIT])


def run_mkdocs(config: Path, site_tmp: Path, env: dict[str, str] | None = None, pass_fds: tuple[int, ...] = (),
               started: Callable[[], None] | None = None) -> None:
    """`mkdocs build --strict` into `site_tmp`; BuildError naming the warnings when it fails.

    `started` is called once mkdocs is running (it has its own copies of `pass_fds` by then).
    """
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
           "--site-dir", str(site_tmp)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                          errors="replace", env=env, pass_fds=pass_fds) as proc:
        try:
            if started is not None:
                started()
            stdout, stderr = proc.communicate()
        except BaseException:  # SIGTERM (lock.Terminated), Ctrl-C...: stop mkdocs too, as subprocess.run does
            proc.kill()
            raise
    if proc.returncode:
        lines = [line for line in (stderr + stdout).splitlines()
                 if line.startswith(("WARNING", "ERROR", "Error", "Aborted")) or "Error" in line]
        detail = "\n".join(f"  {line}" for line in lines[-20:]) or stderr[-2000:]
        raise BuildError(f"MkDocs 构建失败(严格模式下任何警告都视为错误):\n{detail}", EXIT_USAGE)


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
