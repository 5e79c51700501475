"""The school-year calendar the demo registry lives by: term dates and the days things happen on.

Why a module of its own: every date the demo writes (sessions, enrolment begin and end, the
weekly rhythm of leavers, joiners and group drops, summer school) is derived from the school year
containing the as-of date, never from the as-of date itself, so bundles of consecutive nights
differ only by what happened in between. Keeping the calendar apart keeps that rule in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class SchoolYear:
    """The academic year (07-01 … 06-30) with the HT and VT terms the groups run on."""

    start_year: int

    @classmethod
    def containing(cls, day: date) -> SchoolYear:
        return cls(day.year if day.month >= 7 else day.year - 1)

    def previous(self) -> SchoolYear:
        return SchoolYear(self.start_year - 1)

    @property
    def label(self) -> str:
        """OneRoster's schoolYear is the year the school year ends in."""
        return str(self.start_year + 1)

    @property
    def title(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 7, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 6, 30)

    @property
    def ht_start(self) -> date:
        return date(self.start_year, 8, 17)

    @property
    def ht_end(self) -> date:
        return date(self.start_year, 12, 20)

    @property
    def vt_start(self) -> date:
        return date(self.start_year + 1, 1, 8)

    @property
    def vt_end(self) -> date:
        return date(self.start_year + 1, 6, 12)

    @property
    def session_id(self) -> str:
        return f"as-{self.label}"

    @property
    def term_ids(self) -> str:
        return f"as-{self.label}-ht,as-{self.label}-vt"


def iso(day: date) -> str:
    return day.isoformat()


def school_mondays(year: SchoolYear) -> list[date]:
    """The Mondays of the school year, from the first one on or after its first day."""
    first = year.start + timedelta(days=(7 - year.start.weekday()) % 7)
    return [first + timedelta(weeks=w) for w in range((year.end - first).days // 7 + 1)]


def drop_day(year: SchoolYear, week: int, monday: date) -> bool:
    """Every other Wednesday of term, once the term has run a week."""
    wednesday = monday + timedelta(days=2)
    return week % 2 == 0 and year.ht_start + timedelta(days=7) <= wednesday <= year.vt_end


def summer_start(year: SchoolYear) -> date:
    """The Monday after VT ends."""
    return year.vt_end + timedelta(days=(7 - year.vt_end.weekday()) % 7 or 7)
