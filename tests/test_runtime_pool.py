"""The executor's process pool: results in order, one hostile item never takes the others down."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.runtime import pool


def _square(n: int) -> int:
    return n * n


def _hostile(item: tuple[str, int]) -> str:
    kind, n = item
    if kind == "abort":
        os.kill(os.getpid(), signal.SIGABRT)  # what a failed Rust allocation in calamine looks like
    if kind == "exit":
        os._exit(3)
    if kind == "sleep":
        time.sleep(30)
    if kind == "memory":
        bytearray(512 * 1024 * 1024)  # beyond the worker's address-space cap below
    return f"{kind}{n}"


def _substitute(item: tuple[str, int], failure: pool.Failure) -> str:
    if failure.timed_out:
        return f"timeout:{item[1]}:{failure.seconds:g}"
    return f"{'oom' if failure.out_of_memory else 'died'}:{item[1]}:{failure.exitcode}"


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_the_order_of_the_items(workers):
    done: list[int] = []
    results = pool.map_isolated(_square, list(range(40)), _substitute, workers, done=lambda i, r: done.append(i))
    assert results == [n * n for n in range(40)]
    assert sorted(done) == list(range(40))  # every item reported once, whatever the order


def test_a_worker_that_dies_costs_only_its_own_item():
    items = [("ok", 0), ("abort", 1), ("ok", 2), ("exit", 3), ("ok", 4), ("ok", 5)]
    results = pool.map_isolated(_hostile, items, _substitute, workers=2)
    assert results[0] == "ok0" and results[2] == "ok2" and results[4:] == ["ok4", "ok5"]
    assert results[1] == f"oom:1:{-signal.SIGABRT}"  # an abort looks like running out of memory
    assert results[3] == "died:3:3"


def test_an_item_over_its_time_is_replaced_and_the_rest_go_on():
    items = [("ok", 0), ("sleep", 1), ("ok", 2), ("ok", 3)]
    started = time.monotonic()
    results = pool.map_isolated(_hostile, items, _substitute, workers=2, timeout=1.0)
    assert results == ["ok0", "timeout:1:1", "ok2", "ok3"]
    assert time.monotonic() - started < 20


def test_a_worker_over_its_memory_cap_is_reported_not_fatal():
    items = [("memory", 0), ("ok", 1)]
    results = pool.map_isolated(_hostile, items, _substitute, workers=2, memory_cap=128 * 1024 * 1024)
    assert results[1] == "ok1"
    assert results[0].startswith(("oom:0", "died:0"))


def test_one_worker_runs_in_this_process():
    pid = os.getpid()
    assert pool.map_isolated(lambda _: os.getpid(), [1, 2], _substitute, workers=1) == [pid, pid]


def _with_state(state: dict, key: str) -> tuple[str, int, int]:
    return key, state[key], os.getpid()


def test_map_forked_hands_the_state_to_children_without_pickling_it():
    state = {"a": 1, "b": 2, "c": 3, "unpicklable": lambda: None}
    got = pool.map_forked(_with_state, state, ["a", "b", "c"], workers=2)
    assert sorted((k, v) for k, v, _ in got) == [("a", 1), ("b", 2), ("c", 3)]
    assert all(pid != os.getpid() for _, _, pid in got)
    assert [v for _, v, _ in pool.map_forked(_with_state, state, ["b"], workers=1)] == [2]


def _sigterm_action(_state, _item):
    import signal

    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_forked_children_stop_on_sigterm_whatever_handler_the_parent_set():
    """A build sets a SIGTERM handler for its clean-up; a forked child inheriting it could not be
    stopped, and a pool waiting for it hung (seen in the browser tests' site build)."""
    import signal

    from pipeline.runtime import pool

    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        assert pool.map_forked(_sigterm_action, None, range(4), 2) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, previous)
