"""The customer's policy: the knobs that tune the rule catalogue, read from TOML and validated.

A policy file is written by hand by somebody configuring a customer, so every mistake must come
back as one line that names the file, the key and the bad value — a typo'd key silently falling
back to its default would make a night's import quietly wrong. Everything here is pure: the
evaluator asks the policy questions ("is this start read tonight?", "when will it appear?") and
the answers depend on nothing but the policy and the dates given.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

MonthDay = tuple[int, int]
Window = tuple[MonthDay, MonthDay]

DEFAULT_CLASS_NAME_PATTERN = r"^(?!\s*(åk|ak|year|grade|klass)?\s*\d{1,2}\s*$)"
DEFAULT_TERM_START_WINDOWS: tuple[Window, ...] = (((8, 1), (8, 31)), ((1, 2), (1, 20)))

_TRUTHY_FLAGS = frozenset({"true", "1", "y", "yes", "j", "ja", "x"})
_COMMON_YEAR = 2001  # a month-day must exist in every year, so 02-29 is refused


class PolicyError(ValueError):
    """A policy the user must correct; the message names the file, the key and the bad value."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Every knob of DESIGN.md's policy block, with its documented default.

    `as_of` None means "today": the caller (CLI, sync) decides what today is, so this stays pure.
    """

    as_of: date | None = None
    lookahead_days: int = 0
    term_start_lookahead_days: int = 30
    term_start_windows: tuple[Window, ...] = DEFAULT_TERM_START_WINDOWS
    academic_year_start: MonthDay = (7, 1)
    require_email: bool = True
    email_domains: tuple[str, ...] = ()
    allowed_roles: tuple[str, ...] = ("student", "teacher", "staff", "admin")
    student_requires_class: bool = False
    teacher_requires_group: bool = True
    exclude_protected_identity: bool = True
    class_name_pattern: str = DEFAULT_CLASS_NAME_PATTERN
    group_export_flag: str = ""
    protected_identity_field: str = ""
    civic_no_field: str = ""
    schools: tuple[str, ...] = ()
    mass_removal_threshold: float = 0.10
    use_civic_no: bool = False
    keep_runs: int = 365

    def lookahead_on(self, night: date) -> int:
        """Days ahead a night reads: longer in term-start windows, when registries are busiest."""
        if _in_any_window(night, self.term_start_windows):
            return self.term_start_lookahead_days
        return self.lookahead_days

    def is_read_on(self, start: date | None, night: date) -> bool:
        """True when a record starting on `start` is imported on `night` (no start = always)."""
        return start is None or start <= night + timedelta(days=self.lookahead_on(night))

    def appears_on(self, start: date, as_of: date) -> date:
        """The first night on or after `as_of` that reads a record starting on `start`.

        This is the date a support agent promises a user, so it must match what the nightly
        import will really do, windows and all.
        """
        return _appears_on(
            start,
            as_of,
            self.lookahead_days,
            self.term_start_lookahead_days,
            self.term_start_windows,
        )

    def academic_year(self, night: date) -> tuple[date, date]:
        """First and last day (inclusive) of the academic year that contains `night`."""
        month, day = self.academic_year_start
        year = night.year if (night.month, night.day) >= (month, day) else night.year - 1
        first = date(year, month, day)
        return first, date(year + 1, month, day) - timedelta(days=1)

    def is_current_school_year(self, school_year: str, night: date) -> bool:
        """True when `school_year` names the academic year containing `night`.

        A single year is OneRoster's convention (the calendar year the school year ends in);
        "2026/27", "2026-2027" … name the year it starts in. An unrecognised text is not the
        current year; callers that want to report it as malformed use `parse_school_year`.
        """
        parsed = parse_school_year(school_year)
        if parsed is None:
            return False
        year, names_start = parsed
        first, last = self.academic_year(night)
        return year == (first.year if names_start else last.year)

    def class_name_is_specific(self, name: str) -> bool:
        """True when the class name tells parallel classes apart, per `class_name_pattern`."""
        return _compiled_pattern(self.class_name_pattern).match(name) is not None

    def school_in_scope(self, school_id: str, school_name: str) -> bool:
        """An empty `schools` list means every school; otherwise id or name, ignoring case."""
        if not self.schools:
            return True
        wanted = {entry.strip().casefold() for entry in self.schools}
        return school_id.strip().casefold() in wanted or school_name.strip().casefold() in wanted


# --- dates and windows ---------------------------------------------------------------------------
# Month-days are validated to exist in every year (no 02-29), so date(year, month, day) is safe.


def _in_window(night: date, window: Window) -> bool:
    """Month-day windows repeat every year and may wrap the year end ("12-20..01-10")."""
    first, last = window
    month_day = (night.month, night.day)
    if first <= last:
        return first <= month_day <= last
    return month_day >= first or month_day <= last


def _in_any_window(night: date, windows: tuple[Window, ...]) -> bool:
    return any(_in_window(night, window) for window in windows)


def _window_end(night: date, window: Window) -> date:
    """Last day of the occurrence of `window` that contains `night`."""
    first, last = window
    wraps = first > last
    year = night.year + 1 if wraps and (night.month, night.day) >= first else night.year
    return date(year, *last)


def _first_window_night(after: date, windows: tuple[Window, ...]) -> date | None:
    """The first night on or after `after` inside a window (None without windows).

    Outside every window, the next window night is the next opening day of some window.
    """
    if _in_any_window(after, windows):
        return after
    openings = []
    for first, _last in windows:
        opening = date(after.year, *first)
        openings.append(opening if opening >= after else date(after.year + 1, *first))
    return min(openings, default=None)


def _first_plain_night(after: date, windows: tuple[Window, ...]) -> date | None:
    """The first night on or after `after` outside every window (None if windows fill a year).

    Each jump leaves at least one window occurrence behind, and within a year each window has
    at most two occurrences, so 2k + 1 jumps either find a free night or prove there is none.
    """
    night = after
    for _ in range(2 * len(windows) + 2):
        containing = [window for window in windows if _in_window(night, window)]
        if not containing:
            return night
        night = max(_window_end(night, window) for window in containing) + timedelta(days=1)
    return None


@lru_cache(maxsize=65536)
def _appears_on(
    start: date,
    as_of: date,
    lookahead_days: int,
    term_start_lookahead_days: int,
    windows: tuple[Window, ...],
) -> date:
    """Jump between window boundaries instead of walking day by day.

    A plain night d reads `start` once d >= start - lookahead_days; a window night once
    d >= start - term_start_lookahead_days. The answer is the earlier of the first plain night
    past the first bound and the first window night past the second. `start` itself always
    qualifies (look-aheads are never negative), so the answer is never later than that.
    """
    plain = _first_plain_night(max(as_of, start - timedelta(days=lookahead_days)), windows)
    in_window = _first_window_night(
        max(as_of, start - timedelta(days=term_start_lookahead_days)), windows
    )
    candidates = [night for night in (plain, in_window) if night is not None]
    return min(candidates, default=max(as_of, start))


_SCHOOL_YEAR_SINGLE = re.compile(r"^\s*(\d{4})\s*$")
_SCHOOL_YEAR_SPAN = re.compile(r"^\s*(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})\s*$")


def parse_school_year(text: str) -> tuple[int, bool] | None:
    """Read a school year as (year, names_start).

    "2027" → (2027, False): OneRoster's schoolYear is the year the school year ends in.
    "2026/27", "2026-27", "2026-2027", "2026/2027" → (2026, True). Anything else, including a
    span whose second year does not follow the first, → None.
    """
    single = _SCHOOL_YEAR_SINGLE.match(text)
    if single:
        return int(single.group(1)), False
    span = _SCHOOL_YEAR_SPAN.match(text)
    if not span:
        return None
    first = int(span.group(1))
    second = span.group(2)
    following = first + 1
    if (len(second) == 2 and int(second) == following % 100) or (
        len(second) == 4 and int(second) == following
    ):
        return first, True
    return None


@lru_cache(maxsize=32)
def _compiled_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# --- source values the policy interprets -----------------------------------------------------


def is_truthy_flag(value: str | None) -> bool:
    """An export flag is on only when the registry says so; empty means "not exported"."""
    return value is not None and value.strip().casefold() in _TRUTHY_FLAGS


def is_protected_marking(value: str | None) -> bool:
    """Fail closed: anything but an empty marking or "Ingen" protects the person."""
    if value is None:
        return False
    marking = value.strip()
    return marking != "" and marking.casefold() != "ingen"


# --- reading TOML ----------------------------------------------------------------------------


def _show(value: object) -> str:
    """A value as the user wrote it in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


class _Problems:
    """Collects every problem in the file so the user can fix them all in one go."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.lines: list[str] = []

    def add(self, message: str) -> None:
        self.lines.append(f"{self.origin}: {message}")


# Every reader takes (key, value, problems) and returns the parsed value, or None after
# recording a problem ("today" for as_of is the one legitimate None).


def _whole_number(key: str, value: Any, problems: _Problems) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    problems.add(f"{key} must be a whole number ≥ 0, got {_show(value)}")
    return None


def _positive_number(key: str, value: Any, problems: _Problems) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.add(f"{key} must be a whole number ≥ 1, got {_show(value)}")
    return None


def _boolean(key: str, value: Any, problems: _Problems) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.add(f"{key} must be true or false (without quotes), got {_show(value)}")
    return None


def _text(key: str, value: Any, problems: _Problems) -> str | None:
    if isinstance(value, str):
        return value.strip()
    problems.add(f"{key} must be a text in quotes, got {_show(value)}")
    return None


def _text_list(key: str, value: Any, problems: _Problems) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    problems.add(f'{key} must be a list of texts like ["a", "b"], got {_show(value)}')
    return None


def _lowered_list(key: str, value: Any, problems: _Problems) -> tuple[str, ...] | None:
    """Domains and roles compare case-insensitively; "@school.se" means "school.se"."""
    texts = _text_list(key, value, problems)
    if texts is None:
        return None
    return tuple(text.lower().removeprefix("@") for text in texts)


def _roles(key: str, value: Any, problems: _Problems) -> tuple[str, ...] | None:
    """An empty role list would skip every person: surely a mistake, so refuse it."""
    roles = _lowered_list(key, value, problems)
    if roles is not None and not roles:
        problems.add(f"{key} must name at least one role, got []")
        return None
    return roles


def _month_day(text: str) -> MonthDay | None:
    match = re.fullmatch(r"\s*(\d{2})-(\d{2})\s*", text)
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(_COMMON_YEAR, month, day)
    except ValueError:
        return None
    return month, day


def _as_of(key: str, value: Any, problems: _Problems) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        if value.strip().casefold() == "today":
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(f'{key} must be "today" or a date like "2026-11-23", got {_show(value)}')
    return None


def _windows(key: str, value: Any, problems: _Problems) -> tuple[Window, ...] | None:
    texts = _text_list(key, value, problems)
    if texts is None:
        return None
    windows: list[Window] = []
    for text in texts:
        first, separator, last = text.partition("..")
        first_day, last_day = _month_day(first), _month_day(last)
        if not separator or first_day is None or last_day is None:
            problems.add(
                f'{key} entries must look like "08-01..08-31" (MM-DD..MM-DD, no 02-29), '
                f"got {_show(text)}"
            )
            continue
        windows.append((first_day, last_day))
    return tuple(windows)


def _academic_year_start(key: str, value: Any, problems: _Problems) -> MonthDay | None:
    text = _text(key, value, problems)
    if text is None:
        return None
    month_day = _month_day(text)
    if month_day is None:
        problems.add(f'{key} must be a day like "07-01" (MM-DD, no 02-29), got {_show(value)}')
    return month_day


def _threshold(key: str, value: Any, problems: _Problems) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    problems.add(f"{key} must be a number from 0 to 1 (0.10 = 10 %), got {_show(value)}")
    return None


def _pattern(key: str, value: Any, problems: _Problems) -> str | None:
    if not isinstance(value, str):
        return _text(key, value, problems)
    try:
        _compiled_pattern(value)
    except re.error as error:
        problems.add(f"{key} is not a valid regular expression ({error}), got {_show(value)}")
        return None
    return value


_READERS: dict[str, Callable[[str, Any, _Problems], Any]] = {
    "as_of": _as_of,
    "lookahead_days": _whole_number,
    "term_start_lookahead_days": _whole_number,
    "term_start_windows": _windows,
    "academic_year_start": _academic_year_start,
    "require_email": _boolean,
    "email_domains": _lowered_list,
    "allowed_roles": _roles,
    "student_requires_class": _boolean,
    "teacher_requires_group": _boolean,
    "exclude_protected_identity": _boolean,
    "class_name_pattern": _pattern,
    "group_export_flag": _text,
    "protected_identity_field": _text,
    "civic_no_field": _text,
    "schools": _text_list,
    "mass_removal_threshold": _threshold,
    "use_civic_no": _boolean,
    "keep_runs": _positive_number,
}

POLICY_KEYS: tuple[str, ...] = tuple(field.name for field in fields(Policy))
"""Every key a policy file may hold, in the order DESIGN.md lists them."""


def parse_policy(text: str, origin: str = "policy") -> Policy:
    """Build a Policy from TOML text; `origin` (the file name) prefixes every message.

    Every problem in the file is reported at once, one line each, so a person fixing a policy
    does not have to run the sync once per typo.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{origin}: not valid TOML: {error}") from None
    problems = _Problems(origin)
    values: dict[str, Any] = {}
    for key, value in document.items():
        reader = _READERS.get(key)
        if reader is None:
            close = difflib.get_close_matches(key, POLICY_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(f"unknown key '{key}'{hint}")
            continue
        known_problems = len(problems.lines)
        parsed = reader(key, value, problems)
        if len(problems.lines) == known_problems:
            values[key] = parsed
    if problems.lines:
        raise PolicyError("\n".join(problems.lines))
    return Policy(**values)


def load_policy(path: Path | None) -> Policy:
    """Read a policy file; no file given means every default."""
    if path is None:
        return Policy()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: policy file is not UTF-8 text") from None
    except OSError as error:
        raise PolicyError(f"{path}: cannot read the policy file ({error.strerror})") from None
    return parse_policy(text, origin=str(path))
