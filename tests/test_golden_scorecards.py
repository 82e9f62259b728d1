"""scorecards.csv stays byte-identical to what version 1 produced (SPEC §7 columns), plus §8's head_id,head_name.

The golden files in tests/golden/ were written by the code as it stood before the Architecture
rework: one from the bundled sample, one from a demo company (`demo --offices 30 --seed 11`).
Changed since on purpose: each data set's one adjustment after review (SH01's 市场占有率 of a quarter
without a 市场规模) and its year, which pools that quarter as adjusted (engine.carry).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = Path(__file__).parents[1] / "sample_data"


def _run(data: Path, out: Path) -> bytes:
    code = main(["run", str(data), "--out", str(out), "--no-cache"])
    assert code == 0
    return (out / "scorecards.csv").read_bytes()


def test_sample_scorecards_unchanged(tmp_path: Path) -> None:
    assert _run(SAMPLE, tmp_path / "out") == (GOLDEN / "sample-scorecards.csv").read_bytes()


@pytest.mark.slow
def test_demo_company_scorecards_unchanged(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo"), "--offices", "30", "--seed", "11"]) == 0
    assert _run(tmp_path / "demo", tmp_path / "out") == (GOLDEN / "demo-30-seed-11-scorecards.csv").read_bytes()
