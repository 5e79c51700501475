"""Finding a record from what a ticket quotes: an id, e-mail, login id, personnummer or name;
and, when tonight has nothing, where it was last seen and what it might have been meant as.

A search never cuts silently: it answers with this night's first matches and the count of all
of them, the records imported on a recent night and gone since, and whether the query is a
protected person's exact identifier (keyed hashes only: nothing about her is shown)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rostertui.domain.describe import FIELD_NAMES
from rostertui.domain.identity import fold_text, normalise_civic_no
from rostertui.domain.packing import unpack
from rostertui.store.answers import (
    ROW_COLUMNS,
    ROW_COLUMNS_OF,
    Departure,
    RecordRow,
    RunInfo,
    SearchHit,
    SearchResult,
    Withheld,
    record_row,
    stored_login_ids,
)
from rostertui.store.during import HELD_ON, During, during

RECENT_NIGHTS = 14
"""How many good nights back a record imported then and gone since is still shown."""
_SORTED_UP_TO = 5000
"""More matches than this are listed in stored order: sorting them all by name would cost
more than the first page is worth (a one-letter query at 100,000 persons)."""
_KIND_ORDER = "CASE r.kind WHEN 'person' THEN 0 WHEN 'group' THEN 1 ELSE 2 END"


def _likeness(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b)
    return matcher.ratio() if matcher.quick_ratio() >= 0.7 else 0.0


def _fts_match(query: str) -> str:
    """Every word of the query as a quoted term, the last one also as the start of a word (a
    name typed in part) when it has three letters or more: a shorter start alone ("e", "se" of
    an e-mail) makes the index merge the lists of thousands of words, 100-300 ms at 100,000
    persons. After other words ("Anna S") it is the end of a name phrase, which the words
    before it narrow. User text never becomes FTS syntax: words are letters and digits."""
    words = re.findall(r"\w+", query.lower())
    if len(words) > 1 and len(words[-1]) < 3:  # "Anna S": a name typed in part, in order
        return f'name : "{" ".join(words)}"*'  # the phrase narrows the short start: 74 ms at 1 M
    terms = [f'"{word}"' for word in words]
    if words and len(words[-1]) >= 3:
        terms[-1] += "*"
    return " AND ".join(terms)


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where a query was last found when tonight's source doesn't have it."""

    run: RunInfo
    row: RecordRow


class SearchQueries:
    """The search half of `Queries` (which it is mixed into): the connection, `_all`, `run`
    and the keyed hash come from there."""

    def _in(self, run_id: int) -> During:
        return during(self.db, run_id)  # type: ignore[attr-defined]

    def search(self, run_id: int, query: str, limit: int = 50) -> list[RecordRow]:
        """The night's first matches alone, for a script that wants rows; `find` says how many
        there are in all, and everything else a person must be told."""
        return self._matching_rows(run_id, query.strip(), limit)[0] if query.strip() else []

    def find(self, run_id: int, query: str, limit: int = 50) -> SearchResult:
        """Id, e-mail, login id, personnummer or name in one night: exact answers first (an
        identifier, then the full name), then the other name matches, with the count of all of
        them; beside them the records a recent good night imported that are gone since; and
        whether the query is a protected person's exact identifier.
        """
        query = query.strip()
        if not query:
            return SearchResult([], 0, unkeyed=self._hash is None)
        run = self.run(run_id)
        rows, total = self._matching_rows(run_id, query, limit)
        withheld = self._withheld(query)
        gone = [] if withheld else self._gone(run, query, limit)
        departures = self._departures(run, [r for r in rows if r.status != "imported"])
        places = self.placements([*rows, *(row for row, _ in gone)])
        return SearchResult(
            hits=[SearchHit(r, run_id, places.get(r.id, ""), departures.get(r.id)) for r in rows],
            total=total,
            gone=[SearchHit(r, d.removed_run, places.get(r.id, ""), d) for r, d in gone],
            withheld=withheld,
            unkeyed=self._hash is None,
        )

    def _matching_rows(self, run_id: int, query: str, limit: int) -> tuple[list[RecordRow], int]:
        """The night's first `limit` matches and how many there are. A query with an @ that is
        exactly someone's e-mail or login id answers with them alone."""
        exact = self._exact_rows(run_id, query)
        if "@" in query and exact:
            return [record_row(row) for row in exact[:limit]], len(exact)
        match = _fts_match(query)
        if not match:
            return [record_row(row) for row in exact[:limit]], len(exact)
        now = self._in(run_id)
        in_run = f"records_fts MATCH ? AND {now.holds('r')}"
        matching = "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid"
        total = self._all(f"SELECT count(*) {matching} WHERE {in_run}", [match])
        ids = [row[0] for row in exact]
        counted = self._all(  # the exact answers the index found too are counted once
            "SELECT count(*) FROM records_fts WHERE records_fts MATCH ? "
            f"AND rowid IN ({_marks(ids)})",
            [match, *ids],
        )
        named = self._same_name(query, now)
        order = f"{_KIND_ORDER}, r.name" if total[0][0] <= _SORTED_UP_TO else "records_fts.rowid"
        rest = self._all(
            f"SELECT {now.row_columns('r')} {matching} WHERE {in_run} ORDER BY {order} LIMIT ?",
            [match, limit + len(exact) + len(named)],
        )
        found: dict[int, tuple] = {}
        for row in (*exact, *named, *rest):
            found.setdefault(row[0], row)
        shown = [record_row(row) for row in list(found.values())[:limit]]
        return shown, total[0][0] + len(exact) - counted[0][0]

    def _exact_rows(self, run_id: int, query: str) -> list[tuple]:
        """Records the query names outright: their id (an enrollment's too, which a ticket
        may quote and the full-text index does not hold), e-mail, a login id or personnummer."""
        now = self._in(run_id)
        rows = self._all(  # an index seek a kind; a membership's names are joined in
            f"SELECT {ROW_COLUMNS} FROM {now.shown()} WHERE kind IN {_KINDS} AND key = ?",
            [query],
        )
        if "@" in query:
            rows += self._addressed(run_id, query)
        rows += self._login_id_matches(run_id, query)
        civic = _civic_no(query)
        if civic and self._hash:  # without the key file no personnummer can be matched
            rows += self._all(
                f"SELECT {now.row_columns('r')} FROM records r WHERE r.civic_hash = ? "
                f"AND {now.holds('r')}",
                [self._hash(civic)],
            )
        unique: dict[int, tuple] = {}
        for row in rows:
            unique.setdefault(row[0], row)
        return list(unique.values())

    def _addressed(self, run_id: int, query: str) -> list[tuple]:
        """Records whose e-mail is the query, in any case."""
        wanted = query.lower()
        return [
            row[:-1]
            for row in self._phrase_candidates(run_id, "email", query)
            if (row[-1] or "").lower() == wanted
        ]

    def _phrase_candidates(self, run_id: int, column: str, query: str) -> list[tuple]:
        """The night's records whose `column` holds the query's words as a phrase (the index
        drops punctuation, so the caller compares the value, the row's last cell, exactly)."""
        assert column in ("email", "login_ids")  # ours, never the user's
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        now = self._in(run_id)
        return self._all(
            f"SELECT {now.row_columns('r')}, r.{column} "
            "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
            f"WHERE records_fts MATCH ? AND {now.holds('r')} LIMIT 100",
            [f'{column} : "{" ".join(words)}"'],
        )

    def _same_name(self, query: str, now: During) -> list[tuple]:
        """Records whose whole name is the query, folded ("marta hakansson" is Märta
        Håkansson): the index finds the names that begin with its words."""
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        wanted = fold_text(query)
        candidates = self._all(
            f"SELECT {now.row_columns('r')} "
            "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
            f"WHERE records_fts MATCH ? AND {now.holds('r')} "
            f"ORDER BY {_KIND_ORDER}, r.name LIMIT {_SORTED_UP_TO}",
            [f'name : ^"{" ".join(words)}"'],
        )
        return [row for row in candidates if fold_text(row[3] or "") == wanted]

    def _withheld(self, query: str) -> Withheld | None:
        """Whether the query is exactly a protected person's id, e-mail, personnummer or login
        id, hashed each way the sync hashed them. A name never matches: nothing of it is kept."""
        if self._hash is None:
            return None
        values = {query, query.casefold(), query.lower()}
        civic = _civic_no(query)
        if civic:
            values.add(civic)
        hashes = [self._hash(value) for value in values]
        last_run = self._all(
            f"SELECT max(last_run) FROM protected_hashes WHERE hash IN ({_marks(hashes)})",
            hashes,
        )[0][0]
        return Withheld(last_run) if last_run is not None else None

    def _recent_good_runs(self, before_run: int) -> list[int]:
        return [
            row[0]
            for row in self._all(
                "SELECT id FROM runs WHERE state = 'good' AND id < ? ORDER BY id DESC LIMIT ?",
                [before_run, RECENT_NIGHTS],
            )
        ]

    def _gone(self, run: RunInfo, query: str, limit: int) -> list[tuple[RecordRow, Departure]]:
        """Records that left the source on a recent good night (absent, removed) and that this
        night has no record of, as they were that night. A night's absent copies are the last
        records of that night alone, written for it (a removal is a version of one night)."""
        match = _fts_match(query)
        recent = self._recent_good_runs(run.id)
        if not match or not recent:
            return []
        removals = self._all(
            "SELECT run_id, sum(absent) FROM imports "
            f"WHERE run_id IN ({_marks(recent)}) GROUP BY run_id HAVING sum(absent) > 0 "
            "ORDER BY run_id DESC",
            recent,
        )
        runs: dict[int, RunInfo] = {}
        gone: dict[tuple[str, str], tuple[RecordRow, Departure]] = {}
        now = self._in(run.id)
        for removed_run, _absent in removals:
            for values in self._all(
                f"SELECT {ROW_COLUMNS_OF['r']} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? AND r.run_id = ? AND r.last_run = r.run_id "
                "AND r.status = 'absent' AND r.change = 'removed' AND NOT EXISTS (SELECT 1 "
                f"FROM records c WHERE c.kind = r.kind AND c.key = r.key AND {now.holds('c')}) "
                f"ORDER BY {_KIND_ORDER}, r.name",
                [match, removed_run],
            ):
                row = record_row(values)
                if (row.kind, row.key) not in gone:  # the latest removal is the one told
                    gone[row.kind, row.key] = (row, self._departure(removed_run, runs))
        return list(gone.values())[:limit]

    def _departure(self, removed_run: int, runs: dict[int, RunInfo]) -> Departure:
        info = runs.get(removed_run) or runs.setdefault(removed_run, self.run(removed_run))
        return Departure(
            info.as_of, info.id, info.previous_run or info.id, held=info.state == "held"
        )

    def _departures(self, run: RunInfo, rows: list[RecordRow]) -> dict[int, Departure]:
        """For this night's matches that are not imported: the night a recent one was removed
        (tonight, or an earlier night for one still skipped or excluded since)."""
        runs = {run.id: run}
        found: dict[int, Departure] = {}
        recent: list[int] | None = None
        for row in rows:
            if row.change == "removed":
                found[row.id] = self._departure(run.id, runs)
                continue
            recent = self._recent_good_runs(run.id) if recent is None else recent
            if not recent:
                break
            removed = self._all(
                "SELECT max(run_id) FROM records WHERE kind = ? AND key = ? AND change = 'removed' "
                f"AND run_id IN ({_marks(recent)})",
                [row.kind, row.key, *recent],
            )[0][0]
            if removed is not None:
                found[row.id] = self._departure(removed, runs)
        return found

    def placements(self, rows: list[RecordRow]) -> dict[int, str]:
        """A person's role, and a pupil's class: the class groups among her memberships (on the
        night of the row; an excluded class is named too, it is often the answer)."""
        persons = [r.id for r in rows if r.kind == "person" and not r.key.startswith("protected:")]
        if not persons:
            return {}
        role_at, class_at = FIELD_NAMES["person"].index("role"), FIELD_NAMES["group"].index("type")
        roles: dict[int, str] = {}
        member_of: dict[int, int] = {}
        for record_id, fields, members in self._all(
            f"SELECT id, fields, members FROM records WHERE id IN ({_marks(persons)})", persons
        ):
            values = unpack(fields)
            roles[record_id] = values[role_at] if len(values) > role_at else ""
            if roles[record_id] == "student":
                member_of.update((int(m), record_id) for m in (members or "").split(",") if m)
        classes: dict[int, list[str]] = {}
        ids = list(member_of)
        for membership_id, name, fields in self._all(  # her group as it was while she was in it
            "SELECT m.id, g.name, g.fields FROM records m JOIN records g ON g.kind = 'group' "
            "AND g.key = m.group_key AND g.run_id <= m.last_run AND g.last_run >= m.run_id "
            f"WHERE m.id IN ({_marks(ids)}) ORDER BY g.name",
            ids,
        ):
            values = unpack(fields)
            if len(values) > class_at and values[class_at] == "class":
                classes.setdefault(member_of[membership_id], []).append(name or "")
        return {
            record_id: ", ".join(dict.fromkeys(classes[record_id]))
            if record_id in classes
            else ("student, no class" if role == "student" else role)
            for record_id, role in roles.items()
        }

    def last_sighting(self, query: str, before_run: int) -> Sighting | None:
        """The latest earlier run in which the query matched anything: "last seen on …"."""
        for run_id in self._runs_matching(query, before_run):
            found, _ = self._matching_rows(run_id, query, limit=1)
            if found:
                return Sighting(self.run(run_id), found[0])
        return None

    def _runs_matching(self, query: str, before_run: int) -> list[int]:
        """The latest five earlier runs the query matched in: by the full-text index, or by
        a record's id outright (an enrollment's is not in the index)."""
        match = _fts_match(query)
        by_text = []
        if match:
            held_on = HELD_ON.format(a="r", run="runs.id", state="runs.state")
            by_text = self._all(  # the latest run each matching version held for
                "SELECT DISTINCT (SELECT max(runs.id) FROM runs WHERE runs.id < ? "
                f"AND {held_on}) AS seen FROM records_fts CROSS JOIN records r "
                "ON r.id = records_fts.rowid WHERE records_fts MATCH ? AND r.run_id < ? "
                "AND seen IS NOT NULL ORDER BY seen DESC LIMIT 5",
                [before_run, match, before_run],
            )
        held_on = HELD_ON.format(a="r", run="runs.id", state="runs.state")
        by_key = self._all(  # a seek a kind, newest first
            "SELECT id FROM runs WHERE id < ? AND EXISTS (SELECT 1 FROM records r "
            f"WHERE r.kind IN {_KINDS} AND r.key = ? AND {held_on}) ORDER BY id DESC LIMIT 5",
            [before_run, query],
        )
        return sorted({row[0] for row in (*by_text, *by_key)}, reverse=True)[:5]

    def near_matches(self, run_id: int, query: str, limit: int = 5) -> list[RecordRow]:
        """Typos, å/a and swapped names: candidates share the first letters of every word of
        the query (else of any one); they are ranked by how alike the folded names are, in
        either order. An id, e-mail or number has no near names: short starts of its parts
        would only make the index merge thousands of words' lists (300 ms at 100,000 persons)."""
        words = [w for w in fold_text(query).split() if len(w) >= 2]
        if not words or re.search(r"[\d@]", query):
            return []
        wanted, swapped = " ".join(words), " ".join(reversed(words))
        for joiner, letters in ((" AND ", 2), (" OR ", 3)):
            starts = joiner.join(f'"{w[:letters]}"*' for w in words)
            scored = []
            now = self._in(run_id)
            for row in self._all(
                f"SELECT {now.row_columns('r')} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                f"WHERE records_fts MATCH ? AND {now.holds('r')} "
                "ORDER BY records_fts.rowid DESC LIMIT 5000",
                [starts],
            ):
                name = fold_text(row[3])
                score = max(_likeness(wanted, name), _likeness(swapped, name))
                if score >= 0.7:
                    scored.append((score, row))
            if scored:
                scored.sort(key=lambda pair: -pair[0])
                return [record_row(row) for _, row in scored[:limit]]
        return []

    def _login_id_matches(self, run_id: int, query: str) -> list[tuple]:
        """Records one of whose login ids is the query, in any case ("anna.s" and "anna-s" are
        one phrase to the index, so each candidate's ids are compared here)."""
        wanted = query.casefold()
        return [
            row[:-1]
            for row in self._phrase_candidates(run_id, "login_ids", query)
            if any(login_id.casefold() == wanted for login_id in stored_login_ids(row[-1]))
        ]


_KINDS = "('person', 'group', 'school', 'membership')"
"""Every kind of record, said so a lookup by key seeks the key index once a kind."""


def _marks(values: list) -> str:
    return ",".join("?" for _ in values)


def _civic_no(query: str) -> str | None:
    """The query as a canonical personnummer, when it is shaped like one."""
    return normalise_civic_no(query) if re.fullmatch(r"[\d\s+-]{10,15}", query) else None
