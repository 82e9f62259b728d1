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

Finding a file's sha256 without reading it (`file_sha256`): like git's index, the cache keeps
each file's (size, mtime, ctime, inode, device) next to the hash it had, in `CACHE_DIR/files.bin`,
and hashes again whenever any of them differs. ctime cannot be set from user space and changes
with every write, `touch` or restore (a backup restored with its old mtime still gets a new
ctime), and a replaced file has a new inode. The one blind spot — a same-size rewrite within one
tick of the file system's clock — is closed as git closes it: a file changed less than
`RACY_SECONDS` before the index is saved is not remembered, so it is hashed again next time.

Entries are loose files at first; once enough have piled up, the next save folds every entry the
run used into one `pack.bin` per namespace (and removes those loose files), so a rerun over
32,000 workbooks opens one file rather than 32,000. A rerun that changes a handful adds loose
files and leaves the pack alone.

Writes are atomic (temporary file + rename); an unreadable, truncated or foreign entry (or pack)
is a miss and is removed. Deleting the cache directory is always safe.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import mmap
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .cache_codec import MAGIC, decode, encode, entry_blob, entry_workbook
from .model import Workbook

CACHE_FORMAT = "5"  # bump when the entry layout (cache_codec.py) changes
DEFAULT_DIR = ".cache"  # relative to the working directory (the repository root); gitignored
ENV_DIR = "PIPELINE_CACHE_DIR"
_STALE_SECONDS = 86_400  # other namespaces untouched this long are removed when a cache opens
_PACK_MAGIC = b"OHSP2"
_FILES_MAGIC = b"OHSF1"
RACY_SECONDS = 3.0  # files changed this recently when the index is saved are hashed again next time

# The code whose behaviour decides what reading a workbook yields (relative to pipeline/).
_READER_SOURCES = ("read.py", "normalise.py", "model.py", "findings.py", "excel", "forms",
                   # what a workbook's Summary is made by (summary.py)
                   "summary.py", "kpi.py", "checks.py", "privacy/values.py", "privacy/match.py",
                   "cache_codec.py")  # and the entry format itself


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
    hashed: int = 0  # files whose bytes were read to hash them (not known to the stat index)

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
        self._pack: _Pack | dict[str, bytes] | None = None  # key -> entry blob, loaded on first get
        self._used: set[str] = set()  # keys this run got or put
        self._loose: set[str] = set()  # of those, the ones not in the pack
        self._new: dict[str, bytes] = {}  # deferred puts, written by `save`
        self._files: dict[str, tuple] | None = None  # the stat index, loaded on first file_sha256
        self._files_changed = False
        self._remembered: set[str] = set()  # names remembered since the index was loaded or saved
        # `run` sets this: `save` then writes its files from a thread while the run goes on
        # (a 30 MB pack takes a quarter of a second to write); `wait` joins it.
        self.write_behind = False
        self._writers: list[threading.Thread] = []
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

    # Entries folded into the pack once this many loose ones (or unused packed ones) pile up.
    PACK_AFTER = 64

    def get(self, sha256: str, path: str | None = None) -> Workbook | None:
        """The cached Workbook, or None on a miss (absent, corrupt, or for other bytes)."""
        key = self.key(sha256, path)
        pack = self._load_pack()
        blob = pack.get(key) or self._new.get(key)
        file = None
        if blob is None:
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
            pack.pop(key, None)
            if file is not None:
                with contextlib.suppress(OSError):
                    file.unlink()
            return None
        self.stats.hits += 1
        self._used.add(key)
        if file is not None:
            self._loose.add(key)
        return workbook

    def put(self, sha256: str, workbook: Workbook, path: str | None = None, defer: bool = False) -> None:
        """Store a Workbook atomically; a failure to write only costs a future re-read."""
        if not sha256:
            return
        payload = encode(workbook)
        if payload is None:
            return  # a value the codec does not know: not cached, so simply read again next time
        try:
            blob = entry_blob(sha256, path, payload)
        except ValueError:  # a value marshal cannot hold
            return
        self.put_entry(sha256, blob, path, defer)

    def put_entry(self, sha256: str, blob: bytes, path: str | None = None, defer: bool = False) -> None:
        """Store an `entry_blob` made elsewhere (a reading process makes it for the file it read).

        `defer`: keep it in memory until `save`, which writes a cold run's thousands of entries
        straight into the pack instead of one file each.
        """
        if not sha256:
            return
        key = self.key(sha256, path)
        if defer:
            self._new[key] = blob
            self._used.add(key)
            return
        self._write_loose(key, blob)

    def _write_loose(self, key: str, blob: bytes) -> None:
        """One entry as its own file (counted in `stats.writes` once written)."""
        file = self.dir / key[:2] / f"{key}.bin"
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
        self._used.add(key)
        self._loose.add(key)
        if self._pack is not None:
            self._pack.pop(key, None)  # the loose file is the newer copy

    # -- the pack and the stat index ---------------------------------------------------------

    def is_empty(self) -> bool:
        """True when this namespace has no entries at all: a cold run need not hash its files first."""
        return not self.dir.is_dir()

    def _load_pack(self) -> _Pack | dict[str, bytes]:
        if self._pack is None:
            self._pack = _Pack.load(self.dir / "pack.bin")
        return self._pack

    def file_sha256(self, path: str | Path, max_bytes: int | None = None) -> str | None:
        """The sha256 of a file's bytes, from the stat index when the file has not changed.

        None for a file larger than `max_bytes`; raises OSError like reading the file would.
        """
        if self._files is None:
            self._files = _load_marshal(self.root / "files.bin", _FILES_MAGIC)
        name = _absolute(path)
        now = stamp(name)
        if max_bytes is not None and now[0] > max_bytes:
            return None
        known = self._files.get(name)
        if known is not None and known[:5] == now:
            return known[5]
        with open(name, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.stats.hashed += 1
        self.remember(name, now, digest)
        return digest

    def stamps(self) -> dict[str, tuple]:
        """The stat index as this run has it: absolute path -> (size, mtime, ctime, inode, device,
        sha256), for the files it looked up or read (a rerun's snapshot keeps the trusted ones)."""
        if self._files is None:
            self._files = _load_marshal(self.root / "files.bin", _FILES_MAGIC)
        return self._files

    def remember(self, path: str | Path, stamp: tuple, sha256: str) -> None:
        """Record the hash of a file read elsewhere, with the `stamp` taken *before* it was read."""
        if self._files is None:
            self._files = _load_marshal(self.root / "files.bin", _FILES_MAGIC)
        name = _absolute(path)
        self._files[name] = (*stamp, sha256)
        self._files_changed = True
        self._remembered.add(name)

    def save(self, partial: bool = False) -> None:
        """Fold entries into the pack when enough are loose, and save the stat index (never raises).

        `partial`: this run read only some of the data folder (a rerun, pipeline/rerun.py). Its
        new entries are written as loose files and the pack is left alone: folding keeps only
        the entries a run used, which would drop every other office's.
        """
        if self._files is not None and self._files_changed:
            racy = time.time_ns() - int(RACY_SECONDS * 1e9)
            # Only files changed just now (a rerun's usual case)? They would not be kept, and
            # the index on disk is already right for every other file: not written again.
            if any(self._files[n][1] < racy and self._files[n][2] < racy for n in self._remembered):
                keep = {name: v for name, v in self._files.items() if v[1] < racy and v[2] < racy}
                self._save(self.root / "files.bin", _FILES_MAGIC, keep)
            self._files_changed = False
            self._remembered.clear()
        if partial:
            for key, blob in self._new.items():
                self._write_loose(key, blob)
            self._new = {}
            return
        pack = self._load_pack()
        unused = len(pack.keys() - self._used)
        if len(self._loose) + len(self._new) + unused <= max(self.PACK_AFTER, len(self._used) // 20):
            for key, blob in self._new.items():
                self._write_loose(key, blob)
            self._new = {}
            return
        folded: dict[str, bytes] = {}
        for key in sorted(self._used):
            blob = self._new.get(key) or pack.get(key)
            if blob is None:
                with contextlib.suppress(OSError):
                    blob = (self.dir / key[:2] / f"{key}.bin").read_bytes()
            if blob is not None:
                folded[key] = blob
        loose = [self.dir / key[:2] / f"{key}.bin" for key in self._loose]

        def drop_loose() -> None:  # only once the pack that holds them is written
            for file in loose:
                with contextlib.suppress(OSError):
                    file.unlink()

        if self._save(self.dir / "pack.bin", _PACK_MAGIC, folded, then=drop_loose, encode=_Pack.encode):
            self.stats.writes += len(self._new)
            self._pack, self._loose, self._new = folded, set(), {}

    def _save(self, file: Path, magic: bytes, value: dict, then=None, encode=marshal.dumps) -> bool:
        """`_save_marshal`, then `then()` on success; from a thread when `write_behind` (True then)."""
        try:
            blob = encode(value)
        except ValueError:
            return False

        def write() -> bool:
            done = _save_marshal(file, magic, blob)
            if done and then is not None:
                then()
            return done

        if not self.write_behind:
            return write()
        writer = threading.Thread(target=write, name="cache-writer")
        writer.start()
        self._writers.append(writer)
        return True

    def wait(self) -> None:
        """Wait for the files `save` is writing behind."""
        while self._writers:
            self._writers.pop().join()

    # -- maintenance -------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every entry of every namespace."""
        shutil.rmtree(self.root / "workbooks", ignore_errors=True)

    def __len__(self) -> int:
        loose = {p.stem for p in self.dir.glob("*/*.bin")} if self.dir.is_dir() else set()
        return len(loose | self._load_pack().keys() | self._new.keys())

    def _decode(self, blob: bytes, sha256: str, path: str | None) -> Workbook | None:
        if not blob.startswith(MAGIC):
            return None
        try:
            stored_sha, stored_path, payload = marshal.loads(blob[len(MAGIC):])
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


class _Pack:
    """pack.bin: an index of (offset, length) per key, read at once, then the entries, each read
    when asked for (the file is mapped). A rerun that rescores one office reads 32 entries of
    32,000, not the whole 90 MB.

    Layout after the magic: the index's length (8 bytes, little-endian), the index (marshal),
    the entries end to end.
    """

    def __init__(self, index: dict[str, tuple[int, int]], data: Any = b"") -> None:
        self.index, self._data = index, data

    @classmethod
    def load(cls, file: Path) -> _Pack:
        """The pack in `file`; empty when absent, and removed when damaged."""
        try:
            with open(file, "rb") as f:
                pack = cls._read(f)
        except OSError:
            return cls({})
        except Exception:  # a truncated or garbled file can raise almost anything
            pack = None
        if pack is None:
            with contextlib.suppress(OSError):
                file.unlink()
            return cls({})
        return pack

    @classmethod
    def _read(cls, f) -> _Pack | None:
        head = f.read(len(_PACK_MAGIC) + 8)
        if len(head) != len(_PACK_MAGIC) + 8 or not head.startswith(_PACK_MAGIC):
            return None
        size = int.from_bytes(head[len(_PACK_MAGIC):], "little")
        index = marshal.loads(f.read(size))
        start = len(head) + size
        end = os.fstat(f.fileno()).st_size
        if type(index) is not dict or not all(start + o + n <= end for o, n in index.values()):
            return None
        try:  # the mapping stays valid after the file is closed, or replaced by the next pack
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            f.seek(0)
            data = f.read()
        return cls(index, memoryview(data)[start:])

    @staticmethod
    def encode(entries: dict[str, bytes]) -> bytes:
        index, offset = {}, 0
        for key, blob in entries.items():
            index[key] = (offset, len(blob))
            offset += len(blob)
        head = marshal.dumps(index)
        return len(head).to_bytes(8, "little") + head + b"".join(entries.values())

    def get(self, key: str) -> bytes | None:
        place = self.index.get(key)
        if place is None:
            return None
        return bytes(self._data[place[0]:place[0] + place[1]])

    def pop(self, key: str, default: Any = None) -> Any:
        return self.index.pop(key, default)

    def keys(self):
        return self.index.keys()


def _absolute(path: str | Path) -> str:
    """The stat index's key for a file: its absolute path (discover's paths already are)."""
    name = os.fspath(path)
    return name if os.path.isabs(name) else os.path.abspath(name)


def stamp(path: str | Path) -> tuple[int, int, int, int, int]:
    """(size, mtime, ctime, inode, device) of a file: what tells the stat index it changed."""
    info = os.stat(path)
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _load_marshal(file: Path, magic: bytes) -> dict:
    """A dict saved by `_save_marshal`; empty when absent, and removed when damaged."""
    try:
        blob = file.read_bytes()
    except OSError:
        return {}
    try:
        if blob.startswith(magic):
            value = marshal.loads(blob[len(magic):])
            if type(value) is dict:
                return value
    except Exception:  # a truncated or garbled file can raise almost anything
        pass
    with contextlib.suppress(OSError):
        file.unlink()
    return {}


def _save_marshal(file: Path, magic: bytes, blob: bytes) -> bool:
    """Write a dict's marshal bytes atomically (temporary file + rename); False when it could not
    be written."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=file.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(magic)
                out.write(blob)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while cached workbooks are loaded in bulk.

    Loading 32,000 cached workbooks creates millions of rows and no reference cycles; with the
    collector running, its full passes over the growing heap cost more than the loading itself.
    On the way out what was built is frozen (gc.freeze): it is what the run keeps, and the first
    collection after would otherwise walk every object made while paused (0.4 s at 1,000
    offices). Frozen objects are still freed when nothing refers to them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
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
    "encode", "entry_blob", "entry_workbook", "gc_paused", "namespace", "open_cache", "rebind", "spec_version",
]
