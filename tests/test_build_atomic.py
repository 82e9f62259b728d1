"""Atomic publish: failed, killed and concurrent builds never damage or mix the published site."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.runtime.lock import BuildLocked, build_lock, exclusive_build, lock_path, recover

pytestmark = pytest.mark.slow

BUILD_TIMEOUT = 300


def tree(site: Path) -> dict[str, str]:
    """Every file of a site folder with the sha256 of its bytes (the whole tree, byte for byte)."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file() or p.is_symlink()}


def leftovers(site: Path) -> list[str]:
    """Work folders of builds that should be gone (the lock file itself may stay)."""
    return sorted(p.name for p in site.parent.iterdir() if p.name.startswith((f".{site.name}.tmp-",
                                                                               f".{site.name}.old-")))


def build_cmd(data: Path, site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", "--data", str(data), "--site", str(site),
            "--workers", "1", *extra]


def build(data: Path, site: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(build_cmd(data, site, *extra), cwd=site.parent, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """A small valid company: 3 offices, the four quarters of 2026."""
    from pipeline.synthetic import generate

    out = tmp_path_factory.mktemp("atomic") / "data"
    generate(out, offices=3, years=(2026,), seed=3)
    return out


@pytest.fixture(scope="module")
def published(demo_data, tmp_path_factory) -> Path:
    """One good build, kept as the reference every test compares against (copied per test)."""
    site = tmp_path_factory.mktemp("published") / "site"
    result = build(demo_data, site)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture
def site(published, tmp_path) -> Path:
    """A fresh copy of the published site in its own folder."""
    import shutil

    target = tmp_path / "pub" / "site"
    shutil.copytree(published, target)
    return target


def _break_one_workbook(data: Path, tmp_path: Path) -> Path:
    """A copy of the data where BJ01's 2026Q1 clients.xlsx has a sales figure that is text."""
    import shutil

    from conftest import write_form

    from pipeline.forms import CLIENTS

    copy = tmp_path / "bad-data"
    shutil.copytree(data, copy)
    write_form(CLIENTS, copy / "submissions/2026Q1/BJ01/clients.xlsx",
              cover={"office_id": "BJ01", "period": "2026Q1", "filled_by": "测试填报人"},
              rows={"clients": [{"client_id": "C1", "name": "甲公司", "sales": "十二"}]})
    return copy


# ---------------------------------------------------------------------------------------------
# The lock


def _holder(site: Path) -> subprocess.Popen:
    """Another process that holds the site's lock until killed."""
    code = ("import sys, time; from pipeline.runtime.lock import build_lock\n"
            f"with build_lock({str(site)!r}, wait=0):\n    print('held', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_lock_is_exclusive_and_says_so_in_chinese(tmp_path):
    site = tmp_path / "site"
    holder = _holder(site)
    try:
        with pytest.raises(BuildLocked) as info, build_lock(site, wait=0.3):
            pass
        assert f"（进程 {holder.pid}）" in str(info.value)
        assert "正在写入“site”目录" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    with build_lock(site, wait=0) as path:  # released when its holder ended
        assert path == lock_path(site) == tmp_path / ".site.lock"


def test_lock_is_reentrant_within_one_process(tmp_path):
    """The command line and build_site both take the lock of the same site: the inner one is a no-op."""
    site = tmp_path / "site"
    with exclusive_build(site, wait=0), exclusive_build(site, wait=0) as path:
        assert path == lock_path(site)
        assert f"{os.getpid()}" in path.read_text("ascii")
    holder = _holder(site)  # and it was released by the outer block
    holder.kill()
    holder.wait()


def test_lock_dies_with_a_killed_holder(tmp_path):
    """flock belongs to the process: SIGKILL releases it, no stale lock to delete by hand."""
    site = tmp_path / "site"
    holder = _holder(site)
    try:
        with pytest.raises(BuildLocked), build_lock(site, wait=0):
            pass
    finally:
        holder.kill()
        holder.wait()
    with build_lock(site, wait=0):
        pass


DEAD_PID = 99_999_999  # above any pid_max: no such process


def test_recover_puts_the_old_site_back_after_a_kill_between_the_two_renames(tmp_path):
    site = tmp_path / "site"
    old = tmp_path / f".site.old-{DEAD_PID}"
    old.mkdir()
    (old / "index.html").write_text("旧网站", "utf-8")
    tmp = tmp_path / f".site.tmp-{DEAD_PID}"
    (tmp / "assets").mkdir(parents=True)
    removed = recover(site)
    assert (site / "index.html").read_text("utf-8") == "旧网站"
    assert removed == [tmp]
    assert leftovers(site) == []


def test_recover_leaves_the_work_folder_of_a_live_process_alone(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".site.tmp-{sleeper.pid}"
        live.mkdir()
        dead = tmp_path / f".site.tmp-{DEAD_PID}"
        dead.mkdir()
        assert recover(site) == [dead]
        assert live.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert recover(site) == [live]


# ---------------------------------------------------------------------------------------------
# Failed builds


def test_failed_build_leaves_the_site_byte_identical(site, demo_data, tmp_path):
    before = tree(site)
    bad = _break_one_workbook(demo_data, tmp_path)
    result = build(bad, site)
    assert result.returncode == 1
    assert "网站构建失败" in result.stderr and "保持不变" in result.stderr
    assert "--keep-going" in result.stderr
    assert tree(site) == before
    assert leftovers(site) == []


def test_keep_going_publishes_everything_valid(site, demo_data, tmp_path):
    import csv

    bad = _break_one_workbook(demo_data, tmp_path)
    result = build(bad, site, "--keep-going")
    assert result.returncode == 0, result.stderr
    with (site.parent / ".build" / "out" / "scorecards.csv").open(encoding="utf-8-sig") as fh:
        status = {(r["period"], r["office_id"]): r["status"] for r in csv.DictReader(fh)}
    assert status[("2026Q1", "BJ01")] == "invalid"
    assert status[("2026Q1", "SH01")] == status[("2026Q1", "GZ01")] == "scored"
    assert status[("2026Q2", "BJ01")] == "scored"
    (page_path,) = [p for p in (site / "results" / "2026Q1.html", site / "results" / "2026Q1" / "index.html")
                    if p.exists()]
    page = page_path.read_text("utf-8")
    assert "数据有误" in page
    assert leftovers(site) == []


# ---------------------------------------------------------------------------------------------
# Killed builds


def _start_and_kill_mid_build(data: Path, site: Path, how: str) -> subprocess.Popen:
    """Start a build, wait until MkDocs is writing the new site, then kill it."""
    proc = subprocess.Popen(build_cmd(data, site), cwd=site.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + BUILD_TIMEOUT
    try:
        while time.monotonic() < deadline:
            work = [p for p in site.parent.glob(f".{site.name}.tmp-*") if any(p.iterdir())]
            if work:
                break
            if proc.poll() is not None:
                pytest.fail(f"the build ended before it could be killed: {proc.stderr.read()[-500:]}")
            time.sleep(0.02)
        else:
            pytest.fail("the build never reached MkDocs")
        if how == "SIGKILL":  # what a cancelled CI job does: the whole process tree, no warning
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_killed_build_leaves_the_site_and_the_next_build_succeeds(site, demo_data, how):
    before = tree(site)
    proc = _start_and_kill_mid_build(demo_data, site, how)
    assert tree(site) == before
    if how == "SIGTERM":  # a terminated build cleans up after itself
        assert proc.returncode == 128 + signal.SIGTERM
        assert leftovers(site) == []
    with build_lock(site, wait=0):  # no stale lock
        pass
    result = build(demo_data, site)
    assert result.returncode == 0, result.stderr
    assert leftovers(site) == []
    assert tree(site).keys() == before.keys()
    assert (site / "search" / "search_index.json").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# Concurrent builds


def test_a_build_waits_for_the_lock_and_never_touches_the_site_meanwhile(site, demo_data):
    before = tree(site)
    with build_lock(site, wait=0):
        proc = subprocess.Popen(build_cmd(demo_data, site), cwd=site.parent, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        waiting = proc.stderr.readline()
        assert "另一个网站构建" in waiting and "等待它完成" in waiting
        time.sleep(0.5)
        assert proc.poll() is None
        assert tree(site) == before
        assert not list(site.parent.glob(".site.tmp-*"))
    out, err = proc.communicate(timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, err
    assert leftovers(site) == []


def test_two_builds_at_once_end_in_one_complete_consistent_site(site, demo_data, tmp_path):
    """Two builds of different data into the same site: the result is exactly the later one."""
    other = _break_one_workbook(demo_data, tmp_path)
    runs = {"good": (demo_data,), "keep": (other, "--keep-going")}
    procs: dict[str, subprocess.Popen] = {}
    with build_lock(site, wait=0):  # hold the lock until both are started and waiting: a real race
        for name, (data, *extra) in runs.items():
            procs[name] = subprocess.Popen(build_cmd(data, site, *extra), cwd=site.parent, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
        for proc in procs.values():
            assert "等待它完成" in proc.stderr.readline()
    finished: list[str] = []
    deadline = time.monotonic() + BUILD_TIMEOUT
    while len(finished) < 2 and time.monotonic() < deadline:
        for name, proc in procs.items():
            if name not in finished and proc.poll() is not None:
                finished.append(name)
        time.sleep(0.02)
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=BUILD_TIMEOUT)
        assert proc.returncode == 0, (name, err)
    last = finished[-1]
    # the published site is byte for byte what the later build alone produces: nothing mixed
    reference = tmp_path / "ref" / "site"
    reference.parent.mkdir()
    alone = build(*runs[last][:1], reference, *runs[last][1:])
    assert alone.returncode == 0, alone.stderr
    assert tree(site) == tree(reference)
    assert leftovers(site) == []


# ---------------------------------------------------------------------------------------------
# The published demo site and the privacy gate (realistic names, phones and salaries)


def test_published_demo_site_holds_no_private_value_and_a_planted_one_is_caught(published, demo_data, tmp_path):
    import shutil

    from pipeline.outputs.privacy import check_privacy, private_values
    from pipeline.run import run

    results = run(demo_data, tmp_path / "out", workers=1).results
    values = private_values(results.dataset, results)
    assert len(values["团队名册 › 姓名"]) >= 20 and values["客户 › 联系电话"] and values["考核结果 › 季度奖金金额"]
    assert check_privacy(published, results) == []
    # the same check does see a real name once it is on a page
    copy = tmp_path / "site"
    shutil.copytree(published, copy)
    name = sorted(v for v in values["团队名册 › 姓名"] if len(v) >= 3)[0]
    index = copy / "index.html"
    index.write_text(index.read_text("utf-8").replace("</main>", f"<p>{name}</p></main>"), "utf-8")
    assert [(x.page, x.column) for x in check_privacy(copy, results)] == [("index.html", "团队名册 › 姓名")]
