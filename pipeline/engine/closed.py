"""Closed periods: a period's results frozen into plain data, and rebuilt from it. Pure.

`close` (pipeline/closing.py) writes `DATA_DIR/closed/PERIOD.json` from `freeze`; every other
command reads it back through `parse_record` and publishes the frozen cards verbatim, whatever
later changes to the policy, the reference or the code. The record carries:

    period, state ("closed" | "open" once reopened), closed_at, closed_by, code_version,
    policy {version, effective_from, digest}, reference {sha256, rows_digest},
    inputs {submission path: sha256} (every workbook of the period's quarters),
    cards [every Scorecard field, KPIs with their sources, the adjustments applied after review],
    figures {"OFFICE QUARTER": Figures} (quarters: what a later year pools, and the sales that
        next year's growth compares with — open periods use these frozen figures, never the
        current files, so a closed quarter means the same number everywhere),
    history [{action: close | reopen, at, by, reason}], checksum (sha256 of all the rest).

A record whose checksum is wrong was edited by hand: an error, never used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..findings import Finding, finding
from ..intake.facts import Source, WorkbookFacts
from ..intake.layout import SUBMISSIONS
from ..periods import PERIOD_RE, is_year, quarters_of
from .kpi import Figures
from .model import Adjustment, KpiResult, Reference, Results, Scorecard

FORMAT = 1
CLOSED_FOLDER = "closed"
CLOSED, OPEN = "closed", "open"


@dataclass
class ClosedRecord:
    """A closed (or reopened) period as read back: the frozen cards and figures, when it is closed."""

    period: str
    state: str
    closed_at: str = ""
    closed_by: str = ""
    policy_version: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    cards: list[Scorecard] = field(default_factory=list)
    figures: dict[tuple[str, str], Figures] = field(default_factory=dict)
    history: tuple[dict, ...] = ()
    plain: dict = field(default_factory=dict)  # the record as stored

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

    @property
    def quarters(self) -> list[str]:
        return quarters_of(self.period) if is_year(self.period) else [self.period]

    @property
    def closed_date(self) -> str:
        return self.closed_at[:10]


def valid_closable(period: str) -> bool:
    """A quarter `2026Q1` or a year `2026` as the file name of a record."""
    return bool(PERIOD_RE.match(period)) or (len(period) == 4 and period.isdigit())


def file_name(period: str) -> str:
    return f"{CLOSED_FOLDER}/{period}.json"


# ---------------------------------------------------------------------------------------------
# Freezing


def freeze(results: Results, period: str, *, inputs: dict[str, str], reference_sha256: str, by: str, at: str,
           code_version: str, history: Iterable[dict] = ()) -> dict:
    """The record of `period` closed now: plain JSON-able data with its checksum."""
    policy = results.policy_for(period)
    cards = results.for_period(period)
    figures = {} if is_year(period) else {f"{office} {quarter}": figures_to_plain(fig)
                                          for (office, quarter), fig in sorted(results.figures.items())
                                          if quarter == period}
    record = {
        "format": FORMAT,
        "period": period,
        "state": CLOSED,
        "closed_at": at,
        "closed_by": by,
        "code_version": code_version,
        "policy": {"version": policy.version, "effective_from": policy.effective_from, "digest": policy.digest},
        "reference": {"sha256": reference_sha256, "rows_digest": reference_digest(results.dataset.reference,
                                                                                  _quarters(period))},
        "inputs": dict(sorted(inputs.items())),
        "cards": [card_to_plain(c) for c in cards],
        "figures": figures,
        "history": [*history, {"action": "close", "at": at, "by": by}],
    }
    return sealed(record)


def reopened(plain: dict, *, by: str, at: str, reason: str) -> dict:
    """The record of a reopened period: its frozen results dropped, the history kept and extended."""
    record = {"format": FORMAT, "period": plain["period"], "state": OPEN,
              "history": [*plain.get("history", []), {"action": "reopen", "at": at, "by": by, "reason": reason}]}
    return sealed(record)


def sealed(record: dict) -> dict:
    body = {k: v for k, v in record.items() if k != "checksum"}
    return {**body, "checksum": checksum(body)}


def checksum(body: dict) -> str:
    """sha256 of the record's canonical JSON (sorted keys, no spaces), the checksum itself left out."""
    text = json.dumps({k: v for k, v in body.items() if k != "checksum"}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reference_digest(reference: Reference, quarters: list[str]) -> str:
    """sha256 of the reference rows a period used: every office, and the targets of its quarters."""
    offices = [[o.office_id, o.name, o.head, o.region, o.bonus_base] for o in
               sorted(reference.offices.values(), key=lambda o: o.office_id)]
    targets = [[t.office_id, t.period, t.sales_target, t.prior_sales, t.market_size]
               for key, t in sorted(reference.targets.items()) if t.period in quarters]
    text = json.dumps([offices, targets], ensure_ascii=False, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _quarters(period: str) -> list[str]:
    return quarters_of(period) if is_year(period) else [period]


def card_to_plain(card: Scorecard) -> dict:
    out = {f.name: getattr(card, f.name) for f in fields(Scorecard)}
    out["kpis"] = {key: _kpi_to_plain(k) for key, k in card.kpis.items()}
    out["adjustments"] = [asdict(a) for a in card.adjustments]
    for f in fields(Scorecard):
        if isinstance(out[f.name], tuple):
            out[f.name] = list(out[f.name])
    return out


def _kpi_to_plain(kpi: KpiResult) -> dict:
    out = {f.name: getattr(kpi, f.name) for f in fields(KpiResult)}
    out["sources"] = [list(s) for s in kpi.sources]
    return out


def figures_to_plain(fig: Figures) -> dict:
    out = {f.name: getattr(fig, f.name) for f in fields(Figures)}
    out["leavers"] = sorted(fig.leavers)
    out["sources"] = {what: [list(s) for s in srcs] for what, srcs in fig.sources.items()}
    return out


# ---------------------------------------------------------------------------------------------
# Reading back


class BadRecord(ValueError):
    """A record that cannot be used; the message (Chinese) says why."""


def parse_record(period: str, plain: Any) -> ClosedRecord:
    """A record read from `closed/PERIOD.json` -> ClosedRecord; BadRecord when tampered or malformed."""
    if not isinstance(plain, dict):
        raise BadRecord("内容不是关闭记录")
    if plain.get("checksum") != checksum(plain):
        raise BadRecord("校验和不符，文件在关闭后被改动过")
    if plain.get("format") != FORMAT or plain.get("period") != period:
        raise BadRecord(f"格式版本或期间与文件名 {period}.json 不符")
    try:
        record = ClosedRecord(period=period, state=plain["state"], history=tuple(plain.get("history", [])),
                              plain=plain)
        if record.state == CLOSED:
            record.closed_at, record.closed_by = str(plain["closed_at"]), str(plain["closed_by"])
            record.policy_version = str(plain["policy"]["version"])
            record.inputs = {str(k): str(v) for k, v in plain["inputs"].items()}
            record.cards = [card_from_plain(c) for c in plain["cards"]]
            record.figures = {tuple(key.split(" ", 1)): figures_from_plain(f) for key, f in plain["figures"].items()}
        elif record.state != OPEN:
            raise BadRecord(f"状态“{record.state}”无法识别")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, BadRecord):
            raise
        raise BadRecord("记录缺少必要的内容或格式不对") from None
    return record


def card_from_plain(plain: dict) -> Scorecard:
    known = {f.name for f in fields(Scorecard)}
    values = {k: v for k, v in plain.items() if k in known}
    for f in fields(Scorecard):  # JSON has lists where the card has tuples (honours, notes)
        if f.default == () and f.name in values:
            values[f.name] = tuple(values[f.name])
    values["kpis"] = {key: _kpi_from_plain(k) for key, k in plain.get("kpis", {}).items()}
    values["adjustments"] = tuple(Adjustment(**a) for a in plain.get("adjustments", ()))
    return Scorecard(**values)


def _kpi_from_plain(plain: dict) -> KpiResult:
    known = {f.name for f in fields(KpiResult)}
    values = {k: v for k, v in plain.items() if k in known}
    values["sources"] = tuple(Source(*s) for s in plain.get("sources", ()))
    return KpiResult(**values)


def figures_from_plain(plain: dict) -> Figures:
    known = {f.name for f in fields(Figures)}
    values = {k: v for k, v in plain.items() if k in known}
    values["leavers"] = frozenset(plain.get("leavers", ()))
    values["sources"] = {what: [Source(*s) for s in srcs] for what, srcs in plain.get("sources", {}).items()}
    return Figures(**values)


# ---------------------------------------------------------------------------------------------
# Checks against the files on disk now


def period_inputs(workbooks: Iterable[WorkbookFacts], period: str) -> dict[str, str]:
    """path -> sha256 of every workbook under submissions/ of the period's quarters."""
    prefixes = tuple(f"{SUBMISSIONS}/{q}/" for q in _quarters(period))
    return {f.path: f.sha256 for f in workbooks if f.path.startswith(prefixes)}


def changed_inputs(record: ClosedRecord, workbooks: Iterable[WorkbookFacts]) -> list[Finding]:
    """closed-period-changed for each workbook of a closed period changed, added or removed since."""
    now = period_inputs(workbooks, record.period)
    then = record.inputs
    out = []
    for path in sorted(set(now) | set(then)):
        if path not in then:
            change = "是关闭后新增的"
        elif path not in now:
            change = "已被删除"
        elif now[path] != then[path]:
            change = "的内容已改变"
        else:
            continue
        parts = path.split("/")
        where = {"office_id": parts[2], "period": parts[1]} if len(parts) == 4 else {}
        out.append(finding("closed-period-changed", file=path, closed=record.period, closed_at=record.closed_date,
                           change=change, **where))
    return out


def unusable(period: str, reason: str) -> Finding:
    return finding("closed-record-invalid", file=file_name(period), reason=reason)


__all__ = ["CLOSED", "CLOSED_FOLDER", "OPEN", "BadRecord", "ClosedRecord", "card_from_plain", "card_to_plain",
           "changed_inputs", "checksum", "figures_from_plain", "figures_to_plain", "file_name", "freeze",
           "parse_record", "period_inputs", "reference_digest", "reopened", "sealed", "unusable", "valid_closable"]
