"""The content-hash cache: what reading a file yielded, kept under the hash of the file's bytes.

    CACHE_DIR/files.bin              path -> (size, mtime, ctime, inode, device, sha256)
    CACHE_DIR/<namespace>/pack       entries, compacted
    CACHE_DIR/<namespace>/journal    entries added since, appended

An entry is an opaque blob stored under a key the caller derives from the file's sha256 (and
whatever else the blob depends on); `namespace` names everything else it depends on (the reading
code, the form specs, the parser's version…), so a change there simply starts an empty namespace
and the old one is pruned after a day. Every record carries a BLAKE2b checksum of its key and
blob: a damaged, truncated or foreign record is a miss, never a wrong answer. The files are
written whole to a temporary file and renamed (the journal is only appended to, and a torn last
record fails its checksum). Deleting the cache directory is always safe.

Finding a file's sha256 without reading it: like git's index, `files.bin` keeps each file's
(size, mtime, ctime, inode, device) beside the hash it had, and the file is hashed again whenever
any of them differs. ctime cannot be set from user space and changes with every write, `touch`
or restore; a replaced file has a new inode. The one blind spot — a same-size rewrite within one
tick of the file system's clock — is closed as git closes it: a file changed less than
`RACY_SECONDS` before the index is saved is not remembered, so it is hashed again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import shutil
import struct
import time
from pathlib import Path

from ..atomic import replacing, write_bytes

DEFAULT_DIR = ".cache"  # relative to the working directory (the repository root); gitignored
ENV_DIR = "PIPELINE_CACHE_DIR"
CACHE_FORMAT = b"OHSC3"
FILES_FORMAT = b"OHSF3"
RACY_SECONDS = 3.0
STALE_SECONDS = 86_400  # other namespaces untouched this long are removed when a cache opens
_RECORD = struct.Struct("<16sI32s")  # key digest, blob length, checksum
_HASH_CHUNK = 1 << 20

Stamp = tuple[int, int, int, int, int]


def stamp(path: str | Path) -> Stamp:
    """What the stat index compares: (size, mtime_ns, ctime_ns, inode, device)."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _checksum(key: bytes, blob: bytes) -> bytes:
    return hashlib.blake2b(blob, key=key, digest_size=32).digest()


def _key_digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()


def _records(data: bytes) -> dict[bytes, tuple[int, int, bytes]]:
    """key digest -> (offset, length, checksum) of every whole record after the magic."""
    index: dict[bytes, tuple[int, int, bytes]] = {}
    at, size = len(CACHE_FORMAT), len(data)
    if not data.startswith(CACHE_FORMAT):
        return index
    while at + _RECORD.size <= size:
        key, length, checksum = _RECORD.unpack_from(data, at)
        start = at + _RECORD.size
        if start + length > size:
            break  # a torn last record
        index[key] = (start, length, checksum)
        at = start + length
    return index


class ContentCache:
    """Blobs by key in one namespace, and the stat index of the files they were made from."""

    def __init__(self, root: str | Path, namespace: str, prune: bool = True) -> None:
        self.root = Path(root)
        self.folder = self.root / namespace
        self.hits = self.misses = 0
        self._data = b""
        self._index: dict[bytes, tuple[int, int, bytes]] = {}
        self._journal = b""
        self._new: dict[bytes, bytes] = {}
        self._used: set[bytes] = set()
        self._stamps: dict[str, tuple] = {}
        self._stamps_changed = False
        self._load()
        if prune:
            self._prune_stale(namespace)

    def __repr__(self) -> str:
        return f"ContentCache({str(self.folder)!r}, hits={self.hits}, misses={self.misses})"

    # --- entries -----------------------------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        """The blob stored under `key`, or None (absent or damaged)."""
        digest = _key_digest(key)
        blob = self._new.get(digest)
        if blob is None:
            where = self._index.get(digest)
            if where is not None:
                start, length, checksum = where
                candidate = self._data[start:start + length]
                if _checksum(digest, candidate) == checksum:
                    blob = candidate
        if blob is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used.add(digest)
        return blob

    def put(self, key: str, blob: bytes) -> None:
        digest = _key_digest(key)
        self._new[digest] = blob
        self._used.add(digest)

    def is_empty(self) -> bool:
        return not self._index and not self._new

    # --- the stat index ----------------------------------------------------------------------
    def sha256(self, path: str | Path, now: Stamp | None = None) -> str:
        """The file's sha256, from the stat index when the file is unchanged, else hashed now.

        `now`: the file's stamp when the caller has just taken it. OSError when the file cannot be read.
        """
        key = os.path.abspath(path)
        if now is None:
            now = stamp(key)
        known = self._stamps.get(key)
        if known is not None and known[:5] == now:
            return known[5]
        digest = file_sha256(key)
        self.remember(key, now, digest)
        return digest

    def remember(self, path: str | Path, file_stamp: Stamp, sha256: str) -> None:
        """Record a file's stamp with the sha256 of the bytes that had it."""
        self._stamps[os.path.abspath(path)] = (*file_stamp, sha256)
        self._stamps_changed = True

    # --- loading and saving ------------------------------------------------------------------
    def _load(self) -> None:
        pack, journal = self._read(self.folder / "pack"), self._read(self.folder / "journal")
        self._data = pack + journal[len(CACHE_FORMAT):] if pack else journal
        self._index = _records(self._data)
        self._journal = journal
        files = self._read(self.root / "files.bin")
        if files.startswith(FILES_FORMAT):
            body = files[len(FILES_FORMAT) + 32:]
            if _checksum(FILES_FORMAT, body) == files[len(FILES_FORMAT):len(FILES_FORMAT) + 32]:
                with contextlib.suppress(ValueError, EOFError, TypeError):
                    stamps = marshal.loads(body)
                    if isinstance(stamps, dict):
                        self._stamps = stamps

    @staticmethod
    def _read(file: Path) -> bytes:
        try:
            return file.read_bytes()
        except OSError:
            return b""

    def save(self) -> None:
        """Write new entries and the stat index (errors writing a cache are never fatal)."""
        with contextlib.suppress(OSError):
            self._save_entries()
        with contextlib.suppress(OSError):
            self._save_stamps()

    def _save_entries(self) -> None:
        if not self._new:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        live = {k: v for k, v in self._index.items() if k in self._used and k not in self._new}
        packed = len(self._data) - len(self._journal)
        if not packed or len(self._journal) + sum(map(len, self._new.values())) > max(packed // 4, 1 << 20):
            # compact: the entries this run used, old and new, in one pack; the journal starts again
            with replacing(self.folder / "pack") as out:
                out.write(CACHE_FORMAT)
                for key, (start, length, checksum) in live.items():
                    out.write(_RECORD.pack(key, length, checksum))
                    out.write(self._data[start:start + length])
                for key, blob in self._new.items():
                    out.write(_RECORD.pack(key, len(blob), _checksum(key, blob)))
                    out.write(blob)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / "journal")
        else:
            journal = self.folder / "journal"
            with open(journal, "ab") as out:
                if out.tell() == 0:
                    out.write(CACHE_FORMAT)
                for key, blob in self._new.items():
                    out.write(_RECORD.pack(key, len(blob), _checksum(key, blob)) + blob)
        self._new.clear()

    def _save_stamps(self) -> None:
        if not self._stamps_changed:
            return
        # git's racy rule: a file changed within the clock's resolution of now could change again
        # unseen at the same size and time; such files are hashed again next time
        cutoff = time.time_ns() - int(RACY_SECONDS * 1e9)
        stamps = {path: s for path, s in self._stamps.items() if s[1] < cutoff and s[2] < cutoff}
        body = marshal.dumps(stamps)
        self.root.mkdir(parents=True, exist_ok=True)
        write_bytes(self.root / "files.bin", FILES_FORMAT + _checksum(FILES_FORMAT, body) + body)
        self._stamps_changed = False

    def _prune_stale(self, keep: str) -> None:
        try:
            folders = [p for p in self.root.iterdir() if p.is_dir() and p.name != keep]
        except OSError:
            return
        for folder in folders:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(folder)


def default_cache_dir() -> Path:
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


__all__ = ["CACHE_FORMAT", "DEFAULT_DIR", "ENV_DIR", "RACY_SECONDS", "ContentCache", "Stamp", "default_cache_dir",
           "file_sha256", "stamp"]
