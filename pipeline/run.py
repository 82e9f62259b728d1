"""The `run` command: validate DATA_DIR, assess, write validation.json, scorecards.csv, hr-report.xlsx.

Exit codes: 0 no errors (warnings allowed), 1 errors in the data (their office-periods are
`invalid`; everything valid is still scored and written), 2 usage or environment problem.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .assess import assess
from .cache import gc_paused
from .checks import REFERENCE_FILE
from .findings import ERROR, WARNING
from .model import STATUS_LABELS, Results
from .policy import Policy, PolicyError, load_policy
from .report import start_hr_report, write_scorecards_csv
from .report.scorecards import row_prefixes
from .rerun import (
    Preload,
    done,
    forget_snapshot,
    rerun,
    save_snapshot,
    snapshot_key,
    snapshot_of,
    snapshot_path,
    trusted_stamps,
)

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2
OUTPUTS = ("validation.json", "scorecards.csv", "hr-report.xlsx")
SHOWN_ERRORS = 10  # the terminal summary lists this many errors; the files have them all


class RunError(Exception):
    """A usage or environment problem (exit 2); the message is Chinese."""


def run_pipeline(data_dir: str | Path, out_dir: str | Path, policy: Policy | str | Path | None = None,
                 workers: int = 0, cache: Any = None, progress: bool = False,
                 reuse: bool = False) -> tuple[Results, int]:
    """Validate, assess and write the three outputs; returns (results, 0 or 1).

    `progress`: a reading bar on stderr (on a terminal, or off one for a long run; see ProgressBar).
    `reuse`: when only a few offices' files changed since the last run with this cache, check and
    score only those (pipeline/rerun.py). The results then carry no KPIs, and their dataset only
    the findings and file names: enough for the summary, not for the site.

    Raises PolicyError for an unusable policy config and RunError for a missing data folder or an
    unwritable output folder — both exit 2 in the command.
    """
    from .validation import discover, file_lines, submission_matrix, validate_items, write_json

    data = Path(data_dir)
    if not data.is_dir():
        raise RunError(f"数据目录不存在:{data}")
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    # Hundreds of thousands of small records and no reference cycles: the cyclic collector's
    # passes over the growing heap would cost a third of the run (see cache.gc_paused).
    if cache is not None and hasattr(cache, "wait"):
        cache.write_behind = True  # the cache files are written while the outputs are made
    out = Path(out_dir)
    with gc_paused(), _waiting_for(cache):
        absolute = data.absolute()  # absolute file paths: the cache's stat index keys
        snapshots = hasattr(cache, "root")  # a workbook cache on disk: runs leave a snapshot there
        preload = Preload(cache, absolute, policy) if reuse and snapshots else None
        reference_path, items, discovered = discover(absolute)
        note = ""
        try:
            out.mkdir(parents=True, exist_ok=True)
            if preload is not None:
                reused = _rerun(absolute, reference_path, items, discovered, policy, cache, out, preload)
                if not isinstance(reused, str):
                    results, writer = reused
                    if writer is not None:
                        writer.join()
                    return results, EXIT_DATA_ERRORS if results.dataset.error_count() else EXIT_OK
                note = f"完整运行:{reused}。"
        except OSError as exc:
            raise RunError(f"无法写入输出目录 {out}:{exc.strerror or exc}") from None
        dataset = validate_items(absolute, reference_path, items, discovered, workers=workers, progress=progress,
                                 cache=cache)
        results = assess(dataset, policy)
        results.note = note
        try:
            matrix = submission_matrix(dataset)  # both the JSON report and the HR workbook show it
            # the HR workbook first: its zip is deflated by a thread while the other two are written
            hr_report = start_hr_report(results, dataset, out / "hr-report.xlsx", matrix=matrix)
            try:
                with _switching_often():
                    lines = file_lines(dataset)
                    write_json(dataset, out / "validation.json", results.findings, matrix, files=lines)
                    prefixes = row_prefixes(results.scorecards)
                    write_scorecards_csv(results, out / "scorecards.csv", prefixes)
                    if snapshots:  # what the next rerun reuses, made while the zip is
                        listed = [(str(reference_path), REFERENCE_FILE)] if reference_path else []
                        snap = snapshot_of(dataset, results, matrix, hr_report.sheets, lines, prefixes,
                                           discovered, snapshot_key(policy),
                                           trusted_stamps(cache, listed + items))
            finally:
                hr_report.wait()
        except OSError as exc:
            raise RunError(f"无法写入输出目录 {out}:{exc.strerror or exc}") from None
        if snapshots:
            save_snapshot(snapshot_path(cache, absolute), done(snap, hr_report.sheets)).join()
    return results, EXIT_DATA_ERRORS if dataset.error_count() else EXIT_OK


def _rerun(data: Path, reference_path, items, discovered, policy, cache, out: Path, preload=None):
    """rerun.rerun; a snapshot it cannot use (a bug, or a file changed under it) means a full run,
    never a failed one: the snapshot is removed and the full run writes every output again."""
    try:
        return rerun(data, reference_path, items, discovered, policy, cache, out, preload)
    except OSError:
        raise  # the output folder: reported as such by the caller
    except Exception:
        forget_snapshot(cache, data)
        return "上次运行的快照无法使用"


@contextlib.contextmanager
def _switching_often(seconds: float = 0.00005):
    """A shorter GIL switch interval: a thread between two zlib calls gets the GIL back within
    50 µs instead of 5 ms (the HR workbook's zip otherwise finished well after the JSON)."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(min(saved, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(saved)


@contextlib.contextmanager
def _waiting_for(cache: Any):
    try:
        yield
    finally:
        if cache is not None and hasattr(cache, "wait"):
            cache.wait()


def summary(results: Results) -> str:
    """A short Chinese summary of a run for the terminal."""
    dataset = results.dataset
    errors = dataset.error_count()
    warnings = sum(1 for f in dataset.findings if f.severity == WARNING) + len(results.findings)
    lines = [f"共读取 {len(dataset.workbooks)} 个工作簿:错误 {errors} 个,警告 {warnings} 个。"]
    if results.note:
        lines.append(results.note)
    for period in results.periods:
        counts = Counter(c.status for c in results.for_period(period))
        parts = "、".join(f"{STATUS_LABELS[s]} {n}" for s, n in sorted(counts.items()))
        label = f"{period}年度" if len(period) == 4 else period
        lines.append(f"  {label}:{parts}")
    if errors:
        shown = [f for f in dataset.findings if f.severity == ERROR][:SHOWN_ERRORS]
        lines.append(f"错误(前 {len(shown)} 个):" if errors > len(shown) else "错误:")
        lines.extend(f"  - {f.display()}" for f in shown)
        lines.append("有错误的所-期间标为“数据有误”,未评分;全部问题见 validation.json 或 hr-report.xlsx 的“校验问题”。")
    return "\n".join(lines)


def run_command(args) -> int:
    """`python -m pipeline run DATA_DIR --out OUT_DIR [--policy FILE] [--workers N]`."""
    try:
        from .cache import open_cache  # the incremental cache (.cache/), unless --no-cache

        results, code = run_pipeline(args.data_dir, args.out, getattr(args, "policy", None),
                                     workers=getattr(args, "workers", 0) or 0,
                                     cache=open_cache(enabled=not getattr(args, "no_cache", False)),
                                     progress=True, reuse=True)
    except PolicyError as exc:
        print(f"政策配置有误:{exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(summary(results))
    print(f"已写出:{', '.join(str(Path(args.out) / name) for name in OUTPUTS)}")
    return code


__all__ = ["RunError", "run_command", "run_pipeline", "summary"]
