"""The results pages, rendered by a forked process while mkdocs builds the site.

MkDocs works on one core for tens of seconds at a thousand offices; rendering the pages of the
results (an office page each, the periods, the submission board) before it starts would add their
time in front of it. Instead `PageFeed` forks a process (before any thread is started, so the
child inherits no lock held by another thread) that renders the pages in the order mkdocs reads
them, writes each one and announces it down a pipe to `pages/mkdocs_hook.py` in the mkdocs
process, which waits for a page only when it reaches it. The pages are the same bytes
`generate_docs` writes when it renders them itself.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from ..forked import can_fork
from .mkdocs_hook import END, ENV_FD, walk_order
from .results import page_tasks

HOOK = Path(__file__).with_name("mkdocs_hook.py")


class FeedError(Exception):
    """The page process failed; the message is Chinese."""


class PageFeed:
    def __init__(self, results: Any, work_docs: Path) -> None:
        self.results = results
        self.work_docs = Path(work_docs)
        # worked out here, inherited by the process: in the order mkdocs reads the pages
        self.tasks = sorted(page_tasks(results), key=lambda task: walk_order(task[0]))
        self.read_fd = -1
        self._process: Any = None

    @staticmethod
    def available() -> bool:
        return can_fork()

    def start(self) -> None:
        """Fork the page process; call before starting any thread."""
        self.read_fd, write_fd = os.pipe()
        context = mp.get_context("fork")
        self._process = context.Process(target=_write_pages, args=(self.results, self.tasks, self.work_docs, write_fd,
                                                                      self.read_fd),
                                        name="results-pages", daemon=True)
        self._process.start()
        os.close(write_fd)  # the child's copy is the only one: mkdocs sees the end when it exits

    def env(self) -> dict[str, str]:
        return {ENV_FD: str(self.read_fd)}

    def count(self) -> int:
        """How many pages the process writes."""
        return len(self.tasks)

    def release(self) -> None:
        """Once mkdocs has started (it holds its own copy of the read end): close ours, so that if
        mkdocs stops early the page process is not left writing into a pipe nobody reads."""
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1

    def finish(self) -> None:
        """Wait for the page process; FeedError if it failed."""
        self.release()
        if self._process is None:
            return
        self._process.join()
        code = self._process.exitcode
        self._process = None
        if code:
            raise FeedError(f"生成考核结果页面的进程出错退出(退出码 {code}),错误信息见上方输出。")

    def stop(self) -> None:
        """Stop the page process if it is still running (the build failed elsewhere)."""
        self.release()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None


def _write_pages(results: Any, tasks: list[tuple[str, Any, tuple]], work_docs: Path, write_fd: int,
                 read_fd: int) -> None:
    """In the child: render, write and announce every results page, in the given order."""
    os.close(read_fd)  # only mkdocs reads: if it stops, writing fails instead of blocking
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(json.dumps([path for path, _, _ in tasks]).encode("utf-8") + b"\n")
            pipe.flush()
            for path, render, args in tasks:
                target = work_docs / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(render(results, *args), encoding="utf-8")
                pipe.write(path.encode("utf-8") + b"\n")
                pipe.flush()
            pipe.write(END.encode("utf-8") + b"\n")
    except BrokenPipeError:  # mkdocs stopped: the build reports why
        os._exit(0)
    except BaseException:  # noqa: BLE001 - a bug in a page: say where, then fail the build
        traceback.print_exc(file=sys.stderr)
        os._exit(1)


__all__ = ["HOOK", "FeedError", "PageFeed"]
