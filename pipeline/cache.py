"""The incremental cache: a workbook whose bytes have not changed is never parsed again.

An entry is the `Workbook` that reading one file produced, stored under

    CACHE_DIR/workbooks/<namespace>/<key[:2]>/<key>.bin

- `key` is the sha256 of the file's bytes (with its path relative to DATA_DIR mixed in when the
  caller gives it, because the reader's findings name the file);
- `namespace` is a hash of everything else the result depends on: every form's id, version and
  structure hash, the reader's `READER_VERSION`, python-calamine's version, the bytes of the reading code itself
  (`read.py`, `normalise.py`, `excel/`, `forms/`, `model.py`, `findings.py`), this module's
  format and the Python version. Change any of them and the old entries are simply never looked
  up again (and pruned after a day), so the cache never serves a stale result.

The policy is not part of the key: a changed policy rescores the cached workbooks without
reading them again (scoring always reruns — it is cheap).

Content is always hashed (sha256 over the bytes, ~1 GB/s); there is deliberately no
(path, size, mtime) shortcut, because a same-size rewrite within the filesystem's timestamp
granularity (or a restored backup, or a `git checkout`) would then be served stale.

Writes are atomic (temporary file + rename); an unreadable, truncated or foreign entry is a miss
and is removed. Deleting the cache directory is always safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import marshal
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .findings import Finding
from .model import Row, Workbook

CACHE_FORMAT = "2"  # bump when the entry layout changes
DEFAULT_DIR = ".cache"  # relative to the working directory (the repository root); gitignored
ENV_DIR = "PIPELINE_CACHE_DIR"
_MAGIC = b"OHSC2"
_STALE_SECONDS = 86_400  # other namespaces untouched this long are removed when a cache opens

# The code whose behaviour decides what reading a workbook yields (relative to pipeline/).
_READER_SOURCES = ("read.py", "normalise.py", "model.py", "findings.py", "excel", "forms")


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def code_version() -> str:
    """sha256 over the source bytes of the reading code: any edit there invalidates the cache."""
    digest = hashlib.sha256()
    root = _package_dir()
    for name in _READER_SOURCES:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()


def spec_version() -> str:
    """A hash over every form's identity and structure and the reader's own version constant."""
    from .forms import ALL_FORMS

    try:
        from . import read

        reader = str(getattr(read, "READER_VERSION", "0"))
    except ImportError:  # the reader is not there yet: the code hash still guards us
        reader = "absent"
    try:  # the parser's own version: an upgrade may read the same bytes differently
        from importlib.metadata import version

        calamine = version("python-calamine")
    except Exception:  # metadata unavailable (a vendored copy): the code hash still guards us
        calamine = "unknown"
    parts = [f"{f.id}:{f.version}:{f.structure_hash}" for f in ALL_FORMS] + [f"reader:{reader}", f"calamine:{calamine}"]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def namespace() -> str:
    """The directory name that ties entries to this spec, code, cache format and Python."""
    blob = "|".join((CACHE_FORMAT, spec_version(), code_version(), f"py{sys.version_info[0]}.{sys.version_info[1]}"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def content_hash(data: bytes) -> str:
    """The sha256 of a file's bytes, as stored on `Workbook.sha256`."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    dropped: int = 0  # corrupt or foreign entries removed

    def __str__(self) -> str:
        return f"缓存命中 {self.hits},未命中 {self.misses},写入 {self.writes}"


class WorkbookCache:
    """An on-disk map from a workbook's content hash (and path) to the `Workbook` read from it.

    `get` and `put` are what `excel.pool.read_workbooks` calls; both are safe to call from
    several processes at once, and neither ever raises for a bad entry or a full disk.
    """

    def __init__(self, root: str | Path, prune: bool = True, pinned_namespace: str | None = None):
        self.root = Path(root)
        # The benchmark pins the namespace of its first stage so that an edit to the reading code
        # in the middle of a measurement does not turn every later stage into a cold run.
        self.namespace = pinned_namespace or namespace()
        self.dir = self.root / "workbooks" / self.namespace
        self.stats = CacheStats()
        if prune:
            self._prune_stale()

    def __repr__(self) -> str:
        return f"WorkbookCache({str(self.root)!r})"

    # -- keys --------------------------------------------------------------------------------

    @staticmethod
    def key(sha256: str, path: str | None = None) -> str:
        """The entry key: the content hash, or a hash of content hash and relative path."""
        if path is None:
            return sha256
        return hashlib.sha256(f"{sha256}\0{path}".encode()).hexdigest()

    def entry_path(self, sha256: str, path: str | None = None) -> Path:
        key = self.key(sha256, path)
        return self.dir / key[:2] / f"{key}.bin"

    # -- the two calls the reader makes ------------------------------------------------------

    def get(self, sha256: str, path: str | None = None) -> Workbook | None:
        """The cached Workbook, or None on a miss (absent, corrupt, or for other bytes)."""
        file = self.entry_path(sha256, path)
        try:
            blob = file.read_bytes()
        except OSError:
            self.stats.misses += 1
            return None
        workbook = self._decode(blob, sha256, path)
        if workbook is None:
            self.stats.misses += 1
            self.stats.dropped += 1
            with contextlib.suppress(OSError):
                file.unlink()
            return None
        self.stats.hits += 1
        return workbook

    def put(self, sha256: str, workbook: Workbook, path: str | None = None) -> None:
        """Store a Workbook atomically; a failure to write only costs a future re-read."""
        if not sha256:
            return
        file = self.entry_path(sha256, path)
        payload = encode(workbook)
        if payload is None:
            return  # a value the codec does not know: not cached, so simply read again next time
        blob = _MAGIC + marshal.dumps((sha256, path, payload))
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=file.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(blob)
                os.replace(tmp, file)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self.stats.writes += 1

    # -- maintenance -------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every entry of every namespace."""
        shutil.rmtree(self.root / "workbooks", ignore_errors=True)

    def __len__(self) -> int:
        return sum(1 for _ in self.dir.glob("*/*.bin")) if self.dir.is_dir() else 0

    def _decode(self, blob: bytes, sha256: str, path: str | None) -> Workbook | None:
        if not blob.startswith(_MAGIC):
            return None
        try:
            stored_sha, stored_path, payload = marshal.loads(blob[len(_MAGIC):])
            if stored_sha != sha256 or stored_path != path:
                return None
            return decode(payload)
        except Exception:  # a truncated or garbled entry can raise almost anything
            return None

    def _prune_stale(self) -> None:
        base = self.root / "workbooks"
        try:
            others = [d for d in base.iterdir() if d.is_dir() and d.name != self.namespace]
        except OSError:
            return
        now = time.time()
        for d in others:
            try:
                if now - d.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                continue


# ---------------------------------------------------------------------------------------------
# The entry codec. marshal, not pickle: several times faster to load for millions of small
# values, and loading it can never run code, whatever is in the cache folder. Rows are stored as
# tuples under one key list per sheet; dates (which marshal lacks) as ordinals in the columns
# that hold them. A workbook with any other kind of value is simply not cached.

_PLAIN = frozenset((type(None), bool, int, float, str))
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_WORKBOOK_SIMPLE = tuple(f.name for f in dataclasses.fields(Workbook) if f.name not in ("cover", "tables", "findings"))
_ROW_FIELDS = frozenset(f.name for f in dataclasses.fields(Row))


class _Unencodable(Exception):
    pass


def _encode_rows(keys: tuple[str, ...], records: list[tuple]) -> tuple:
    """(keys, date columns, records) with the dates of date columns as ordinals."""
    dates = []
    for i in range(len(keys)):
        kinds = {type(r[i]) for r in records} - {type(None)}
        if kinds == {date}:
            dates.append(i)
        elif not kinds <= _PLAIN:
            raise _Unencodable(keys[i])
    if dates:
        records = [tuple(v.toordinal() if i in dates and v is not None else v for i, v in enumerate(r))
                   for r in records]
    return keys, tuple(dates), records


def encode(workbook: Workbook) -> tuple | None:
    """The marshal-able form of a Workbook, or None when it holds a value the codec does not know."""
    try:
        simple = tuple(getattr(workbook, name) for name in _WORKBOOK_SIMPLE)
        if any(type(v) not in _PLAIN for v in simple):
            raise _Unencodable("workbook")
        cover_keys = tuple(workbook.cover)
        cover = _encode_rows(cover_keys, [tuple(workbook.cover.values())])
        tables = {}
        for key, rows in workbook.tables.items():
            keys = tuple(rows[0].values) if rows else ()
            records = []
            for row in rows:
                if type(row) is not Row or row.__dict__.keys() != _ROW_FIELDS or tuple(row.values) != keys:
                    raise _Unencodable(key)
                records.append((*row.values.values(), row.number))
            tables[key] = _encode_rows((*keys, "#row"), records)
        findings = [tuple(getattr(f, name) for name in _FINDING_FIELDS) for f in workbook.findings]
        if any(type(v) not in _PLAIN for t in findings for v in t) or type(workbook.findings) is not list:
            raise _Unencodable("findings")
        return simple, cover, tables, findings
    except (_Unencodable, AttributeError, TypeError):
        return None


class _Dates(dict):
    """ordinal -> date, shared by every decoded row: one object per distinct day saves memory too."""

    def __missing__(self, ordinal: int) -> date:
        value = self[ordinal] = date.fromordinal(ordinal)
        return value


_DATES = _Dates()


def _restore_dates(values: dict[str, Any], names: tuple[str, ...], dates: tuple[int, ...]) -> None:
    for i in dates:
        name = names[i]
        if values[name] is not None:
            values[name] = _DATES[values[name]]


def decode(payload: tuple) -> Workbook:
    """The Workbook back from `encode`'s form (raises on anything malformed)."""
    simple, (cover_keys, cover_dates, (cover_values,)), tables, findings = payload
    cover = dict(zip(cover_keys, cover_values))
    _restore_dates(cover, cover_keys, cover_dates)
    new_row = object.__new__
    decoded: dict[str, list[Row]] = {}
    # Millions of new containers would set off the cyclic collector again and again, for nothing:
    # none of these objects can form a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for key, (keys, dates, records) in tables.items():
            names = keys[:-1]
            rows = []
            for record in records:
                values = dict(zip(names, record))
                if dates:
                    _restore_dates(values, names, dates)
                row = new_row(Row)
                row.__dict__.update(number=record[-1], values=values)
                rows.append(row)
            decoded[key] = rows
    finally:
        if enabled:
            gc.enable()
    workbook = Workbook(**dict(zip(_WORKBOOK_SIMPLE, simple)))
    workbook.cover = cover
    workbook.tables = decoded
    workbook.findings = [Finding(*f) for f in findings]
    return workbook


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while cached workbooks are loaded in bulk.

    Loading 32,000 cached workbooks creates millions of rows and no reference cycles; with the
    collector running, its full passes over the growing heap cost more than the loading itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rebind(workbook: Workbook, path: str) -> Workbook | None:
    """The same reading result for a file now found under `path` (same bytes, moved or copied).

    None when a finding's message spells out the old path, since rewriting text is not safe.
    """
    if workbook.path == path:
        return workbook
    old = workbook.path
    if old and any(old in f.message for f in workbook.findings):
        return None
    findings = [replace(f, file=path) if f.file == old else f for f in workbook.findings]
    return replace(workbook, path=path, findings=findings)


def default_cache_dir() -> Path:
    """`$PIPELINE_CACHE_DIR`, else `.cache` in the working directory."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


def open_cache(root: str | Path | None = None, enabled: bool = True) -> WorkbookCache | None:
    """The cache the commands use by default; None when disabled (`--no-cache`)."""
    if not enabled:
        return None
    return WorkbookCache(default_cache_dir() if root is None else root)


__all__ = [
    "CACHE_FORMAT", "CacheStats", "WorkbookCache", "code_version", "content_hash", "decode", "default_cache_dir",
    "encode", "gc_paused", "namespace", "open_cache", "rebind", "spec_version",
]
