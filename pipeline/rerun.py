"""Reruns that reuse the last run: when only a few offices' files changed, only those offices are
read, checked and scored again, and the three outputs are put together from what the last run
left for every other office.

Every run with a cache leaves a snapshot (`CACHE_DIR/runs/<data folder>.bin`): for each office
its files' hashes, its findings, its scorecards, its lines of validation.json and scorecards.csv
and its rows of hr-report.xlsx (rendered, or deflated: see report/xlsx_zip.py). A rerun then

1. discovers the files and looks up their hashes in the cache's stat index (nothing is read);
2. finds the offices whose folders gained, lost or changed a file;
3. validates and scores each of them alone, with the real checks and the real assessment;
4. ranks every period and awards the honours again over all offices (ranks move when one
   office's score does), and assembles the outputs, re-rendering only what changed.

An office is checked alone only where nothing about it depends on another office's files. A run
notes the offices that do (a workbook whose cover names another office, or one outside any
office folder), and a rerun that would touch one of them, the reference, the policy, a stray
file or the set of periods, or more than `MAX_OFFICES` offices, is a full run instead. The
snapshot is keyed on the policy's digest and on the bytes of this package's code, so it is never
used across a change of either. Tests compare every kind of rerun with a full run, byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache as cache_module
from . import checks, rerun_codec
from .assess import assess, period_sort_key
from .findings import ERROR, Finding
from .model import Results, Scorecard
from .report.hr_workbook import (
    Group,
    Sheet,
    card_tail,
    cards_by_office,
    source_group,
    start_package,
    submission_values,
    table_sheets,
)
from .report.scorecards import csv_utf8, row_prefixes
from .report.xlsx_zip import Piece
from .scoring import assign_ranks, award_honours
from .validation import (
    MISSING,
    _total_order,
    file_lines,
    submission_matrix,
    validate_items,
    write_json,
)

SNAPSHOT_FORMAT = "1"
MAX_OFFICES = 16  # beyond this many changed offices a full run is about as fast
DELTA_OFFICES = 64  # offices in a snapshot's delta before its base is written again
CARD_SHEETS = {"季度考核": "quarterly", "年度考核": "annual", "奖金": "quarterly", "荣誉与激励": "honours"}
MATRIX_SHEET, SOURCES_SHEET, FINDINGS_SHEET = "提交情况", "指标来源", "校验问题"


@dataclass
class OfficePart:
    """What the outputs hold of one office (its folders' files, its cards), as a rerun reuses it."""

    files: dict[str, str | None] = field(default_factory=dict)  # rel path -> sha256
    stamps: dict[str, tuple] = field(default_factory=dict)  # rel path -> (size, mtime, ctime, inode, dev)
    entangled: bool = False  # depends on, or affects, another office: never rerun alone
    findings: list[Finding] = field(default_factory=list)
    kpi_findings: dict[str, list[Finding]] = field(default_factory=dict)  # period -> N/A warnings
    file_lines: list[tuple[str, bytes]] = field(default_factory=list)  # validation.json `files`, UTF-8
    matrix: dict[str, dict[str, str]] = field(default_factory=dict)  # period -> form -> state
    accepted_periods: set[str] = field(default_factory=set)
    seen_periods: set[str] = field(default_factory=set)  # periods its files sit in on the board
    cards: list[Scorecard] = field(default_factory=list)  # without KPIs: for ranks, honours, charts
    csv: dict[str, bytes] = field(default_factory=dict)  # period -> scorecards.csv row before the rank
    rows: dict[str, dict[str, tuple[bytes, tuple]]] = field(default_factory=dict)  # sheet -> period -> row
    sources: tuple[Piece, int] | Group | None = None  # its 指标来源 rows, deflated, and their count


@dataclass
class Snapshot:
    key: str
    data_dir: str
    reference_sha: str | None
    discovered: list[Finding]
    other_findings: list[Finding]  # owned by no office (the reference's, strays')
    other_files: dict[str, str | None]
    other_stamps: dict[str, tuple]
    other_lines: list[tuple[str, bytes]]
    periods: list[str]
    target_periods: set[str]
    matrix_periods: list[str]
    offices: dict[str, OfficePart]
    groups: dict[str, dict[str, tuple[Piece, tuple]]]  # sheet -> period -> (rows deflated, their tails)
    token: str = ""  # names this base, for its delta
    changed: set[str] = field(default_factory=set)  # offices whose parts are in the delta


# ---------------------------------------------------------------------------------------------
# Who owns what


def folder_office(rel: str) -> str | None:
    folder = checks.folder_identity(rel)
    return folder[1] if folder else None


def entangled_offices(workbooks: Iterable) -> set[str]:
    """Offices a workbook ties to another office (its cover names another) or to no folder.

    A workbook's place on the board (checks.slot) is its folder's, or its cover's when the folder
    says nothing: either way one of these two, so the two are all there is to compare.
    """
    tied: set[str] = set()
    for wb in workbooks:
        if wb.path == checks.REFERENCE_FILE:
            continue
        home = folder_office(wb.path)
        if home is not None and isinstance(wb.office_id, str) and wb.office_id.strip() == home:
            continue  # its cover names its folder's office (or, if the cover is unusable, none)
        content = checks.content_identity(wb)
        cover = content[1] if content else None
        if home is None or (cover is not None and cover != home):
            tied |= {home, cover} - {None}
    return tied


# ---------------------------------------------------------------------------------------------
# From a run to parts


def build_parts(dataset, results: Results, matrix: dict, sheets: list[Sheet], lines: list[tuple[str, str]],
                prefixes: list[str], discovered: Iterable[Finding], offices: set[str] | None = None
                ) -> tuple[dict[str, OfficePart], list[Finding], dict[str, str | None], list[tuple[str, str]]]:
    """Each office's part of a run (of `offices`, default every office), and what belongs to none:
    (parts, other findings, other files, other file lines). The sheets must have been written."""
    parts: dict[str, OfficePart] = {}

    def part(office: str | None) -> OfficePart | None:
        if office is None or (offices is not None and office not in offices):
            return None
        found = parts.get(office)
        if found is None:
            found = parts[office] = OfficePart()
        return found

    if offices is None:
        for office in dataset.reference.offices:
            part(office)
    homes = {wb.path: folder_office(wb.path) for wb in dataset.workbooks}  # 32,000 paths: parsed once
    other_files: dict[str, str | None] = {}
    for wb in dataset.workbooks:
        home = homes[wb.path]
        if home is None:
            other_files[wb.path] = wb.sha256
        elif (p := part(home)) is not None:
            p.files[wb.path] = wb.sha256
    for office in entangled_offices(dataset.workbooks):
        if (p := part(office)) is not None:
            p.entangled = True
    other_lines = []
    for path, line in lines:  # kept as UTF-8, like the other texts a rerun only copies
        home = homes[path] if path in homes else folder_office(path)
        if home is None:
            other_lines.append((path, line.encode()))
        elif (p := part(home)) is not None:
            p.file_lines.append((path, line.encode()))
    # A finding belongs to its file's folder's office, or, on no file, to the office it names;
    # the reference's and strays' to none. Discovery's are made again by every run.
    skip = set(discovered)
    other_findings = []
    for f in dataset.findings:
        if f in skip:
            continue
        home = (homes[f.file] if f.file in homes else folder_office(f.file)) if f.file else (f.office_id or None)
        if home is None:
            other_findings.append(f)
        elif (p := part(home)) is not None:
            p.findings.append(f)
    for f in results.findings:
        if (home := part(f.office_id)) is not None:
            home.kpi_findings.setdefault(f.period, []).append(f)
    for (period, office, _), _wb in dataset.submissions.items():
        if (home := part(office)) is not None:
            home.accepted_periods.add(period)
    for period, row in matrix.items():
        for office, states in row.items():
            if (home := part(office)) is not None:
                home.matrix[period] = states
                # the board's places are the workbooks' slots: a period it has a file in
                if any(state != MISSING for state in states.values()):
                    home.seen_periods.add(period)
    for card, prefix in zip(results.scorecards, prefixes, strict=True):
        if (home := part(card.office_id)) is not None:
            home.cards.append(card)  # the snapshot keeps what ranks, honours and charts need
            home.csv[card.period] = prefix.encode()
    _take_rows(sheets, parts.get)
    return parts, other_findings, other_files, other_lines


def _take_rows(sheets: list[Sheet], part_of) -> None:
    """Give each office's part (`part_of(office)`, None to skip) its rows of the HR sheets: the
    card and submission rows as rendered, and its 指标来源 group (whose piece may still be being
    deflated: `_deflated` swaps it for the piece once the workbook is written)."""
    for sheet in sheets:
        if sheet.title == SOURCES_SHEET:
            for group in sheet.groups:
                if (home := part_of(group.key)) is not None:
                    home.sources = group
        elif sheet.title in CARD_SHEETS or sheet.title == MATRIX_SHEET:
            for group in sheet.groups:
                for office, prefix, tail in group.rows:
                    if (home := part_of(office)) is not None:
                        home.rows.setdefault(sheet.title, {})[group.key] = (prefix, tail)


def _groups(sheets: list[Sheet]) -> dict[str, dict[str, tuple[Piece, tuple]]]:
    return {s.title: {g.key: (g.piece, tuple((o, t) for o, _, t in g.rows)) for g in s.groups}
            for s in sheets if s.title in CARD_SHEETS or s.title == MATRIX_SHEET}


def snapshot_of(dataset, results: Results, matrix: dict, sheets: list[Sheet], lines, prefixes,
                discovered: list[Finding], key: str, stamps: dict[str, tuple]) -> Snapshot:
    """The snapshot a full run leaves; call `done` on it once the hr-report is written (while its
    pieces are being deflated, this runs alongside). `stamps`: `trusted_stamps` of the run's files."""
    parts, others, other_files, other_lines = build_parts(dataset, results, matrix, sheets, lines, prefixes,
                                                          discovered)
    for part in parts.values():
        part.stamps = {rel: stamps[rel] for rel in part.files if rel in stamps}
    reference = next((wb for wb in dataset.workbooks if wb.path == checks.REFERENCE_FILE), None)
    snap = Snapshot(key=key, data_dir=dataset.data_dir, reference_sha=reference.sha256 if reference else None,
                    discovered=list(discovered), other_findings=others, other_files=other_files,
                    other_stamps={rel: stamps[rel] for rel in other_files if rel in stamps},
                    other_lines=other_lines, periods=list(dataset.periods),
                    target_periods={p for (_, p) in dataset.reference.targets}, matrix_periods=sorted(matrix),
                    offices=parts, groups={})
    return snap


def _deflated(parts: Iterable[OfficePart]) -> None:
    """Each part's 指标来源 groups replaced by their pieces (the hr-report is written)."""
    for part in parts:
        if isinstance(part.sources, Group):
            part.sources = (part.sources.piece, part.sources.count)


def done(snap: Snapshot, sheets: list[Sheet]) -> Snapshot:
    """`snapshot_of`'s snapshot, completed with the pieces of the written hr-report's `sheets`."""
    _deflated(snap.offices.values())
    snap.groups = _groups(sheets)
    return snap


# ---------------------------------------------------------------------------------------------
# Storage


def snapshot_key(policy) -> str:
    """The policy's digest and the bytes of this package's code (and the snapshot's format)."""
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}\0{policy.digest}\0{sys.version}\0".encode())
    root = Path(__file__).parent
    for file in sorted(root.rglob("*.py")):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def snapshot_path(cache, data_dir: Path) -> Path:
    """The base file; its delta is next to it (`.delta`)."""
    name = hashlib.sha256(str(data_dir).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return Path(cache.root) / "runs" / f"{name}.bin"


def _delta_path(path: Path) -> Path:
    return path.with_suffix(".delta")


def _read(path: Path, key: str) -> tuple[str, bytes] | None:
    """(token, payload) of a file written by `_write` with `key`, or None."""
    try:
        with open(path, "rb") as f:
            head = f.readline().decode("ascii", "replace").split()
            if len(head) != 2 or head[0] != key:
                return None
            return head[1], f.read()
    except OSError:
        return None


def _write(path: Path, key: str, token: str, chunks: Iterable[bytes]) -> None:
    """Atomically (temporary file, then rename); raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(f"{key} {token}\n".encode("ascii"))
            f.writelines(chunks)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def forget_snapshot(cache, data_dir: Path) -> None:
    """Remove the data folder's snapshot and its delta (never raises)."""
    path = snapshot_path(cache, data_dir)
    for file in (path, _delta_path(path)):
        with contextlib.suppress(OSError):
            file.unlink()


def load_snapshot(path: Path, key: str) -> Snapshot | None:
    """The snapshot at `path` with its delta applied, if both are whole and made with `key`;
    a broken file is a miss, and is removed."""
    base = _read(path, key)
    if base is None:
        return None
    try:
        snap = rerun_codec.load_snapshot(base[1])
    except Exception:  # truncated, foreign or from another version
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    if snap.key != key or snap.token != base[0]:
        return None
    # Without its delta the base is older, but whole: its files' hashes say what changed since.
    delta = _read(_delta_path(path), key)
    if delta is not None and delta[0] == snap.token:
        try:
            offices, groups = rerun_codec.load_delta(delta[1])
        except Exception:
            with contextlib.suppress(OSError):
                _delta_path(path).unlink()
            return snap
        snap.offices.update(offices)
        snap.groups, snap.changed = groups, set(offices)
    return snap


def save_snapshot(path: Path, snap: Snapshot, fresh: Iterable[str] | None = None) -> threading.Thread:
    """Write the snapshot in a thread (join it before exit); never raises.

    After a full run (`fresh` None) the whole base is written. After a rerun only a delta: the
    parts of the offices changed since the base, and the groups; the base is rewritten once
    more than DELTA_OFFICES offices have changed.
    """
    if fresh is not None:
        snap.changed |= set(fresh)

    def write() -> None:
        try:
            if fresh is None or len(snap.changed) > DELTA_OFFICES:
                snap.token, snap.changed = os.urandom(8).hex(), set()
                _write(path, snap.key, snap.token, rerun_codec.dump_snapshot(snap))
                with contextlib.suppress(FileNotFoundError):
                    _delta_path(path).unlink()
            else:
                offices = {o: snap.offices[o] for o in snap.changed if o in snap.offices}
                _write(_delta_path(path), snap.key, snap.token, rerun_codec.dump_delta(offices, snap.groups))
        except Exception:  # a cache: a failed write only means the next run is a full one
            with contextlib.suppress(OSError):
                _delta_path(path).unlink()

    thread = threading.Thread(target=write, name="snapshot", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------------
# The rerun


@dataclass
class RerunDataset:
    """What a rerun knows of the dataset without reading it all: its findings and its files."""

    data_dir: str
    findings: list[Finding]
    workbooks: list[str]  # paths
    rescored: list[str] = field(default_factory=list)  # the offices checked and scored again

    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)


class Preload:
    """The data folder's snapshot, loaded by a thread while the run lists the files (both wait on
    the disk at times: together they take less time than one after the other)."""

    def __init__(self, cache, data_dir: Path, policy) -> None:
        self.path = snapshot_path(cache, data_dir)
        self._snap: Snapshot | None = None
        self._thread = threading.Thread(target=self._load, args=(snapshot_key(policy),), name="snapshot-load",
                                        daemon=True)
        self._thread.start()

    def _load(self, key: str) -> None:
        self._snap = load_snapshot(self.path, key)  # never raises: a bad file is a miss

    def result(self) -> Snapshot | None:
        self._thread.join()
        return self._snap


def rerun(data_dir: Path, reference_path: Path | None, items: list[tuple[str, str]], discovered: list[Finding],
          policy, cache, out: Path, preload: Preload | None = None) -> tuple[Results, threading.Thread | None] | str:
    """The outputs of a full run, from the snapshot and the changed offices: (results without
    KPIs, the thread writing the snapshot, if any); or, when a full run is needed instead, why
    (Chinese, for the run's summary). `preload`: the snapshot's loading, started earlier."""
    preload = preload or Preload(cache, data_dir, policy)
    path = preload.path
    snap = preload.result()
    if snap is None:
        return "没有可复用的上次运行(首次运行,或政策配置、程序已更新)"
    if discovered != snap.discovered:
        return "数据目录中不能读取的文件有变化"
    listed = ([(str(reference_path), checks.REFERENCE_FILE)] if reference_path is not None else []) + items
    before: dict[str, str | None] = dict(snap.other_files)
    stamps: dict[str, tuple] = dict(snap.other_stamps)
    for office_part in snap.offices.values():
        before.update(office_part.files)
        stamps.update(office_part.stamps)
    try:
        hashed, new_stamps = _changed_files(listed, before, stamps)
    except OSError:
        return "有文件在运行时被移动或删除"
    changed = {rel for rel, sha in hashed.items() if sha is None or sha != before.get(rel)}
    changed |= before.keys() - {rel for _, rel in listed}  # removed
    affected = {folder_office(rel) for rel in changed}
    if None in affected:
        return "reference.xlsx 或业务所文件夹之外的文件有改动"
    if len(affected) > MAX_OFFICES:
        return f"{len(affected)} 个业务所的文件有改动(超过 {MAX_OFFICES} 个)"
    tied = sorted(o for o in affected if o in snap.offices and snap.offices[o].entangled)
    if tied:
        return f"{'、'.join(tied)} 的文件与其他业务所有关联(封面上的所编号与文件夹不符)"
    known = {file: hashed[rel] if rel in hashed else before[rel] for file, rel in listed}
    cache = _KnownFiles(cache, known)
    fresh: dict[str, tuple] = {}
    for office in sorted(affected):
        done = _rescore(office, data_dir, reference_path, items, policy, cache, snap)
        if isinstance(done, str):
            return done
        fresh[office] = done
        done[1].stamps = {rel: new_stamps[rel] if rel in hashed else stamps[rel]
                          for rel in done[1].files if rel in new_stamps or (rel not in hashed and rel in stamps)}
    accepted = set(snap.target_periods)
    for office, office_part in snap.offices.items():
        accepted |= fresh[office][1].accepted_periods if office in fresh else office_part.accepted_periods
    if accepted != set(snap.periods):
        return "考核期间有变化"
    return _assemble(snap, fresh, discovered, policy, out, path, sorted(rel for _, rel in listed))


def _changed_files(listed: list[tuple[str, str]], before: dict[str, str | None], stamps: dict[str, tuple]
                   ) -> tuple[dict[str, str | None], dict[str, tuple]]:
    """Hash the files whose (size, mtime, ctime, inode, device) differ from the last run's:
    ({rel: sha256 or None when too large}, {rel: stamp of those that may be trusted next time}).

    The last run's own stamps are what the cache's stat index would say (see cache.file_sha256),
    without loading the index: a stamp taken within RACY_SECONDS of its run was never kept.
    """
    from .excel.guard import MAX_FILE_BYTES

    hashed: dict[str, str | None] = {}
    trusted: dict[str, tuple] = {}
    racy = time.time_ns() - int(cache_module.RACY_SECONDS * 1e9)
    stat, get = os.stat, stamps.get
    for file, rel in listed:
        info = stat(file)
        now = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        if get(rel) == now and rel in before:
            continue
        if now[0] > MAX_FILE_BYTES:
            hashed[rel] = None
            continue
        with open(file, "rb") as f:
            hashed[rel] = hashlib.sha256(f.read()).hexdigest()
        if now[1] < racy and now[2] < racy:
            trusted[rel] = now
    return hashed, trusted


class _KnownFiles:
    """The cache, told the hashes a rerun already knows: reading one office then neither stats
    its files again nor loads the stat index (32,000 entries) for them."""

    def __init__(self, cache, known: dict[str, str | None]) -> None:
        self._cache, self._known = cache, known

    def file_sha256(self, path, max_bytes: int | None = None) -> str | None:
        name = os.fspath(path)
        if name in self._known and self._known[name] is not None:
            return self._known[name]
        return self._cache.file_sha256(path, max_bytes)

    def remember(self, path, stamp: tuple, sha256: str) -> None:
        pass  # the snapshot keeps the stamps a rerun may trust

    def save(self) -> None:
        self._cache.save(partial=True)  # one office read: the pack keeps every other office's entries

    def __getattr__(self, name: str):
        return getattr(self._cache, name)


def trusted_stamps(cache, listed: Iterable[tuple[str, str]]) -> dict[str, tuple]:
    """{rel: stamp} of the files the cache's stat index holds and would keep (not racy)."""
    racy = time.time_ns() - int(cache_module.RACY_SECONDS * 1e9)
    known = getattr(cache, "stamps", lambda: {})()
    out = {}
    for file, rel in listed:
        st = known.get(os.fspath(file))
        if st is not None and st[1] < racy and st[2] < racy:
            out[rel] = st[:5]
    return out


def _rescore(office: str, data_dir: Path, reference_path: Path | None, items: list[tuple[str, str]], policy,
             cache, snap: Snapshot) -> tuple | str:
    """Validate and score one office alone: (dataset, its part so far, results, matrix), or why not."""
    mine = [(p, rel) for p, rel in items if folder_office(rel) == office]
    dataset = validate_items(data_dir, reference_path, mine, [], workers=1, cache=cache, periods=snap.periods,
                             offices={office})
    if entangled_offices(dataset.workbooks):
        return f"{office} 的文件与其他业务所有关联(封面上的所编号与文件夹不符)"
    # a file in a period the last run did not have changes every office's rows on the board
    seen = {place[0] for wb in dataset.workbooks if (place := checks.slot(wb))}
    old = snap.offices.get(office)
    if not seen <= set(snap.periods) or (old and not old.seen_periods <= set(snap.periods)):
        return "考核期间有变化"
    results = assess(dataset, policy, periods=snap.periods, offices={office})
    matrix = submission_matrix(dataset, periods=snap.matrix_periods, offices={office})
    parts, *_ = build_parts(dataset, results, matrix, [], file_lines(dataset), row_prefixes(results.scorecards),
                            [], offices={office})
    return dataset, parts.get(office, OfficePart()), results, matrix


def _assemble(snap: Snapshot, fresh: dict[str, tuple], discovered: list[Finding], policy, out: Path,
              path: Path, files: list[str]) -> tuple[Results, threading.Thread | None]:
    parts = dict(snap.offices)
    for office, (_, office_part, _, _) in fresh.items():
        parts[office] = office_part
    cards = [c for p in parts.values() for c in p.cards]
    by_period: dict[str, list[Scorecard]] = {}
    for card in cards:
        by_period.setdefault(card.period, []).append(card)
    for period_cards in by_period.values():
        assign_ranks(period_cards)
    award_honours([c for c in cards if c.cycle == "annual"], policy)
    cards.sort(key=lambda c: (period_sort_key(c.period), c.office_id))
    findings = sorted(set(discovered).union(snap.other_findings, *(p.findings for p in parts.values())),
                      key=_total_order)
    kpi_findings = [f for c in sorted(cards, key=lambda c: (c.cycle == "annual", c.period, c.office_id))
                    for f in parts[c.office_id].kpi_findings.get(c.period, ())]
    matrix: dict[str, dict[str, dict[str, str]]] = {p: {} for p in snap.matrix_periods}
    for office in sorted(parts):
        for period, states in parts[office].matrix.items():
            matrix[period][office] = states
    # any fresh office's dataset holds the reference (bonus bases, names); without one, none changed
    offices = next(iter(fresh.values()))[0].reference.offices if fresh else {}
    sheets = _sheets(snap, parts, fresh, cards, findings, kpi_findings, matrix, policy, offices)
    hr = start_package(policy, cards, sheets, out / "hr-report.xlsx")
    try:
        lines = sorted([*snap.other_lines, *(line for p in parts.values() for line in p.file_lines)])
        write_json(None, out / "validation.json", kpi_findings, matrix, files_utf8=[line for _, line in lines],
                   findings=findings, data_dir=snap.data_dir)
        (out / "scorecards.csv").write_bytes(
            csv_utf8([parts[c.office_id].csv[c.period] for c in cards], [c.rank for c in cards]))
    finally:
        hr.wait()
    fresh_parts = {office: done[1] for office, done in fresh.items()}
    _take_rows(sheets, fresh_parts.get)
    _deflated(fresh_parts.values())
    snap.groups = _groups(sheets)
    snap.offices = parts
    writer = save_snapshot(path, snap, fresh) if fresh else None  # nothing changed: nothing to write
    names = "、".join(sorted(fresh))
    note = f"复用上次运行的结果,只重新检查了 {names}。" if fresh else "复用上次运行的结果:没有文件改动。"
    result = Results(policy=policy, dataset=RerunDataset(snap.data_dir, findings, files, sorted(fresh)),
                     scorecards=cards, findings=kpi_findings, note=note)
    return result, writer


def _sheets(snap: Snapshot, parts: dict[str, OfficePart], fresh: dict[str, tuple], cards: list[Scorecard],
            findings: list[Finding], kpi_findings: list[Finding], matrix: dict, policy, offices: dict) -> list[Sheet]:
    """The table sheets: groups reused where neither their rows nor their tails changed."""
    sheets = table_sheets(policy, offices)
    full_cards = {(c.period, c.office_id): c for (_, _, results, _) in fresh.values() for c in results.scorecards}
    touched = set(fresh)
    names = {key: kpi.name for key, kpi in policy.kpis.items()}
    for sheet in sheets:
        if sheet.title in CARD_SHEETS:
            kind = CARD_SHEETS[sheet.title]
            chosen = [c for c in cards if (c.cycle == "annual") == (kind != "quarterly")
                      and (kind != "honours" or c.status == "scored")]
            sheet.groups = _card_sheet_groups(sheet, chosen, snap, parts, full_cards, touched)
        elif sheet.title == MATRIX_SHEET:
            sheet.groups = _matrix_sheet_groups(sheet, matrix, snap, parts, touched, offices)
        elif sheet.title == SOURCES_SHEET:
            mine = cards_by_office([c for (_, _, results, _) in fresh.values() for c in results.scorecards])
            sheet.groups = [source_group(o, mine.get(o, []), names) if o in touched
                            else Group(o, parts[o].sources[1], piece=parts[o].sources[0])
                            for o in cards_by_office(cards)]
        elif sheet.title == FINDINGS_SHEET:
            rows = [*findings, *kpi_findings]
            sheet.groups = [Group("findings", len(rows), rows, plain=True)]
    return sheets


def _card_sheet_groups(sheet: Sheet, chosen: list[Scorecard], snap: Snapshot, parts, full_cards,
                       touched) -> list[Group]:
    getters, k = [col.get for col in sheet.cols], sheet.tail_from
    by_period: dict[str, list[tuple[str, Any, tuple]]] = {}
    for card in chosen:
        if card.office_id in touched:
            values = [get(full_cards[(card.period, card.office_id)]) for get in getters[:k]]
        else:
            values = parts[card.office_id].rows[sheet.title][card.period][0]
        by_period.setdefault(card.period, []).append((card.office_id, values, card_tail(sheet, card)))
    return [Group(period, len(rows), rows, reuse=_before(snap, sheet.title, period))
            for period, rows in by_period.items()]


def _matrix_sheet_groups(sheet: Sheet, matrix: dict, snap: Snapshot, parts, touched, offices: dict) -> list[Group]:
    groups = []
    for period in sorted(matrix):
        rows = [(o, submission_values(period, o, matrix[period][o], offices) if o in touched
                 else parts[o].rows[sheet.title][period][0], ()) for o in sorted(matrix[period])]
        groups.append(Group(period, len(rows), rows, reuse=_before(snap, sheet.title, period)))
    return groups


def _before(snap: Snapshot, title: str, period: str) -> tuple[Piece, list] | None:
    """The group's piece in the last run and the rows it was made of (its offices' parts then)."""
    old = snap.groups.get(title, {}).get(period)
    if old is None:
        return None
    try:
        rows = [(o, snap.offices[o].rows[title][period][0], tail) for o, tail in old[1]]
    except KeyError:
        return None
    return old[0], rows


__all__ = ["MAX_OFFICES", "OfficePart", "Preload", "RerunDataset", "Snapshot", "done", "forget_snapshot", "load_snapshot", "rerun",
           "save_snapshot", "snapshot_key", "snapshot_of", "snapshot_path", "trusted_stamps"]
