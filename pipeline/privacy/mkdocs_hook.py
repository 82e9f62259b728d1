"""MkDocs hook: tell the privacy gate which page is being rendered, so it can scan while mkdocs builds.

Loaded through `hooks:` in the generated config. When the site build runs mkdocs, the environment
names a pipe (`PIPELINE_PRIVACY_FD`); the hook writes each page's destination path down it as the
page is rendered. MkDocs renders and writes pages one after another, so when page N+1 is
announced page N is complete on disk, and the gate (privacy/stream.py) scans it there — on the
other core, and without ever making mkdocs wait: only the path travels. The gate still checks
every published file afterwards. Without the variable (a bare `mkdocs build`) this does nothing.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

ENV_FD = "PIPELINE_PRIVACY_FD"  # = stream.ENV_FD (not imported: this file is loaded by path)
_fd = os.environ.get(ENV_FD, "")
_out = os.fdopen(int(_fd), "wb", buffering=0) if _fd.isdigit() else None


def on_post_page(output: str, page: Any, config: Any) -> str:
    global _out
    name = page.file.dest_uri
    if _out is not None and "\n" not in name:  # a name with a line break is simply scanned afterwards
        try:
            _out.write(name.encode("utf-8") + b"\n")
        except OSError:  # the gate stopped listening: it scans the files after the build instead
            _out = None
    return output


def on_post_build(config: Any) -> None:
    global _out
    if _out is not None:
        with contextlib.suppress(OSError):
            _out.close()
        _out = None
