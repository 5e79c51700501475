"""A month of nights: `write_demo_month` and the `_Month` schedule that writes and tells them.

Why a module of its own: the month generates the rows once, as a superset of every night, and
writes each night from memory through that night's view, so a month costs little more than
writing its files. It also lays the undated events (a rename, a re-issued id, two fixes, 9B's
unticked week, a truncated export) onto the nights and tells each night's story in plain English.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from math import floor
from pathlib import Path

from rostertui.demo.bundle import Demo, DemoBundle
from rostertui.demo.events import UNDATED_EVENTS, State, View, mistyped_email, renamed_row
from rostertui.demo.files import (
    HEADERS,
    MANIFEST_TEXT,
    POLICY,
    Table,
    Tables,
    csv_text,
    write_rows,
    write_text,
)
from rostertui.demo.ids import user_sourced_id
from rostertui.demo.plan import MIN_PEOPLE

MONTH = 30
"""The canonical month the undated events are laid out on; shorter months squeeze it, longer
ones begin with ordinary nights."""

SCALED_EVENTS: dict[str, int] = {
    "renamed": 8,
    "fixed": 10,
    "nine_b_off": 12,
    "reissued": 16,
    "nine_b_on": 19,
    "truncated": 24,
}
"""Events that write no date into the files, on their night of the canonical month. Whatever
the month's length, by the last night all have happened and 9B is unticked again, so the last
night is always what `write_demo_bundle(today)` writes."""

TRUNCATED_SHARE = 0.4


@dataclass(frozen=True)
class DemoNight:
    """One night of the demo month: its bundle and what happened in the registry that night."""

    as_of: date
    bundle: DemoBundle
    story: str
    events: tuple[str, ...] = ()  # machine-readable keys of the story's parts, in its order


def _scaled(canonical: int, nights: int) -> int:
    """A canonical night (1…30) in a month of `nights`: squeezed, or the month's last 30."""
    if nights >= MONTH:
        return nights - MONTH + canonical
    return 1 + floor((canonical - 1) * (nights - 1) / (MONTH - 1) + 0.5)


class _Month:
    """The schedule of one month and the writing of its nights from the rows in memory."""

    def __init__(self, demo: Demo, tables: Tables, today: date, nights: int) -> None:
        self.demo, self.cast, self.tables = demo, demo.cast, tables
        self.today, self.nights = today, nights
        at = {key: _scaled(night, nights) for key, night in SCALED_EVENTS.items()}
        off, on = at.pop("nine_b_off"), at.pop("nine_b_on")
        on = max(on, off + 1)
        self.unexported = {nights} | (set(range(off, on)) if off >= 2 and on < nights else set())
        truncated = at.pop("truncated")
        self.truncated = truncated if 2 <= truncated < nights else None
        for key in UNDATED_EVENTS:  # their night must be a good run, to be seen as it happens
            if at[key] == self.truncated:
                at[key] -= 1
        self.at = at
        self.users: dict[str, tuple[str, ...]] = {}
        for row in tables.users:
            self.users.setdefault(row[0], row)
        self.titles = {row[0]: row[3] for row in tables.classes}
        self.static = {
            "manifest.csv": MANIFEST_TEXT,
            "orgs.csv": csv_text(HEADERS["orgs.csv"], tables.orgs),
            "academicSessions.csv": csv_text(HEADERS["academicSessions.csv"], tables.sessions),
        }

    def night(self, index: int) -> date:
        return self.today - timedelta(days=self.nights - index)

    def state(self, index: int) -> State:
        return State(
            night=self.night(index),
            done=frozenset(key for key, night in self.at.items() if night <= index),
            nine_b_exported=index not in self.unexported,
            truncated=index == self.truncated,
            id_changed=index == self.at["reissued"] and index >= 2,
        )

    def write(self, root: Path, index: int) -> DemoNight:
        state = self.state(index)
        view = View(self.cast, state, self.demo.nine_b_id)
        folder = root / f"{state.night:%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.static.items():
            write_text(folder / name, text)
        tables = self.tables
        users = [row for row in map(view.user, tables.users) if row is not None]
        total = len(users)
        if state.truncated:
            users = users[: round(total * TRUNCATED_SHARE)]
        for name, rows in (
            ("classes.csv", [row for row in map(view.group, tables.classes) if row is not None]),
            ("users.csv", users),
            ("enrollments.csv", [r for r in map(view.enrolment, tables.enrolments) if r]),
        ):
            write_rows(folder / name, HEADERS[name], rows)
        present = Counter(row[0] for row in users) if state.truncated else None
        bundle = self.demo.bundle(folder, state, present)
        parts = self.story(index, total, len(users))
        story = "; ".join(text for _, text in parts) or "Ordinary night"
        return DemoNight(state.night, bundle, story, tuple(key for key, _ in parts))

    # -- the story --------------------------------------------------------------------------

    def name(self, user_id: str) -> str:
        row = self.users[user_id]
        return f"{row[8]} {row[9]}"

    def placement(self, pupil: int) -> str:
        plan = self.demo.plan
        cls = plan.class_of(pupil)
        return f"{cls.title}, {plan.schools[cls.school].name}"

    def story(self, index: int, total: int, kept: int) -> list[tuple[str, str]]:
        """(event key, plain English) for what changed in the registry tonight. Night 1 is the
        first export anyone sees, so it has no news but 9B's state."""
        parts = self.nine_b_story(index)
        if index == self.truncated:
            parts.append((
                "export_truncated", f"Export truncated: users.csv has {kept:,} of {total:,} rows"
            ))  # fmt: skip
        if self.truncated is not None and index == self.truncated + 1:
            parts.append(("export_complete", "Export complete again"))
        if index >= 2:
            parts += self.calendar_story(self.night(index))
            parts += self.scheduled_story(index)
        return parts

    def nine_b_story(self, index: int) -> list[tuple[str, str]]:
        exported = index not in self.unexported
        if index == 1:
            if exported:
                return []
            return [(
                "class_unexported",
                "Class 9B at Centralskolan (Anna Svensson's class) is not ticked 'Till LMS' in "
                "the registry",
            )]  # fmt: skip
        if exported == (index - 1 not in self.unexported):
            return []
        if exported:
            return [("class_exported", "Class 9B ticked 'Till LMS' again in the registry")]
        again = " again" if any(n < index for n in self.unexported) else ""
        return [(
            "class_unexported",
            f"Class 9B unticked 'Till LMS' in the registry{again} (Anna Svensson's class at "
            "Centralskolan)",
        )]  # fmt: skip

    def calendar_story(self, night: date) -> list[tuple[str, str]]:
        """The registry's weekly rhythm and its new groups, by date."""
        cast, plan, policy = self.cast, self.demo.plan, POLICY
        yesterday = night - timedelta(days=1)
        parts: list[tuple[str, str]] = []
        started: list[tuple[str, str, date]] = []  # pending new pupils read from tonight
        for w, week in enumerate(cast.weeks):
            if week.tuesday == night:
                who = self.name(user_sourced_id(week.leaver + 1))
                parts.append((
                    "pupil_left",
                    f"Pupil {who} ({self.placement(week.leaver)}) moved away: removed from the "
                    "registry",
                ))  # fmt: skip
            if week.dropper is not None and week.wednesday == night:
                who = self.name(user_sourced_id(week.dropper + 1))
                parts.append((
                    "group_left",
                    f"Pupil {who} ({self.placement(week.dropper)}) leaves "
                    f"{self.titles[week.drop_class]}: enrollment endDate {night}",
                ))  # fmt: skip
            if week.joiner is None:
                continue
            school, level, registered, begin = week.joiner
            where = f"{plan.first_class(school, level).title} at {plan.schools[school].name}"
            who = self.name(cast.joiner_id(w))
            if registered == night:
                if begin <= night:
                    parts.append(("pupil_joined", f"New pupil {who} joins {where}"))
                    continue
                text = f"New pupil {who} registered for {where}, starting {begin}"
                if not policy.is_read_on(begin, night):
                    text += f" (pending until {policy.appears_on(begin, night)})"
                else:
                    text += " (read early: term-start look-ahead)"
                parts.append(("pupil_registered", text))
            elif registered < night and _starts_reading(begin, yesterday, night):
                started.append((who, where, begin))
        if len(started) == 1:
            who, where, begin = started[0]
            early = f" (from {begin}) is read early" if begin > night else " starts"
            parts.append(("pupil_started", f"{who}'s placement in {where}{early}"))
        elif started:
            early = " are read early" if any(b > night for _, _, b in started) else " start"
            names = ", ".join(who for who, _, _ in started)
            parts.append(
                ("pupil_started", f"Placements of {len(started)} new pupils{early}: {names}")
            )
        for term in cast.term_groups:
            group, start = term.group, term.start
            if term.added == night:
                text = f"Registry adds teaching group {group.title} at Centralskolan, starting "
                text += str(start)
                if not policy.is_read_on(start, night):
                    text += f" (pending until {policy.appears_on(start, night)})"
                elif start > night:
                    days = policy.lookahead_on(night)
                    text += f"; the term-start look-ahead ({days} days) imports it early"
                parts.append(("group_added", text))
            elif term.added < night and start > night and _starts_reading(start, yesterday, night):
                parts.append((
                    "lookahead_opened",
                    f"Term-start window opens: the {policy.lookahead_on(night)}-day look-ahead "
                    f"imports {group.title} (starts {start}) early",
                ))  # fmt: skip
        return parts

    def scheduled_story(self, index: int) -> list[tuple[str, str]]:
        """The month's undated events, on the nights the schedule gives them."""
        cast, at = self.cast, self.at
        parts: list[tuple[str, str]] = []
        if at["renamed"] == index:
            row = self.users[cast.renamed]
            new = renamed_row(row, cast.rename_to)[9]
            parts.append((
                "teacher_renamed",
                f"Teacher {row[8]} {row[9]} changed family name to {new} in the registry",
            ))  # fmt: skip
        if at["reissued"] == index:
            old = user_sourced_id(cast.reissued + 1)
            parts.append((
                "id_reissued",
                f"Pupil {self.name(old)} re-registered under a new id ({old} → "
                f"{cast.reissued_new}); same e-mail and personnummer",
            ))  # fmt: skip
        if at["fixed"] == index:
            missing = user_sourced_id(cast.fixed_missing + 1)
            invalid = user_sourced_id(cast.fixed_invalid + 1)
            wrong = mistyped_email(self.users[invalid])[12]
            parts.append((
                "emails_fixed",
                f"Registry fixed two e-mail addresses: {self.name(missing)}'s was empty, "
                f"{self.name(invalid)}'s read {wrong}",
            ))  # fmt: skip
        return parts


def _starts_reading(start: date, yesterday: date, tonight: date) -> bool:
    """A record starting on `start` is read tonight and was not last night."""
    return POLICY.is_read_on(start, tonight) and not POLICY.is_read_on(start, yesterday)


def write_demo_month(
    root: Path, *, today: date, nights: int = MONTH, people: int = 2000, seed: int = 7
) -> list[DemoNight]:
    """Write `nights` consecutive nights of Sjöstads kommun, oldest first, the last being today.

    Each night is a complete bundle in `root / YYYY-MM-DD` with a one-line story of what changed
    in the registry. The registry's weekly rhythm and new groups follow the calendar (`Week`,
    `plan_term_groups`); a rename, a re-issued id, two fixes, 9B's unticked week and a truncated
    export follow SCALED_EVENTS, squeezed into shorter months (what does not fit happened before
    the first night). The rows are generated once and each night is written from memory.
    Deterministic for (today, nights, people, seed); the last night is always what
    `write_demo_bundle(…, as_of=today)` writes.
    """
    if nights < 1:
        raise ValueError(f"a demo month needs at least one night, got {nights}")
    if people < MIN_PEOPLE:
        raise ValueError(f"the demo needs at least {MIN_PEOPLE} people, got {people}")
    demo = Demo(today, people, seed, None)
    tables = Tables(Table(), Table(), Table(), Table(), Table())
    demo.generate(tables)
    month = _Month(demo, tables, today, nights)
    root = Path(root)
    return [month.write(root, index) for index in range(1, nights + 1)]
