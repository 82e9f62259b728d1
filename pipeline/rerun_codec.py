"""A rerun snapshot (rerun.Snapshot) as plain tuples, lists and dicts, for `marshal`.

marshal rather than pickle: it builds only built-in values, so a snapshot file, like every other
file of the cache, can never make the pipeline run code; and it loads about twice as fast. A file
is a series of length-prefixed marshal chunks — the head, then one per office — so that it is
written as it is made.
"""

from __future__ import annotations

import marshal
import operator
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

from .findings import Finding
from .model import Scorecard
from .report.xlsx_zip import Piece

FORMAT = 4
_FINDING = tuple(f.name for f in fields(Finding))
_CARD = tuple(f.name for f in fields(Scorecard) if f.name not in ("kpis", "informational"))


_finding = operator.attrgetter(*_FINDING)  # Finding -> its fields as a tuple, in one call
_card = operator.attrgetter(*_CARD)  # Scorecard -> the fields a rerun keeps

def _to_card(values: tuple) -> Scorecard:
    card = object.__new__(Scorecard)  # a plain dataclass: its fields are its __dict__
    card.__dict__.update(zip(_CARD, values))
    card.kpis, card.informational = {}, {}
    return card


def _piece(p: Piece) -> tuple:
    return (p.data, p.crc, p.size)


def _part(p) -> tuple:
    return (p.files, p.stamps, p.entangled, [_finding(f) for f in p.findings],
            {k: [_finding(f) for f in v] for k, v in p.kpi_findings.items()}, p.file_lines, p.matrix,
            p.accepted_periods, p.seen_periods, [_card(c) for c in p.cards], p.csv, p.rows,
            None if p.sources is None else (_piece(p.sources[0]), p.sources[1]))


def _to_part(t: tuple):
    from .rerun import OfficePart

    (files, stamps, entangled, findings, kpi, lines, matrix, accepted, seen, cards, csv, rows, sources) = t
    return OfficePart(files=files, stamps=stamps, entangled=entangled, findings=[Finding(*f) for f in findings],
                      kpi_findings={k: [Finding(*f) for f in v] for k, v in kpi.items()}, file_lines=lines,
                      matrix=matrix, accepted_periods=accepted, seen_periods=seen,
                      cards=[_to_card(c) for c in cards], csv=csv, rows=rows,
                      sources=None if sources is None else (Piece(*sources[0]), sources[1]))


def _groups(groups: dict) -> dict:
    return {title: {k: (_piece(piece), sig) for k, (piece, sig) in by.items()} for title, by in groups.items()}


def _to_groups(groups: dict) -> dict:
    return {title: {k: (Piece(*piece), sig) for k, (piece, sig) in by.items()} for title, by in groups.items()}


def _framed(value) -> bytes:
    blob = marshal.dumps(value)
    return len(blob).to_bytes(4, "little") + blob


def _frames(blob: bytes):
    """The values of `_framed` chunks laid end to end in `blob`."""
    view, at = memoryview(blob), 0
    while at < len(view):
        size = int.from_bytes(view[at:at + 4], "little")
        if at + 4 + size > len(view):
            raise ValueError("a snapshot cut short")
        yield marshal.loads(view[at + 4:at + 4 + size])
        at += 4 + size


def dump_snapshot(snap) -> Iterator[bytes]:
    """The snapshot as chunks: its head, then one per office (written as they are made, so a
    full run never holds the whole 40 MB of it at once)."""
    yield _framed((FORMAT, snap.key, snap.data_dir, snap.reference_sha, [_finding(f) for f in snap.discovered],
                   [_finding(f) for f in snap.other_findings], snap.other_files, snap.other_stamps,
                   snap.other_lines, snap.periods, snap.target_periods, snap.matrix_periods, len(snap.offices),
                   _groups(snap.groups), snap.token))
    for office, part in snap.offices.items():
        yield _framed((office, _part(part)))


def load_snapshot(blob: bytes):
    """The Snapshot in `blob`; ValueError (or another error marshal raises) when it is not one."""
    from .rerun import Snapshot

    frames = _frames(blob)
    values = next(frames)
    if not isinstance(values, tuple) or len(values) != 15 or values[0] != FORMAT:
        raise ValueError("not a snapshot of this format")
    (_, key, data_dir, reference_sha, discovered, others, other_files, other_stamps, other_lines, periods,
     target_periods, matrix_periods, count, groups, token) = values
    offices = {office: _to_part(part) for office, part in frames}
    if len(offices) != count:
        raise ValueError("a snapshot without all its offices")
    return Snapshot(key=key, data_dir=data_dir, reference_sha=reference_sha,
                    discovered=[Finding(*f) for f in discovered], other_findings=[Finding(*f) for f in others],
                    other_files=other_files, other_stamps=other_stamps, other_lines=other_lines, periods=periods,
                    target_periods=target_periods, matrix_periods=matrix_periods, offices=offices,
                    groups=_to_groups(groups), token=token)


def dump_delta(offices: dict, groups: dict) -> Iterator[bytes]:
    yield _framed((FORMAT, len(offices), _groups(groups)))
    for office, part in offices.items():
        yield _framed((office, _part(part)))


def load_delta(blob: bytes) -> tuple[dict, dict]:
    frames = _frames(blob)
    values: Any = next(frames)
    if not isinstance(values, tuple) or len(values) != 3 or values[0] != FORMAT:
        raise ValueError("not a snapshot delta of this format")
    offices = {office: _to_part(part) for office, part in frames}
    if len(offices) != values[1]:
        raise ValueError("a delta without all its offices")
    return offices, _to_groups(values[2])


__all__ = ["dump_delta", "dump_snapshot", "load_delta", "load_snapshot"]
