"""The cache's entry format: a read Workbook (rows or Summary) <-> marshal bytes.

marshal, not pickle: several times faster to load for millions of small values, and loading it
can never run code, whatever is in the cache folder. Rows are stored as tuples under one key list
per sheet; dates (which marshal lacks) as ordinals in the columns that hold them. A workbook with
any other kind of value is simply not cached. Change the layout and bump cache.CACHE_FORMAT.
"""

from __future__ import annotations

import dataclasses
import gc
import marshal
from datetime import date
from typing import Any

from .findings import Finding
from .model import Row, Source, Summary, Workbook

MAGIC = b"OHSC4"  # starts every entry


_PLAIN = frozenset((type(None), bool, int, float, str))
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_WORKBOOK_SIMPLE = tuple(f.name for f in dataclasses.fields(Workbook)
                         if f.name not in ("cover", "tables", "findings", "summary"))
_SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))
_SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Summary))
_ROW_FIELDS = frozenset(f.name for f in dataclasses.fields(Row))


class _Unencodable(Exception):
    pass


def _encode_rows(keys: tuple[str, ...], records: list[tuple]) -> tuple:
    """(keys, date columns, records) with the dates of date columns as ordinals."""
    dates = []
    for i in range(len(keys)):
        kinds = {type(r[i]) for r in records} - {type(None)}
        if kinds == {date}:
            dates.append(i)
        elif not kinds <= _PLAIN:
            raise _Unencodable(keys[i])
    if dates:
        records = [tuple(v.toordinal() if i in dates and v is not None else v for i, v in enumerate(r))
                   for r in records]
    return keys, tuple(dates), records


def encode(workbook: Workbook) -> tuple | None:
    """The marshal-able form of a Workbook, or None when it holds a value the codec does not know."""
    try:
        simple = tuple(getattr(workbook, name) for name in _WORKBOOK_SIMPLE)
        if any(type(v) not in _PLAIN for v in simple):
            raise _Unencodable("workbook")
        cover_keys = tuple(workbook.cover)
        cover = _encode_rows(cover_keys, [tuple(workbook.cover.values())])
        tables = {}
        for key, rows in workbook.tables.items():
            keys = tuple(rows[0].values) if rows else ()
            records = []
            for row in rows:
                if type(row) is not Row or row.__dict__.keys() != _ROW_FIELDS or tuple(row.values) != keys:
                    raise _Unencodable(key)
                records.append((*row.values.values(), row.number))
            tables[key] = _encode_rows((*keys, "#row"), records)
        findings = _finding_tuples(workbook.findings)
        if type(workbook.findings) is not list:
            raise _Unencodable("findings")
        return simple, cover, tables, findings, _encode_summary(workbook.summary)
    except (_Unencodable, AttributeError, TypeError):
        return None


def _finding_tuples(findings: Any) -> list[tuple]:
    out = [tuple(getattr(f, name) for name in _FINDING_FIELDS) for f in findings]
    if any(type(v) not in _PLAIN for t in out for v in t):
        raise _Unencodable("findings")
    return out


def _encode_summary(summary: Summary | None) -> tuple | None:
    """A Summary as plain values (`entry_blob` refuses anything marshal cannot hold)."""
    if summary is None:
        return None
    values, sources = summary.part
    if any(type(v) is date for v in values.values()):
        raise _Unencodable("summary")
    return (summary.period, dict(values),
            [(what, tuple(getattr(src, n) for n in _SOURCE_FIELDS)) for what, src in sources],
            summary.client_ids, summary.project_clients, _finding_tuples(summary.roster_findings),
            summary.texts)


def _decode_summary(plain: tuple | None) -> Summary | None:
    if plain is None:
        return None
    period, values, sources, client_ids, project_clients, roster, texts = plain
    return Summary(period=period, part=(values, [(what, Source(*src)) for what, src in sources]),
                   client_ids=client_ids, project_clients=project_clients,
                   roster_findings=tuple(Finding(*f) for f in roster), texts=texts)


def entry_blob(sha256: str, path: str | None, payload: tuple) -> bytes:
    """The bytes of a cache entry for an `encode`d workbook (ValueError for a value marshal cannot hold)."""
    return MAGIC + marshal.dumps((sha256, path, payload))


def entry_workbook(blob: bytes) -> Workbook:
    """The Workbook of an `entry_blob` (raises on anything malformed)."""
    if not blob.startswith(MAGIC):
        raise ValueError("not a cache entry")
    return decode(marshal.loads(blob[len(MAGIC):])[2])


class _Dates(dict):
    """ordinal -> date, shared by every decoded row: one object per distinct day saves memory too."""

    def __missing__(self, ordinal: int) -> date:
        value = self[ordinal] = date.fromordinal(ordinal)
        return value


_DATES = _Dates()


def _restore_dates(values: dict[str, Any], names: tuple[str, ...], dates: tuple[int, ...]) -> None:
    for i in dates:
        name = names[i]
        if values[name] is not None:
            values[name] = _DATES[values[name]]


def decode(payload: tuple) -> Workbook:
    """The Workbook back from `encode`'s form (raises on anything malformed)."""
    simple, (cover_keys, cover_dates, (cover_values,)), tables, findings, summary = payload
    cover = dict(zip(cover_keys, cover_values))
    _restore_dates(cover, cover_keys, cover_dates)
    new_row = object.__new__
    decoded: dict[str, list[Row]] = {}
    # Millions of new containers would set off the cyclic collector again and again, for nothing:
    # none of these objects can form a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for key, (keys, dates, records) in tables.items():
            names = keys[:-1]
            rows = []
            for record in records:
                values = dict(zip(names, record))
                if dates:
                    _restore_dates(values, names, dates)
                row = new_row(Row)
                row.__dict__.update(number=record[-1], values=values)
                rows.append(row)
            decoded[key] = rows
    finally:
        if enabled:
            gc.enable()
    workbook = Workbook(**dict(zip(_WORKBOOK_SIMPLE, simple)))
    workbook.cover = cover
    workbook.tables = decoded
    workbook.findings = [Finding(*f) for f in findings]
    workbook.summary = _decode_summary(summary)
    return workbook


__all__ = ["MAGIC", "decode", "encode", "entry_blob", "entry_workbook"]
