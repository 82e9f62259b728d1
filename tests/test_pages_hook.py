"""pages/mkdocs_hook.py: pages announced by the page process while mkdocs builds, with real mkdocs objects."""

from __future__ import annotations

import importlib
import json
import os

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, get_files

PAGES = ["index.md", "b.md", "offices/index.md", "offices/a1.md", "offices/b2.md", "results/2026Q1.md",
         "results/index.md", "guide/x.md", "guide/sub/y.md", "z.md"]
PENDING = ["offices/a1.md", "offices/b2.md", "results/2026Q1.md", "b.md"]


@pytest.fixture
def config(tmp_path):
    docs = tmp_path / "docs"
    for rel in PAGES:
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(f"# {rel}\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    return load_config(config_file=str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))


def hook_with_pipe(monkeypatch):
    """The hook as the mkdocs process loads it, reading from a pipe this test writes to."""
    from pipeline.pages import mkdocs_hook  # imported first: the reload below is what opens the pipe

    read_fd, write_fd = os.pipe()
    monkeypatch.setenv("PIPELINE_PAGES_FD", str(read_fd))
    return importlib.reload(mkdocs_hook), os.fdopen(write_fd, "wb", buffering=0)


def test_pending_pages_take_the_place_mkdocs_own_walk_gives_them(config, monkeypatch):
    walked = get_files(config)  # every page on disk: the order a bare build reads them in
    theme = File("assets/x.js", "/theme", config["site_dir"], False)
    # the page process has written only some pages when mkdocs walks the folder
    started = Files([f for f in walked if f.src_uri not in PENDING[1:]] + [theme])
    hook, pipe = hook_with_pipe(monkeypatch)
    pipe.write(json.dumps(PENDING).encode() + b"\n")
    files = hook.on_files(started, config)
    assert [f.src_uri for f in files] == [f.src_uri for f in walked] + ["assets/x.js"]
    assert {f.src_uri for f in files if isinstance(f, hook.PendingPage)} == set(PENDING)
    pipe.close()


def test_a_pending_page_is_read_once_announced_and_fails_clearly_if_never(config, monkeypatch):
    hook, pipe = hook_with_pipe(monkeypatch)
    pipe.write(json.dumps(PENDING).encode() + b"\n")
    files = hook.on_files(get_files(config), config)
    page = {f.src_uri: f for f in files}
    pipe.write(b"offices/b2.md\noffices/a1.md\n")
    assert page["offices/a1.md"].content_string == "# offices/a1.md\n"  # announced: read from disk
    assert page["offices/b2.md"].content_bytes == b"# offices/b2.md\n"
    assert page["index.md"].content_string == "# index.md\n"  # not pending: never waits
    pipe.write(b".\n")  # the process ends without writing results/2026Q1.md
    with pytest.raises(PluginError, match="页面 results/2026Q1.md 未能生成"):
        _ = page["results/2026Q1.md"].content_string
    pipe.close()


def test_a_page_process_that_dies_fails_the_page_and_one_that_never_starts_fails_the_build(config, monkeypatch):
    hook, pipe = hook_with_pipe(monkeypatch)
    pipe.write(json.dumps(PENDING).encode() + b"\n")
    page = {f.src_uri: f for f in hook.on_files(get_files(config), config)}
    pipe.close()  # killed: the pipe ends without "."
    with pytest.raises(PluginError, match="offices/a1.md 未能生成"):
        _ = page["offices/a1.md"].content_string
    hook, pipe = hook_with_pipe(monkeypatch)
    pipe.close()
    with pytest.raises(PluginError, match="进程未能启动"):
        hook.on_files(get_files(config), config)


def test_without_the_variable_the_hook_changes_nothing(config, monkeypatch):
    monkeypatch.delenv("PIPELINE_PAGES_FD", raising=False)
    from pipeline.pages import mkdocs_hook

    hook = importlib.reload(mkdocs_hook)
    files = get_files(config)
    assert hook.on_files(files, config) is files
