"""The fictional company on disk: reference.xlsx and submissions/<period>/<office>/<form>.xlsx.

Every workbook is written by the form writer (outputs.form_workbook), so the sample, `demo`
and the benchmark's company have exactly the templates' layout. A large company is written by
several processes, a share of the offices each; every office's rows depend only on the
parameters and its own seeded streams, so the files are the same whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..atomic import write_bytes
from ..forms import OFFICE_FORMS, REFERENCE, REVIEWS, get_form
from ..forms.values import printable
from ..intake.received import write_log
from ..outputs.form_workbook import FIXED_TIME, form_workbook_bytes
from ..periods import Period
from .company import (
    BENCH,
    DEMO,
    OfficeData,
    Specials,
    Volume,
    head_rows,
    office_data,
    office_list,
    people_for,
    periods_of,
    reference_offices,
    review_rows,
    specials_for,
)

Progress = Callable[[int, int], None]

# The description every generated workbook carries (File › Info in Excel): it says the data is
# fictional, and it is how an earlier run's files are told apart from anyone else's.
COMMENTS = "示例数据：由示例数据生成器写入，内容均为虚构。"
GENERATOR_VERSION = "6"  # bump when the generated content changes, so cached companies are rebuilt
PARAMS_FILE = "company.json"
REFERENCE_ROWS_FILE = "reference-rows.json"
DEADLINE_DAYS = 15
# the sample's one late submission (the site's 提交情况 shows it): this office's form of the latest quarter
LATE_OFFICE, LATE_FORM, LATE_DAYS = "BJ01", "clients.xlsx", 3
_OFFICES_PER_JOB = 4  # a share small enough for a steady progress bar, large enough to be cheap
_DISK_THREADS = 2


class DemoError(Exception):
    """The parameters cannot make a company (message in Chinese)."""


@dataclass
class Summary:
    """What `generate` wrote."""

    out: Path
    offices: list[str]
    periods: list[str]
    files: list[str]  # paths relative to `out`, '/'-separated, sorted
    not_submitted: list[str]  # the deliberately missing files
    specials: Specials
    reference: dict[str, list[dict[str, Any]]]  # the rows of reference.xlsx, by sheet key
    removed: list[str] = field(default_factory=list)  # an earlier run's untouched workbooks this one did not write


def generate(out: Path, offices: int = 12, years: tuple[int, ...] = (2025, 2026), seed: int = 7, workers: int = 1,
             progress: Progress | None = None, volume: Volume = DEMO) -> Summary:
    """Write reference.xlsx and submissions/<period>/<office>/<form>.xlsx of a fictional company into `out`.

    `workers` > 1 writes the offices in that many processes (same files). `progress(done, total)`
    counts workbooks. Generated workbooks of an earlier run that this one does not write are
    removed; no other file is ever touched.
    """
    if offices < 1 or not years:
        raise DemoError("至少需要 1 个业务所和 1 个年度")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    periods = periods_of(tuple(years))
    listed = office_list(offices, seed)
    sp = specials_for(offices, periods)
    plan = _Plan(str(out), periods, sp, seed, volume, people_for(listed, seed, volume))
    total = offices * len(periods) * len(OFFICE_FORMS) + 1
    done = 0
    results: list[_Written] = []
    jobs = [list(enumerate(listed))[start:start + _OFFICES_PER_JOB] for start in range(0, offices, _OFFICES_PER_JOB)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            futures = [pool.submit(_write_offices, plan, job) for job in jobs]
            try:
                for future in as_completed(futures):
                    written = future.result()
                    results += written
                    done += _count(written)
                    if progress:
                        progress(done, total)
            except BaseException:  # a failed write or Ctrl-C: do not write the rest first
                for future in futures:
                    future.cancel()
                raise
    else:
        for job in jobs:
            written = _write_offices(plan, job)
            results += written
            done += _count(written)
            if progress:
                progress(done, total)
    results.sort(key=lambda w: w.index)
    reference = _reference_rows(listed, [t for w in results for t in w.targets], periods, sp, seed, volume)
    write_bytes(out / REFERENCE.filename, form_workbook_bytes(REFERENCE, rows=reference, comments=COMMENTS))
    reviewed = []
    if volume.reviews:
        write_bytes(out / REVIEWS.filename, form_workbook_bytes(REVIEWS, rows=review_rows(listed, sp), comments=COMMENTS))
        reviewed.append(REVIEWS.filename)
    if progress:
        progress(total, total)
    files = ["reference.xlsx", *reviewed, *(f for w in results for f in w.files)]
    removed = _remove_stale(out, set(files))
    if volume == DEMO:  # the sample's received dates, as intake would have logged them
        write_log(out, received_rows(out, sorted(f for w in results for f in w.files)))
    return Summary(out, [o["office_id"] for o in listed], [str(p) for p in periods], sorted(files),
                   sorted(f for w in results for f in w.missing), sp, reference, removed)


def _count(written: list[_Written]) -> int:
    """Workbooks an office job accounts for, the deliberately missing ones included."""
    return sum(len(w.files) + len(w.missing) for w in written)


@dataclass(frozen=True)
class _Plan:
    """What every process needs to write its offices (sent once per job; small)."""

    out: str
    periods: list[Period]
    specials: Specials
    seed: int
    volume: Volume
    people: tuple[str, ...] | None


@dataclass
class _Written:
    index: int
    targets: list[dict[str, Any]]
    files: list[str]
    missing: list[str]


def _write_offices(plan: _Plan, job: list[tuple[int, dict[str, Any]]]) -> list[_Written]:
    """In a worker (or this process): generate and write the offices of one job."""
    out = Path(plan.out)
    written = []
    # Each atomic write waits for its fsync; threads let that wait overlap the next workbook.
    with ThreadPoolExecutor(max_workers=_DISK_THREADS) as disk:
        pending = []
        for index, office in job:
            data = office_data(index, office, plan.periods, plan.specials, plan.seed, plan.volume, plan.people)
            files, missing = [], []
            for period in plan.periods:
                key = str(period)
                for form in OFFICE_FORMS:
                    rel = f"submissions/{key}/{office['office_id']}/{form.filename}"
                    if form.id not in data.forms[key]:
                        missing.append(rel)
                        continue
                    dest = out / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    pending.append(disk.submit(write_bytes, dest, _submission(data, key, form.id)))
                    files.append(rel)
            written.append(_Written(index, data.targets, files, missing))
        for future in pending:
            future.result()  # the first failed write raises here
    return written


def _submission(data: OfficeData, period: str, form_id: str, variant: int = 0) -> bytes:
    rows = data.forms[period][form_id]
    if variant:
        rows = _vary(form_id, rows, variant)
    return form_workbook_bytes(get_form(form_id), cover=data.covers[period], rows=rows, comments=COMMENTS)


def _vary(form_id: str, rows: dict[str, list[dict]], variant: int) -> dict[str, list[dict]]:
    """The rows with `variant` added to the first number of the last sheet's first row."""
    sheet = get_form(form_id).sheets[-1]
    table = [dict(r) for r in rows[sheet.key]]
    for f in sheet.fields:
        if f.type.kind == "number" and table and table[0].get(f.key) is not None:
            table[0][f.key] = round(float(table[0][f.key]) + variant, 2)
            break
    return {**rows, sheet.key: table}


# ---------------------------------------------------------------------------------------------
# One file at a time (the benchmark changes one workbook; tests compare the bundled sample)


def submission_bytes(offices: int, index: int, period: str, form_id: str, *, years: tuple[int, ...] = (2025, 2026),
                     seed: int = 7, volume: Volume = DEMO, variant: int = 0) -> bytes:
    """The bytes `generate` writes for one office's form of one period; `variant` > 0 adds it to
    the first number of the form's last sheet (the same file, changed: a resubmission)."""
    periods = periods_of(tuple(years))
    listed = office_list(offices, seed)
    people = people_for(listed, seed, volume)
    data = office_data(index, listed[index], periods, specials_for(offices, periods), seed, volume, people)
    return _submission(data, period, form_id, variant)


def reference_bytes(offices: int, years: tuple[int, ...] = (2025, 2026), seed: int = 7,
                    volume: Volume = DEMO) -> bytes:
    """The reference.xlsx `generate` writes (every office's rows are generated: a cost per office)."""
    periods = periods_of(tuple(years))
    listed = office_list(offices, seed)
    sp = specials_for(offices, periods)
    people = people_for(listed, seed, volume)
    targets = [t for i, o in enumerate(listed) for t in office_data(i, o, periods, sp, seed, volume, people).targets]
    return form_workbook_bytes(REFERENCE, rows=_reference_rows(listed, targets, periods, sp, seed, volume),
                               comments=COMMENTS)


def _reference_rows(listed: list[dict[str, Any]], targets: list[dict[str, Any]], periods: list, sp: Specials,
                    seed: int, volume: Volume) -> dict[str, list[dict[str, Any]]]:
    """The rows of reference.xlsx: offices (所长 = the current head), targets and, unless the volume
    says not, 所长任职."""
    rows = {"offices": reference_offices(listed, sp, seed, volume), "targets": targets}
    if volume.head_change:
        rows["heads"] = head_rows(listed, periods, sp, seed)
    if volume == DEMO:  # the sample's deadlines (a benchmark company's reference is rebuilt without them)
        rows["schedule"] = [{"period": str(p), "deadline": deadline(p)} for p in periods]
    return rows


def deadline(period: Period) -> date:
    """The sample's filing deadline: the 15th day after the quarter ends."""
    return period.end + timedelta(days=DEADLINE_DAYS)


def received_at(rel: str, latest: str) -> datetime:
    """When the sample's file `submissions/<期间>/<所编号>/<form>.xlsx` arrived: a few days before the
    deadline, by a rule of its place; the latest quarter's first clients form three days late."""
    _, period, office, name = rel.split("/")
    if period == latest and name == LATE_FORM and office == LATE_OFFICE:
        days = -LATE_DAYS
    else:
        days = 1 + (sum(map(ord, office + name)) + int(period[-1])) % 9
    return datetime.combine(deadline(Period.parse(period)) - timedelta(days=days), time(9, 30))


def received_rows(out: Path, files: list[str]) -> list[tuple[str, str, datetime]]:
    """The received-date log's rows of the sample's submissions (path, sha256, when)."""
    latest = max((f.split("/")[1] for f in files), key=lambda p: Period.parse(p).start, default="")
    return [(rel, hashlib.sha256((out / rel).read_bytes()).hexdigest(), received_at(rel, latest)) for rel in files]


# ---------------------------------------------------------------------------------------------
# A company kept between runs (the benchmark's)


@dataclass(frozen=True)
class Company:
    """A generated company kept under a folder (`root/data`), and what it holds."""

    data_dir: Path
    offices: tuple[str, ...]
    periods: tuple[str, ...]
    files: int

    def reference_bytes(self, n: int) -> bytes:
        """reference.xlsx of the first `n` offices (a smaller company made of this one's files)."""
        rows = json.loads((self.data_dir.parent / REFERENCE_ROWS_FILE).read_text("utf-8"))
        kept = set(self.offices[:n])
        return form_workbook_bytes(REFERENCE, comments=COMMENTS, rows={
            "offices": [o for o in rows["offices"] if o["office_id"] in kept],
            "targets": [t for t in rows["targets"] if t["office_id"] in kept]})


def ensure_company(root: str | Path, offices: int = 1000, years: tuple[int, ...] = (2025, 2026), seed: int = 7,
                   workers: int = 1, progress: Progress | None = None,
                   volume: Volume | None = None) -> tuple[Company, bool]:
    """The company under `root/data`, generated only when missing or made with other parameters.

    Returns (company, generated). The parameters file is written last, so an interrupted
    generation is redone rather than reused. `volume` defaults to the benchmark's (BENCH). The
    reference's rows are kept beside it, for `Company.reference_bytes`.
    """
    volume = volume or BENCH
    root = Path(root)
    years = tuple(sorted(years))
    params = {"offices": offices, "years": list(years), "seed": seed, "volume": repr(volume),
              "generator": GENERATOR_VERSION}
    marker = root / PARAMS_FILE
    try:
        stored = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        stored = None
    if stored == params and (root / REFERENCE_ROWS_FILE).is_file():
        periods = tuple(str(p) for p in periods_of(years))
        ids = tuple(o["office_id"] for o in office_list(offices, seed))
        files = sum(1 for _ in (root / "data").glob("submissions/*/*/*.xlsx")) + 1
        return Company(root / "data", ids, periods, files), False
    marker.unlink(missing_ok=True)
    summary = generate(root / "data", offices, years, seed, workers, progress, volume)
    write_bytes(root / REFERENCE_ROWS_FILE, json.dumps(summary.reference, ensure_ascii=False, default=str).encode("utf-8"))
    write_bytes(marker, json.dumps(params, ensure_ascii=False).encode("utf-8"))
    return Company(summary.out, tuple(summary.offices), tuple(summary.periods), len(summary.files)), True


# ---------------------------------------------------------------------------------------------
# Where `demo` may write


def target_problem(out: Path, force: bool = False) -> str | None:
    """Why `demo` must not write into `out` (Chinese), or None.

    A folder that already holds anything may be someone's data: generating into it would replace
    every workbook of the same name, edited or not. Only `force` allows it (regenerating the
    bundled sample: `--out sample_data --force`).
    """
    if out.exists() and not out.is_dir():
        return f"“{out}”是一个文件，请给出要写入示例数据的目录。"
    if force or not out.exists():
        return None
    entries = sorted(entry.name for entry in out.iterdir())
    if not entries:
        return None
    example = "、".join(f"“{printable(name, limit=40)}”" for name in entries[:3]) + ("等" if len(entries) > 3 else "")
    return (f"目录“{out}”不是空的（已有 {example}）。生成示例数据会覆盖其中同名的工作簿；"
            "请换一个空目录，或确认可以覆盖后加 --force。")


# ---------------------------------------------------------------------------------------------
# Telling our files from anyone else's


def is_generated(path: Path) -> bool:
    """True for a workbook this generator wrote and nobody saved since (Excel or WPS change its
    `modified` time; the description alone survives their saves)."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    modified = re.search(r"<dcterms:modified[^>]*>([^<]*)<", core)
    return f"<dc:description>{COMMENTS}</dc:description>" in core and modified is not None and \
        modified.group(1) == stamp


def _remove_stale(out: Path, written: set[str]) -> list[str]:
    """Delete the workbooks of an earlier run that this run did not write (never one saved since in
    Excel or WPS), and the folders that removing them left empty; returns what was deleted."""
    emptied: set[Path] = set()
    removed = []
    for path in sorted((out / "submissions").glob("*/*/*.xlsx")):
        if path.relative_to(out).as_posix() not in written and is_generated(path):
            path.unlink()
            removed.append(path.relative_to(out).as_posix())
            emptied |= {path.parent, path.parent.parent}
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):  # office folders first
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed
