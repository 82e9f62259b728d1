"""MkDocs hook: hand every rendered page to the privacy gate while the build goes on.

Loaded through `hooks:` in the generated config. When the build runs the site build's mkdocs, the
environment names a pipe (`PIPELINE_PRIVACY_FD`); each page's HTML goes down it, encoded exactly
as MkDocs writes it, so the gate can scan it on the other core instead of after the build. The
gate still checks every published file: a page whose bytes on disk differ from what was sent
here is simply scanned again. Without the variable (a bare `mkdocs build`) this does nothing.
"""

from __future__ import annotations

import contextlib
import os
import struct
from typing import Any

ENV_FD = "PIPELINE_PRIVACY_FD"  # = stream.ENV_FD (not imported: this file is loaded by path)
_fd = os.environ.get(ENV_FD, "")
_out = os.fdopen(int(_fd), "wb", buffering=1 << 20) if _fd.isdigit() else None


def on_post_page(output: str, page: Any, config: Any) -> str:
    global _out
    if _out is not None:
        name = page.file.dest_uri.encode("utf-8")
        data = output.encode("utf-8", errors="xmlcharrefreplace")  # as mkdocs.utils writes it
        try:
            _out.write(struct.pack("<II", len(name), len(data)) + name + data)
        except OSError:  # the gate stopped listening: it scans the files after the build instead
            _out = None
    return output


def on_post_build(config: Any) -> None:
    global _out
    if _out is not None:
        with contextlib.suppress(OSError):
            _out.close()
        _out = None
