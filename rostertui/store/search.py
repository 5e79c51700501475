"""Finding a record from what a ticket quotes: an id, e-mail, login id, personnummer or name;
and, when tonight has nothing, where it was last seen and what it might have been meant as."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rostertui.domain.identity import fold_text, normalise_civic_no
from rostertui.store.answers import (
    ROW_COLUMNS,
    ROW_COLUMNS_OF,
    RecordRow,
    RunInfo,
    record_row,
    stored_login_ids,
)


def _likeness(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b)
    return matcher.ratio() if matcher.quick_ratio() >= 0.7 else 0.0


def _fts_match(query: str) -> str:
    """Every word of the query as a quoted prefix: user text never becomes FTS syntax."""
    return " AND ".join(f'"{token}"*' for token in re.findall(r"\w+", query.lower()))


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where a query was last found when tonight's source doesn't have it."""

    run: RunInfo
    row: RecordRow


class SearchQueries:
    """The search half of `Queries` (which it is mixed into): the connection, `_all`, `run`
    and the keyed hash come from there."""

    def search(self, run_id: int, query: str, limit: int = 20) -> list[RecordRow]:
        """Id, e-mail, login id, personnummer or name; exact answers first, then name matches.
        A query with an @ that is exactly someone's e-mail or login id answers with them alone.
        """
        query = query.strip()
        if not query:
            return []
        found: dict[int, RecordRow] = {}
        exact = self._all(
            f"SELECT {ROW_COLUMNS} FROM records WHERE run_id = ? "
            "AND kind IN ('person', 'group', 'school') AND key = ?",  # three index seeks
            [run_id, query],
        )
        by_login_id = self._login_id_matches(run_id, query)
        exact += by_login_id
        civic = normalise_civic_no(query) if re.fullmatch(r"[\d\s+-]{10,15}", query) else None
        if civic and self._hash:  # without the key file no personnummer can be matched
            exact += self._all(
                f"SELECT {ROW_COLUMNS} FROM records WHERE civic_hash = ? AND run_id = ?",
                [self._hash(civic), run_id],
            )
        for row in exact:
            found.setdefault(row[0], record_row(row))
        match = _fts_match(query)
        if match:
            for row in self._all(
                f"SELECT {ROW_COLUMNS_OF['r']} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? AND r.run_id = ? "
                "ORDER BY CASE r.kind WHEN 'person' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, "
                "r.name LIMIT ?",
                [match, run_id, limit],
            ):
                found.setdefault(row[0], record_row(row))
        if "@" in query:
            logs_in = {row[0] for row in by_login_id}
            addressed = [
                r for r in found.values() if r.email.lower() == query.lower() or r.id in logs_in
            ]
            if addressed:
                return addressed
        return list(found.values())[:limit]

    def last_sighting(self, query: str, before_run: int) -> Sighting | None:
        """The latest earlier run in which the query matched anything: "last seen on …"."""
        for run_id in self._runs_matching(query, before_run):
            found = self.search(run_id, query, limit=1)
            if found:
                return Sighting(self.run(run_id), found[0])
        return None

    def _runs_matching(self, query: str, before_run: int) -> list[int]:
        match = _fts_match(query)
        if not match:
            return []
        return [
            row[0]
            for row in self._all(
                "SELECT DISTINCT r.run_id FROM records_fts CROSS JOIN records r "
                "ON r.id = records_fts.rowid WHERE records_fts MATCH ? AND r.run_id < ? "
                "ORDER BY r.run_id DESC LIMIT 5",
                [match, before_run],
            )
        ]

    def near_matches(self, run_id: int, query: str, limit: int = 5) -> list[RecordRow]:
        """Typos, å/a and swapped names: candidates share the first letters of every word of
        the query (else of any one); they are ranked by how alike the folded names are, in
        either order."""
        words = [w for w in fold_text(query).split() if len(w) >= 2]
        if not words:
            return []
        wanted, swapped = " ".join(words), " ".join(reversed(words))
        for joiner, letters in ((" AND ", 2), (" OR ", 3)):
            starts = joiner.join(f'"{w[:letters]}"*' for w in words)
            scored = []
            for row in self._all(
                f"SELECT {ROW_COLUMNS_OF['r']} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? AND r.run_id = ? AND r.kind != 'membership' "
                "ORDER BY records_fts.rowid DESC LIMIT 5000",  # newest runs first
                [starts, run_id],
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
        """Records one of whose login ids is the query, in any case. The full-text index finds
        the candidates (the query's words as a phrase in the login ids); the comparison is made
        here, as the index drops punctuation ("anna.s" and "anna-s" are one phrase to it)."""
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        wanted = query.casefold()
        candidates = self._all(
            f"SELECT {ROW_COLUMNS_OF['r']}, r.login_ids "
            "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
            "WHERE records_fts MATCH ? AND r.run_id = ? LIMIT 100",
            [f'login_ids : "{" ".join(words)}"', run_id],
        )
        return [
            row[:-1]
            for row in candidates
            if any(login_id.casefold() == wanted for login_id in stored_login_ids(row[-1]))
        ]
