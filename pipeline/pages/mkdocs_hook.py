"""MkDocs hook: results pages that are still being written while mkdocs starts building.

Loaded through `hooks:` in the generated config. In the site build, the pages of the results (a
thousand office pages at the largest scale, the periods, the submission board) are rendered by a
separate process while mkdocs runs (`pages/feed.py`), so their rendering overlaps mkdocs' own
start-up and its work on the other pages. The environment names a pipe (`PIPELINE_PAGES_FD`) from that process: its first line is
the JSON list of pages it will write, then one line per page once that page is complete on disk,
then `.` when all are. `on_files` puts the listed pages in the file collection, in the order
mkdocs' own walk of the folder gives (mkdocs then works out their inclusion); reading one waits until it has been announced. If the
process stops before a page is announced, the build fails naming the page. Without the variable
(a bare `mkdocs build`, `mkdocs serve`) the hook does nothing: every page is already on disk.
"""

from __future__ import annotations

import json
import os
import posixpath
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ENV_FD = "PIPELINE_PAGES_FD"  # = feed.ENV_FD (not imported: this file is loaded by path)
END = "."
_fd = os.environ.get(ENV_FD, "")
_pipe = os.fdopen(int(_fd), "rb") if _fd.isdigit() else None
_announced: set[str] = set()
_ended = False


def _read_line() -> str | None:
    """The next line from the page process, or None once it has ended (or closed the pipe)."""
    global _ended
    if _pipe is None or _ended:
        return None
    line = _pipe.readline()
    if not line:
        _ended = True
        return None
    text = line.rstrip(b"\n").decode("utf-8")
    if text == END:
        _ended = True
        return None
    return text


def _wait_for(src_uri: str) -> None:
    while src_uri not in _announced:
        name = _read_line()
        if name is None:
            raise PluginError(f"页面 {src_uri} 未能生成:生成考核结果页面的进程已停止。")
        _announced.add(name)


def _once_announced(content: property) -> property:
    """One of File's content properties, read only once the page process has announced the page."""

    def read(self: File) -> Any:
        _wait_for(self.src_uri)
        return content.fget(self)

    return property(read, content.fset)


class PendingPage(File):
    """A page the page process is still writing: its content is read once it is announced."""

    content_bytes = _once_announced(File.content_bytes)
    content_string = _once_announced(File.content_string)


def walk_order(src_uri: str) -> tuple:
    """The position mkdocs' walk of the docs folder gives a file: a folder's own files (index
    first) before its subfolders, everything sorted by name."""
    folder, name = posixpath.split(src_uri)
    return (tuple(folder.split("/")) if folder else (), posixpath.splitext(name)[0] not in ("index", "README"), name)


def on_files(files: Files, config: Any) -> Files:
    if _pipe is None:
        return files
    first = _read_line()
    if first is None:
        raise PluginError("生成考核结果页面的进程未能启动。")
    pending = set(json.loads(first))
    # A page may already be on disk, half-written, when mkdocs walked the folder: it is replaced.
    # The docs folder's files come first in walk order, then the theme's, as get_files leaves them.
    docs = [f for f in files if f.src_dir == config["docs_dir"] and f.src_uri not in pending]
    docs += [PendingPage(name, config["docs_dir"], config["site_dir"], config["use_directory_urls"])
             for name in pending]
    others = [f for f in files if f.src_dir != config["docs_dir"]]
    return Files([*sorted(docs, key=lambda f: walk_order(f.src_uri)), *others])


__all__ = ["ENV_FD", "PendingPage", "on_files", "walk_order"]
