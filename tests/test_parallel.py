"""Parallel reading: the same bytes out whatever the number of worker processes."""

from __future__ import annotations

import pytest
from _scale_helpers import BAD_CELL, BROKEN, OFFICES, outputs

from pipeline.cache import WorkbookCache
from pipeline.excel import pool
from pipeline.excel.pool import read_workbooks
from pipeline.run import run_pipeline
from pipeline.validation import discover


def test_one_and_two_workers_write_identical_outputs(company, data_dir, tmp_path):
    one, code_one = run_pipeline(data_dir, tmp_path / "w1", workers=1)
    two, code_two = run_pipeline(data_dir, tmp_path / "w2", workers=2)
    assert code_one == code_two == 1  # the broken file and the bad cell are errors
    assert outputs(tmp_path / "w1") == outputs(tmp_path / "w2")
    assert len(one.dataset.workbooks) == len(two.dataset.workbooks) == OFFICES * 4 * 4 + 1
    codes = {(f.file, f.code, f.cell) for f in two.dataset.findings if f.severity == "error"}
    assert (BROKEN, "file-not-xlsx", "") in codes
    assert (BAD_CELL, "type-number", "G2") in codes


def test_workers_and_cache_together_give_the_same_outputs(company, data_dir, tmp_path):
    run_pipeline(data_dir, tmp_path / "plain", workers=1)
    store = WorkbookCache(tmp_path / "cache")
    run_pipeline(data_dir, tmp_path / "cold", workers=2, cache=store)
    run_pipeline(data_dir, tmp_path / "warm", workers=2, cache=WorkbookCache(tmp_path / "cache"))
    assert outputs(tmp_path / "plain") == outputs(tmp_path / "cold") == outputs(tmp_path / "warm")


def test_plain_connections_where_framed_results_are_not_available(company, data_dir, monkeypatch):
    """Without AF_UNIX sockets (FRAMED off) results travel by Connection.send/recv: same records."""
    _, items, _ = discover(data_dir)
    framed = read_workbooks(items, workers=2, slim=True)
    monkeypatch.setattr(pool, "FRAMED", False)
    plain = read_workbooks(items, workers=2, slim=True)
    assert [wb.path for wb in plain] == [rel for _, rel in items]
    assert plain == framed


def test_a_result_split_across_reads_waits_for_its_last_byte():
    """The parent reads whatever has arrived: a frame cut anywhere is kept until it is whole."""
    import pickle
    import socket

    if not pool.FRAMED:
        pytest.skip("results are framed only on POSIX with AF_UNIX sockets")
    worker = pool._Worker.__new__(pool._Worker)
    ours, theirs = socket.socketpair()
    worker.sock, worker.inbox, worker.buffer = ours, bytearray(), memoryview(bytearray(64))  # small reads
    messages = [(i, bytes([i]) * (10 * i), (i, i)) for i in range(1, 6)]
    stream = b"".join(pool._FRAME.pack(len(d)) + d for d in (pickle.dumps(m) for m in messages))
    try:
        got, sent = [], 0
        for end in (3, 50, 51, 170, len(stream)):  # mid-header, mid-body, on a boundary, the rest
            theirs.sendall(stream[sent:end])
            sent = end
            got += worker.received()
        assert got == messages
        assert worker.received() == [] and not worker.inbox
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_the_order_of_the_items(company, data_dir, workers):
    _, items, _ = discover(data_dir)
    items = list(reversed(items))  # not sorted: the order must be the caller's, not the finishing order
    workbooks = read_workbooks(items, workers=workers)
    assert [wb.path for wb in workbooks] == [rel for _, rel in items]
    by_path = {wb.path: wb for wb in workbooks}
    assert by_path[BROKEN].findings[0].code == "file-not-xlsx"
    assert by_path["submissions/2026Q1/BJ001/clients.xlsx"].office_id == "BJ001"
    assert len(by_path["submissions/2026Q1/BJ001/clients.xlsx"].tables["clients"]) >= 90


def test_progress_counts_every_file_once_with_workers_and_cache(company, data_dir, tmp_path):
    _, items, _ = discover(data_dir)
    seen: list[tuple[int, int]] = []
    store = WorkbookCache(tmp_path / "cache")
    read_workbooks(items[:10], workers=2, cache=store)  # the first ten come from the cache next time
    read_workbooks(items, workers=2, progress=lambda done, total: seen.append((done, total)), cache=store)
    assert [d for d, _ in seen] == list(range(1, len(items) + 1))
    assert {t for _, t in seen} == {len(items)}
    assert store.stats.hits == 10


@pytest.mark.parametrize("workers", [1, 2])
def test_the_collector_is_running_again_after_reading(company, data_dir, workers):
    import gc

    _, items, _ = discover(data_dir)
    assert gc.isenabled()
    read_workbooks(items[:6], workers=workers)
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_when_it_was_off_before():
    import gc

    from pipeline.cache import gc_paused

    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(1000)]
    assert gc.isenabled()
    # what was built while paused is frozen, so the next collection does not walk it again
    assert gc.get_freeze_count() >= len(kept)
