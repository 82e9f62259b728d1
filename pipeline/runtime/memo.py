"""A memo of the outputs a run need not write again: the digest of what each file was made from.

A period's workbook is a pure function of that period's results. The run works out a digest of
them (outputs.period_workbook.digest) and the memo remembers, per output file, the digest it was
written from and the sha256 of the bytes written. The file is written again when the digest
changed, or when the file on disk is no longer those bytes (removed, edited, replaced).

A whole run is a pure function of its inputs: every file's bytes, the policy versions, the
receipts, the closed records and the code. The memo also keeps, per output file, the digest of
the inputs of the run that last made or vouched for it; a run whose inputs digest every output
was made from, all of them intact, has nothing to write and digests nothing more. The memo
lives in the cache folder, one small file per output folder (JSON after a BLAKE2b checksum, like
every cache record): a damaged or foreign memo is ignored before it is parsed, and then every file
is written, as without a memo.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from ..atomic import write_bytes
from .cache import file_sha256

MEMO_FORMAT = b"OHSM1"
_SUM = 32


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, key=MEMO_FORMAT, digest_size=_SUM).digest()


def encode(entries: dict) -> bytes:
    body = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return MEMO_FORMAT + _checksum(body) + body


def decode(data: bytes) -> dict[str, dict[str, str]]:
    """The entries of a memo file, or {} when it is damaged, truncated or not a memo."""
    head = len(MEMO_FORMAT) + _SUM
    if not data.startswith(MEMO_FORMAT) or _checksum(data[head:]) != data[len(MEMO_FORMAT):head]:
        return {}
    try:
        entries = json.loads(data[head:].decode("utf-8"))
    except (ValueError, RecursionError):
        return {}
    return entries if isinstance(entries, dict) else {}


class OutputMemo:
    def __init__(self, store: Path | None, out_dir: Path) -> None:
        """`store`: the memo folder (None: no memo, every file is written)."""
        self.file = None
        self.entries: dict[str, dict[str, str]] = {}
        if store is not None:
            name = hashlib.sha256(os.path.abspath(out_dir).encode("utf-8")).hexdigest()[:20]
            self.file = Path(store) / f"{name}.memo"
            with contextlib.suppress(OSError):
                self.entries = decode(self.file.read_bytes())
        self.changed = False
        self._hashed: dict[Path, str | None] = {}  # path -> sha256 of its bytes now (None: unreadable)

    def recorded(self, path: Path) -> str | None:
        """The digest `path` was written from, when the file still holds exactly those bytes (each
        file hashed once per memo)."""
        entry = self.entries.get(Path(path).name)
        if self.file is None or not isinstance(entry, dict):
            return None
        if path not in self._hashed:
            try:
                self._hashed[path] = file_sha256(path)
            except OSError:
                self._hashed[path] = None
        return entry.get("digest") if self._hashed[path] == entry.get("sha256") else None

    def record(self, path: Path, digest: str, sha256: str, inputs: str = "") -> None:
        """`path` now holds the bytes of `sha256`, made from `digest` (and the run's `inputs`)."""
        self.entries[Path(path).name] = {"digest": digest, "sha256": sha256, "inputs": inputs}
        self.changed = True

    def vouch(self, path: Path, inputs: str) -> None:
        """`path`, left as it was, is also what a run of these `inputs` makes."""
        entry = self.entries.get(Path(path).name)
        if isinstance(entry, dict) and entry.get("inputs") != inputs:
            entry["inputs"] = inputs
            self.changed = True

    def made_from(self, paths: list[Path], inputs: str) -> bool:
        """Whether every one of `paths` was made by a run of these `inputs` and still holds those bytes."""
        if self.file is None or not paths:
            return False
        for path in paths:
            entry = self.entries.get(Path(path).name)
            if not isinstance(entry, dict) or entry.get("inputs") != inputs or self.recorded(path) is None:
                return False
        return True

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        with contextlib.suppress(OSError):  # losing the memo only means writing the files again
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(self.file, encode(self.entries))


__all__ = ["MEMO_FORMAT", "OutputMemo", "decode", "encode"]
