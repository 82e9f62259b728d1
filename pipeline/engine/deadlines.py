"""Filing deadlines and lateness: reference.xlsx › 填报日程 -> each quarter's deadline, and whether
each office's form arrived by it.

Pure. Lateness is informational: the policy attaches no penalty to it, so nothing here reaches a
score. A form counts as received when its file first arrived (intake's log, else the file's
modification time, then marked 估计); a day is late when the received date is after the deadline.
A quarter without a row in 填报日程 is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..findings import Finding, finding
from ..forms import REFERENCE
from ..intake.facts import Row
from ..intake.received import Receipt
from ..periods import valid_period
from .model import Dataset
from .submissions import NOT_SUBMITTED, Matrix

SCHEDULE = REFERENCE.sheet("schedule")
ON_TIME, LATE = "ontime", "late"
FROM_LOG, FROM_MTIME = "intake", "mtime"  # where a received date came from (validation.json's `source`)
ESTIMATED_MARK = "（估计）"
INFORMATIONAL_NOTE = "是否按时提交仅作记录，不影响考核得分、等级和排名。"


@dataclass(frozen=True)
class Timeliness:
    """One form of one office-quarter against its deadline."""

    state: str  # ON_TIME | LATE | NOT_SUBMITTED
    days: int = 0  # days late
    estimated: bool = False  # received date taken from the file's modification time
    received: date | None = None  # the day the form first arrived (None: not submitted)

    @property
    def source(self) -> str | None:
        """Where the received date came from: intake's log, the file's mtime, or None (not submitted)."""
        if self.received is None:
            return None
        return FROM_MTIME if self.estimated else FROM_LOG

    @property
    def label(self) -> str:
        """按时 / 迟交 N 天 / 未提交, with （估计） when the date is the file's modification time."""
        if self.state == NOT_SUBMITTED:
            return "未提交"
        text = "按时" if self.state == ON_TIME else f"迟交 {self.days} 天"
        return text + (ESTIMATED_MARK if self.estimated else "")


Board = dict[str, dict[str, dict[str, Timeliness]]]  # period -> office -> form -> Timeliness


def build_deadlines(rows: Iterable[Row], path: str) -> tuple[dict[str, date], list[Finding]]:
    """Quarter -> deadline from 填报日程's rows; a finding for a 期间 that is not a quarter.

    Blank cells, bad dates and a repeated 期间 are the reader's findings (the spec's rules).
    """
    deadlines: dict[str, date] = {}
    found: list[Finding] = []
    for row in rows:
        text, deadline = row["period"], row["deadline"]
        if not isinstance(text, str) or not text or not isinstance(deadline, date):
            continue
        period = valid_period(text)
        if period is None:
            found.append(finding("period-malformed", file=path, sheet=SCHEDULE.name, row=row.number,
                                 cell=f"{SCHEDULE.column_letter('period')}{row.number}", column="期间",
                                 value=text, seen=text))
            continue
        deadlines.setdefault(period, deadline)
    return deadlines, found


def judge(deadline: date, receipt: Receipt | None) -> Timeliness | None:
    """A received form against its deadline; None when the time it arrived is unknown."""
    if receipt is None:
        return None
    days = (receipt.at.date() - deadline).days
    return Timeliness(LATE if days > 0 else ON_TIME, max(days, 0), receipt.estimated, receipt.at.date())


def timeliness(dataset: Dataset, matrix: Matrix) -> Board:
    """Every form of the board's quarters that have a deadline: 按时, 迟交 N 天 or 未提交.

    A place with several files (a duplicate) counts its earliest one.
    """
    deadlines = dataset.reference.deadlines
    arrived: dict[tuple[str, str, str], Receipt] = {}
    for facts in dataset.workbooks if deadlines else ():
        place = dataset.slot(facts)
        receipt = dataset.received.get(facts.path)
        if place is None or receipt is None or place[0] not in deadlines:
            continue
        if place not in arrived or receipt.at < arrived[place].at:
            arrived[place] = receipt
    board: Board = {}
    for period, offices in matrix.items():
        deadline = deadlines.get(period)
        if deadline is None:
            continue
        board[period] = {}
        for office_id, states in offices.items():
            row: dict[str, Timeliness] = {}
            for form_id, state in states.items():
                judged = (Timeliness(NOT_SUBMITTED) if state == NOT_SUBMITTED
                          else judge(deadline, arrived.get((period, office_id, form_id))))
                if judged is not None:
                    row[form_id] = judged
            board[period][office_id] = row
    return board


__all__ = ["ESTIMATED_MARK", "FROM_LOG", "FROM_MTIME", "INFORMATIONAL_NOTE", "LATE", "ON_TIME", "SCHEDULE", "Board", "Timeliness",
           "build_deadlines", "judge", "timeliness"]
