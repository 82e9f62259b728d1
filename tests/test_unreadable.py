"""Folders and files the pipeline may not read: an error finding naming each, never 未提交.

Root reads everything whatever the file modes say, and the tests run as root here; so the command
line runs in a child without root's override (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped
from its bounding set before it executes Python), which then obeys `chmod 000` as any user does.
"""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _validation_helpers import ROOT, good_office

from pipeline.intake import discover as discover_module
from pipeline.intake.discover import discover
from pipeline.intake.read import read_workbook
from pipeline.run import check

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2
_LIBC = ctypes.CDLL(None, use_errno=True)


def _without_override() -> None:
    """preexec_fn: the child (and what it executes) no longer bypasses file permissions."""
    if os.geteuid() == 0:
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if _LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _unprivileged(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    if cache is not None:
        env["PIPELINE_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300, preexec_fn=_without_override)


@pytest.fixture
def locked(tmp_path):
    """`lock(path)`: chmod 000 for the test (restored after), skipping when it would not stop a reader."""
    changed: list[Path] = []

    def lock(path: Path) -> Path:
        mode = path.stat().st_mode & 0o777
        changed.append((path, mode))
        path.chmod(0)
        probe = "import os, sys; p = sys.argv[1]; os.listdir(p) if os.path.isdir(p) else open(p, 'rb').close()"
        try:
            done = _unprivileged("-c", probe, str(path))
        except OSError as exc:  # prctl refused (no CAP_SETPCAP): cannot give up root's override here
            pytest.skip(f"cannot run a child without root's override: {exc}")
        if "PermissionError" not in done.stderr:
            pytest.skip("file modes do not stop a reader here")
        return path

    yield lock
    for path, mode in reversed(changed):
        path.chmod(mode)


def _two_offices(make_reference, make_workbook, period: str = "2026Q2") -> None:
    make_reference()
    good_office(make_workbook, period, "BJ01")
    good_office(make_workbook, period, "SH01")


def test_an_unreadable_office_folder_is_an_error_not_missing_templates(data_dir, make_reference, make_workbook,
                                                                      locked):
    """Hardening #8, as reported: `chmod 000 submissions/2026Q2/SH01`, then `validate` as a user."""
    _two_offices(make_reference, make_workbook)
    locked(data_dir / "submissions/2026Q2/SH01")
    done = _unprivileged("-m", "pipeline", "validate", str(data_dir), "--no-cache")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "2026Q2/SH01：无法读取文件夹中的文件：没有读取权限" in done.stdout
    assert "错误 1 个" in done.stdout


def test_an_unreadable_workbook_is_an_error_naming_it(data_dir, make_reference, make_workbook, locked, tmp_path):
    _two_offices(make_reference, make_workbook)
    locked(data_dir / "submissions/2026Q2/SH01/clients.xlsx")
    for _ in range(2):  # with a cache, and again from it: the file is never taken from the cache unread
        done = _unprivileged("-m", "pipeline", "validate", str(data_dir), cache=tmp_path / "cache")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "2026Q2/SH01/clients.xlsx：无法读取文件：无法打开文件（没有读取权限）" in done.stdout


def test_an_unreadable_run_output_is_still_whole(data_dir, make_reference, make_workbook, locked, tmp_path):
    """`run` over an unreadable office folder: the error is in validation.json, the others still scored."""
    _two_offices(make_reference, make_workbook)
    locked(data_dir / "submissions/2026Q2/SH01")
    out = tmp_path / "out"
    done = _unprivileged("-m", "pipeline", "run", str(data_dir), "--out", str(out), "--no-cache")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    report = (out / "validation.json").read_text(encoding="utf-8")
    assert '"code": "folder-unreadable"' in report and '"file": "submissions/2026Q2/SH01"' in report
    assert "BJ01" in (out / "scorecards.csv").read_text(encoding="utf-8-sig")


def _denied(blocked: Path):
    real = os.scandir

    def scandir(path):
        if Path(path) == blocked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    return scandir


@pytest.mark.parametrize(("folder", "where"), [
    ("submissions/2026Q2/SH01", ("SH01", "2026Q2")),
    ("submissions/2026Q2", ("", "2026Q2")),
    ("submissions", ("", "")),
])
def test_discover_reports_each_folder_it_cannot_list(data_dir, make_reference, make_workbook, monkeypatch, folder,
                                                     where):
    _two_offices(make_reference, make_workbook)
    monkeypatch.setattr(discover_module.os, "scandir", _denied(data_dir / folder))
    _, items, found = discover(data_dir)
    assert [(f.code, f.severity, f.file, f.office_id, f.period, f.message) for f in found] == [
        ("folder-unreadable", "error", folder, *where, "无法读取文件夹中的文件：没有读取权限")]
    assert not [rel for _, rel in items if rel.startswith(folder + "/")]
    if folder.endswith("SH01"):
        dataset, _ = check(data_dir)
        assert ("SH01", "2026Q2") in {(f.office_id, f.period) for f in dataset.findings if f.severity == "error"}


def test_an_unlistable_data_folder_is_a_finding(data_dir, monkeypatch):
    real = Path.iterdir

    def iterdir(self):
        if self == data_dir:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    _, _, found = discover(data_dir)
    assert [(f.code, f.file, f.message) for f in found] == [
        ("folder-unreadable", "", "无法读取文件夹中的文件：数据目录没有读取权限")]


def test_the_reader_says_why_in_chinese(tmp_path, monkeypatch):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"PK")
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(errno.EACCES, "x")))
    wb = read_workbook(path, "clients.xlsx")
    assert [(f.code, f.message) for f in wb.findings] == [
        ("file-unreadable", "无法读取文件：无法打开文件（没有读取权限）")]
