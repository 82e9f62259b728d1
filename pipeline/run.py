"""The data stage: discover -> read (executor) -> check -> score -> write the outputs.

    facts   = collect(DATA_DIR)             every file's WorkbookFacts: from the cache, or read
                                            by the crash-isolated pool (pipeline.runtime)
    dataset = engine.assemble(facts)        cross-workbook checks, every finding
    dataset = engine.screen(dataset)        plausibility; HR's accepted findings (accepted.xlsx);
                                            then the private values findings quote hidden
                                            (outputs.privacy)
    results = engine.assess(dataset)        scorecards, ranks, bonuses, honours
    outputs                                 validation.json, scorecards.csv, a workbook per period

This module is the only one that knows about the executor: the intake, the engine and the
outputs never learn whether facts came from a worker, the cache or this process. Every output is
written to a temporary file and renamed into place; a period's workbook is written again only
when what it would contain changed (runtime.memo).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import marshal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .atomic import Batch
from .engine.assess import assess
from .engine.closed import CLOSED_FOLDER, BadRecord, changed_inputs, parse_record, unusable, valid_closable
from .engine.dataset import assemble, screen, total_order
from .engine.deadlines import timeliness
from .engine.model import Dataset, Results
from .engine.policy import Plausibility, Policy, PolicyError
from .engine.policy_history import PolicyHistory, load_history, single
from .engine.reference import build_reference
from .engine.submissions import submission_matrix
from .findings import ERROR, Finding, Refused
from .forms import ALL_FORMS
from .intake.discover import discover
from .intake.facts import WorkbookFacts, from_plain, to_plain
from .intake.layout import REFERENCE_FILE, SUBMISSIONS
from .intake.oserrors import os_reason
from .intake.read import file_level, read_facts, read_workbook, reader_identity
from .intake.received import receipts
from .outputs import period_workbook
from .outputs.form_workbook import Company, write_template
from .outputs.privacy import withhold_private
from .outputs.report_json import report_text, review_entries
from .outputs.scorecards_csv import render_csv
from .periods import is_year
from .runtime import pool
from .runtime.cache import ContentCache, Stamp, default_cache_dir, stamp
from .runtime.memo import OutputMemo

Progress = Callable[[int, int], None]
VALIDATION_JSON, SCORECARDS_CSV = "validation.json", "scorecards.csv"


class UsageError(Exception):
    """A usage or environment problem (the commands exit 2); the message is Chinese."""


@dataclass
class Collected:
    """What listing and reading DATA_DIR gave: every file's facts and discovery's findings."""

    facts: list[WorkbookFacts]
    found: list[Finding]
    reference_present: bool
    parsed: int = 0  # files read now (the others came from the cache)
    # rel -> the file's modification time (ns) as it was stamped while collecting: each file is
    # stat'ed once per run, and the board's lateness falls back on this time
    modified: dict[str, int] = field(default_factory=dict)


@dataclass
class RunOutcome:
    results: Results
    written: list[Path] = field(default_factory=list)  # outputs written by this run
    unchanged: list[Path] = field(default_factory=list)  # period workbooks already up to date
    parsed: int = 0


def open_cache(enabled: bool = True, root: str | Path | None = None) -> ContentCache | None:
    """The facts cache (`.cache/` unless PIPELINE_CACHE_DIR says otherwise), or None."""
    if not enabled:
        return None
    return ContentCache(Path(root) if root else default_cache_dir(), reader_identity())


# ---------------------------------------------------------------------------------------------
# Reading


def _read_encoded(item: tuple[str, str]) -> tuple[Stamp | None, bytes]:
    """In a worker: one file's facts, encoded as the cache keeps them, with the file's stamp
    taken before reading (a file changed meanwhile is hashed again next time)."""
    path, rel = item
    try:
        before = stamp(path)
    except OSError:
        before = None
    return before, marshal.dumps(to_plain(read_facts(path, rel)))


def _failed(item: tuple[str, str], failure: pool.Failure) -> tuple[None, bytes]:
    """The facts of a file its worker died on or overran its time with."""
    rel = item[1]
    if failure.timed_out:
        seconds = failure.seconds
        facts = file_level(rel, "file-timeout", seconds=str(int(seconds)) if seconds.is_integer() else f"{seconds:g}")
    elif failure.out_of_memory:
        facts = file_level(rel, "file-too-large", reason=f"解析时所需内存超过限制（进程信号 {-failure.exitcode}）")
    else:
        facts = file_level(rel, "file-unreadable", reason=f"解析程序异常退出（退出码 {failure.exitcode}）")
    return None, marshal.dumps(to_plain(facts))


def _cache_key(sha256: str, rel: str) -> str:
    return f"{sha256}\0{rel}"  # facts name their file: the same bytes elsewhere are other facts


def collect(data_dir: str | Path, *, workers: int = 0, cache: ContentCache | None = None,
            progress: Progress | None = None) -> Collected:
    """List DATA_DIR and read every workbook (cached facts for unchanged files)."""
    data = Path(data_dir).absolute()
    reference, items, found = discover(data)
    if reference is not None:
        items = [(str(reference), REFERENCE_FILE), *items]
    total = len(items)
    facts: list[WorkbookFacts | None] = [None] * total
    pending: list[int] = []
    cold = cache is None or cache.is_empty()
    modified: dict[str, int] = {}
    done = 0
    for index, (path, rel) in enumerate(items):
        blob = None
        if not cold:
            try:
                now = stamp(path)
                modified[rel] = now[1]
                blob = cache.get(_cache_key(cache.sha256(path, now), rel))
            except OSError:
                blob = None  # unreadable now: the reader says why
        if blob is None:
            pending.append(index)
            continue
        facts[index] = from_plain(marshal.loads(blob))
        done += 1
        if progress:
            progress(done, total)

    def arrived(_: int, __: object) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    encoded = pool.map_isolated(_read_encoded, [items[i] for i in pending], _failed, workers, done=arrived)
    for index, (before, blob) in zip(pending, encoded):
        read = from_plain(marshal.loads(blob))
        facts[index] = read
        if before is not None:
            modified[items[index][1]] = before[1]
        if cache is not None and read.sha256 and not any(f.code == "file-timeout" for f in read.findings):
            cache.put(_cache_key(read.sha256, read.path), blob)
            if before is not None:
                cache.remember(items[index][0], before, read.sha256)
    if cache is not None:
        cache.save()
    return Collected(facts=facts, found=found, reference_present=reference is not None, parsed=len(pending),
                     modified=modified)


def check(data_dir: str | Path, *, workers: int = 0, cache: ContentCache | None = None,
          progress: Progress | None = None, rules: Plausibility | None = None) -> tuple[Dataset, int]:
    """Read and check DATA_DIR, plausibility and HR's acceptances included: (the Dataset, how many
    files were parsed rather than cached). `rules`: the policy's plausibility bounds (default:
    those of the bundled policy.yaml)."""
    data = data_folder(data_dir)
    if rules is None:
        rules = load_policies(None).current.plausibility
    with pool.collector_paused():
        collected = collect(data, workers=workers, cache=cache, progress=progress)
        dataset = assemble(data.resolve().name or data.name, collected.facts, collected.found,
                           collected.reference_present)
        # when each submission arrived (intake's log, else the file's mtime): the board's lateness
        dataset.received = receipts(data, [f.path for f in dataset.workbooks if f.path.startswith(f"{SUBMISSIONS}/")],
                                    collected.modified)
        dataset = screen(dataset, rules)
        # a closed period's workbooks are compared with its record after HR's acceptances: a change
        # to a closed period is never accepted, only undone or reopened
        dataset = with_closed(dataset, data)
        # before anything shows a finding (the plausibility stage's too): a private value typed
        # into an ordinary cell, or into HR's reason for an acceptance, is hidden
        dataset = withhold_private(dataset)
    return dataset, collected.parsed


MAX_CLOSED_BYTES = 64 * 1024 * 1024


def read_closed(data: Path) -> tuple[dict[str, object], list[Finding]]:
    """Every record of DATA_DIR/closed/ verified (engine.closed); a finding for each unusable one."""
    folder = data / CLOSED_FOLDER
    records: dict[str, object] = {}
    found: list[Finding] = []
    try:
        paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    except OSError:
        paths = []
    for path in paths:
        period = path.stem
        if not valid_closable(period):
            found.append(unusable(period, "文件名应为期间（如 2026Q1.json 或 2026.json）"))
            continue
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_CLOSED_BYTES:
                raise BadRecord("不是普通文件或文件过大")
            plain = json.loads(path.read_text(encoding="utf-8"))
            records[period] = parse_record(period, plain)
        except OSError as exc:
            found.append(unusable(period, os_reason(exc)))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            found.append(unusable(period, "不是有效的 JSON 文本"))
        except BadRecord as exc:
            found.append(unusable(period, str(exc)))
    return records, found


def with_closed(dataset: Dataset, data: Path) -> Dataset:
    """The dataset with the closed records and a finding for each workbook of a closed period that changed."""
    records, found = read_closed(data)
    for record in records.values():
        if record.closed:
            found += changed_inputs(record, dataset.workbooks)
    if not records and not found:
        return dataset
    return dataclasses.replace(dataset, closed=records,
                               findings=sorted([*dataset.findings, *found], key=total_order))


REFERENCE_UNUSABLE = f"人力资源部基础数据 {REFERENCE_FILE} 缺失或无法使用（其中没有可用的业务所名单）"


def require_offices(dataset: Dataset, what: str, outcome: str) -> None:
    """Refused when HR's reference names no office (missing, not a workbook, the blank template):
    no office's forms can be told owed, checked against its target or scored. `what`: what cannot
    be done; `outcome`: what was therefore not written; the reference's errors say why."""
    if dataset.reference.offices:
        return
    why = [f for f in dataset.findings if f.file == REFERENCE_FILE and f.severity == ERROR]
    raise Refused(f"{what}：{REFERENCE_UNUSABLE}，{outcome}。", why)


def load_policies(policy: Policy | PolicyHistory | str | Path | None) -> PolicyHistory:
    """The policy versions in force: a Policy as given, else a file and the `policies/` beside it."""
    if isinstance(policy, PolicyHistory):
        return policy
    if isinstance(policy, Policy):
        return single(policy)
    try:
        return load_history(policy)
    except PolicyError as exc:
        raise UsageError(f"政策配置有误：{exc}") from None


def data_folder(data_dir: str | Path) -> Path:
    """DATA_DIR as a Path; UsageError (in Chinese, with the absolute path) when it is not a folder."""
    data = Path(data_dir)
    if not data.is_dir():
        raise UsageError(f"数据目录不存在：{data.absolute()}")
    return data


# ---------------------------------------------------------------------------------------------
# The whole data stage


def run(data_dir: str | Path, out_dir: str | Path, policy: Policy | PolicyHistory | str | Path | None = None, *, workers: int = 0,
        cache: ContentCache | None = None, progress: Progress | None = None) -> RunOutcome:
    """Check, score and write every output into `out_dir`.

    UsageError for a missing data folder, an unusable policy or an unwritable output folder;
    Refused, before anything is written, when the reference names no office.
    """
    policy = load_policies(policy)
    with pool.collector_paused():
        dataset, parsed = check(data_dir, workers=workers, cache=cache, progress=progress, rules=policy.current.plausibility)
        require_offices(dataset, "无法计算考核结果", "没有写出或更新任何文件")
        results = assess(dataset, policy)
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            outcome = write_outputs(results, out, cache, workers)
        except OSError as exc:
            raise UsageError(f"无法写入输出目录 {out.absolute()}：{os_reason(exc, '写入')}") from None
    outcome.parsed = parsed
    return outcome


def write_outputs(results: Results, out: Path, cache: ContentCache | None = None, workers: int = 0) -> RunOutcome:
    """validation.json, scorecards.csv and each period's workbook whose content changed.

    Forked processes that inherit the results digest each recorded period's content while this one
    makes the report and the CSV; then only the periods whose digest changed are made again here and
    rendered by forked processes that inherit just those contents (plain rows: a child copies the
    pages it touches, and rendering the workbook takes much memory of its own). All are written
    to temporary files and renamed into place together, so a failure while writing (a full disk)
    leaves the previous outputs whole.
    """
    outcome = RunOutcome(results)
    memo = OutputMemo(cache.root / "outputs" if cache is not None else None, out)
    paths = {period: out / period_workbook.file_name(period) for period in results.periods}
    inputs = inputs_digest(results)
    texts = [out / VALIDATION_JSON, out / SCORECARDS_CSV]
    if memo.made_from([*texts, *paths.values()], inputs):
        outcome.unchanged = [*texts, *paths.values()]
        return outcome
    matrix = submission_matrix(results.dataset)
    board = timeliness(results.dataset, matrix)
    count = workers if workers > 0 else pool.cpus()
    # a workbook the memo has no record of (a first run, a file removed) is made whatever its digest
    recorded = {period: memo.recorded(path) for period, path in paths.items()}
    compare = [period for period, known in recorded.items() if known is not None]
    with pool.forked(_digest, (results, matrix, board), compare, min(count, len(compare))) as digests:
        report = report_text(results.dataset, matrix, results.findings, review_entries(results))
        csv = render_csv(results)
        digest = dict(digests())
    stale = {period: period_workbook.content(results, period, matrix, board)
             for period in paths if digest.get(period) is None or digest[period] != recorded[period]}
    digest.update({period: period_workbook.content_digest(made) for period, made in stale.items() if period not in digest})
    # the years first: the largest workbooks, so that the processes finish together
    order = sorted(stale, key=lambda p: not is_year(p))
    rendered = dict(pool.map_forked(_render, (stale, period_workbook.made_at()), order, min(count, len(order))))
    with Batch() as batch:
        batch.write_text(out / VALIDATION_JSON, report)
        batch.write_bytes(out / SCORECARDS_CSV, csv)
        for period in order:
            batch.write_bytes(paths[period], rendered[period])
    outcome.written = [out / VALIDATION_JSON, out / SCORECARDS_CSV, *(paths[p] for p in order)]
    outcome.unchanged = [paths[p] for p in results.periods if p not in stale]
    for period in order:
        memo.record(paths[period], digest[period], hashlib.sha256(rendered[period]).hexdigest(), inputs)
    for period in paths.keys() - stale.keys():
        memo.vouch(paths[period], inputs)
    for path, text in zip(texts, (report.encode("utf-8"), csv)):
        memo.record(path, inputs, hashlib.sha256(text).hexdigest(), inputs)
    memo.save()
    return outcome


def inputs_digest(results: Results) -> str:
    """A digest of everything a run's results are made from (runtime.memo): each file read (its
    path, the sha256 of its bytes and its findings' codes: a file that could not be read
    completely is not a pure function of its bytes), when each arrived, the closed records, the
    policy versions, the data folder's name and the code."""
    dataset = results.dataset
    files = tuple((f.path, f.sha256, tuple(x.code for x in f.findings)) for f in dataset.workbooks)
    received = tuple((rel, r.at.timestamp(), r.estimated) for rel, r in sorted(dataset.received.items()))
    closed = json.dumps({p: r.plain for p, r in sorted(dataset.closed.items())}, sort_keys=True, default=str)
    digest = hashlib.sha256(code_identity().encode())
    # the findings of listing the folder too (a stray file is no workbook read, but a finding)
    found = tuple((f.code, f.file, f.sheet, f.cell, str(f.row)) for f in dataset.findings)
    for part in (marshal.dumps((files, received, found), 2), closed.encode(),
                 repr(results.policies or results.policy).encode(), dataset.data_dir.encode()):
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()


@functools.cache
def code_identity() -> str:
    """A digest of this package's source code and of the libraries the outputs are made with."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    for library in ("python-calamine", "XlsxWriter", "PyYAML"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
    return digest.hexdigest()


def _digest(state: tuple, period: str) -> tuple[str, str]:
    """A period's content digest (in a forked child)."""
    results, matrix, board = state
    return period, period_workbook.content_digest(period_workbook.content(results, period, matrix, board))


def _render(state: tuple, period: str) -> tuple[str, bytes]:
    """A period's workbook rendered from its content (in a forked child)."""
    contents, moment = state
    return period, period_workbook.render(contents[period], moment)


# ---------------------------------------------------------------------------------------------
# A company's templates


def company(data_dir: str | Path, today: date | None = None) -> Company:
    """What the company's templates know: the offices of DATA_DIR's reference and the quarters of
    the current year. UsageError when the folder has no reference with offices yet."""
    data = data_folder(data_dir)
    path = data / REFERENCE_FILE
    if not path.is_file():
        raise UsageError(f"数据目录中没有 {REFERENCE_FILE}，无法生成带业务所名单的模板；"
                         "尚无基础数据时请不带 --data 生成通用模板")
    reference, _ = build_reference(read_workbook(path, REFERENCE_FILE))
    if not reference.offices:
        raise UsageError(f"{REFERENCE_FILE} 的《业务所》表中没有可用的业务所，无法生成带业务所名单的模板")
    year = (today or date.today()).year
    offices = tuple(sorted((office.office_id, office.name) for office in reference.offices.values()))
    return Company(offices=offices, periods=tuple(f"{year}Q{q}" for q in range(1, 5)))


def company_templates(data_dir: str | Path, out_dir: str | Path, today: date | None = None) -> list[Path]:
    """Write every template into `out_dir`, the office forms knowing DATA_DIR's offices and the
    current year's quarters (the cover's dropdowns)."""
    known = company(data_dir, today)
    return [write_template(form, Path(out_dir), known if form.has_cover else None) for form in ALL_FORMS]


__all__ = ["REFERENCE_UNUSABLE", "SCORECARDS_CSV", "VALIDATION_JSON", "Collected", "RunOutcome", "UsageError", "check",
           "code_identity", "collect", "data_folder", "inputs_digest", "require_offices",
           "company", "company_templates", "load_policies", "open_cache", "read_closed", "run", "with_closed",
           "write_outputs"]
