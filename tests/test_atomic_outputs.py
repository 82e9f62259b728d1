"""Every output is written to a temporary file and renamed into place: a failure never leaves a
cut file or a mix of old and new outputs."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _validation_helpers import good_office, run_cli

from pipeline.atomic import TMP_PREFIX, write_bytes
from pipeline.engine.policy import DEFAULT_POLICY_PATH
from pipeline.run import UsageError, run

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    class Boom(Exception):
        pass

    from pipeline.atomic import replacing

    with pytest.raises(Boom), replacing(target) as handle:
        handle.write(b"new, half written")
        raise Boom
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_symbolic_link_in_the_way_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "scorecards.csv"
    link.symlink_to(victim)
    write_bytes(link, b"output")
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_bytes() == b"output"


def test_new_outputs_get_the_usual_permissions(tmp_path):
    write_bytes(tmp_path / "out.csv", b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~mask


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_during_run_leaves_the_previous_outputs_whole(tmp_path):
    """Hardening #2, as reported: a run into a full disk must keep the last complete set."""
    with _tmpfs(tmp_path / "disk", "1536k") as disk:
        out = disk / "out"
        run(SAMPLE, out, cache=None)
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        assert len(before) == 12
        # a policy that changes every score: every output would be written again
        policy = tmp_path / "policy.yaml"
        policy.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("cap: 120", "cap: 110"),
                          encoding="utf-8")
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * max(free - 20 * 1024, 0))  # leave 20 KiB
        with pytest.raises(UsageError, match="无法写入输出目录"):
            run(SAMPLE, out, policy, cache=None)
        after = {p.name: p.read_bytes() for p in out.iterdir()}
        assert after == before
        assert not [p for p in out.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_a_full_disk_keeps_the_previous_outputs_and_the_command_says_so(tmp_path, data_dir, make_reference,
                                                                       make_workbook):
    """Hardening #2, exactly as the issue asks: a 400 KiB tmpfs, a first run's outputs on it, the disk
    filled, `python -m pipeline run` again: the previous set byte for byte, exit 2, a Chinese message."""
    make_reference()
    for office in ("BJ01", "SH01"):
        good_office(make_workbook, "2026Q1", office)
    with _tmpfs(tmp_path / "disk", "400k") as disk:
        out = disk / "out"
        first = run_cli("run", str(data_dir), "--out", str(out), "--no-cache")
        assert first.returncode == 0, first.stderr
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        assert {"validation.json", "scorecards.csv", "考核结果-2026Q1.xlsx"} <= set(before)
        policy = tmp_path / "policy.yaml"
        policy.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("cap: 120", "cap: 110"),
                          encoding="utf-8")
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * max(free - 8 * 1024, 0))  # leave 8 KiB
        again = run_cli("run", str(data_dir), "--out", str(out), "--policy", str(policy), "--no-cache")
        assert again.returncode == 2, again.stdout + again.stderr
        assert "Traceback" not in again.stderr
        assert f"无法写入输出目录 {out}：磁盘空间不足" in again.stderr
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
