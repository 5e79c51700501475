"""Which rows make up a run, now that a row is a version that holds over several runs.

A good run holds every version first written in it or before and not closed before it; a held
run (and one that failed or is running) was written whole, so its rows are its own. A version's
change (created, updated …) is the change of the night it was first written: on a later night
it holds unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSIONED_FROM = 5
"""The first schema whose records are versions (database.py says why it matters to a reader)."""


@dataclass(frozen=True, slots=True)
class During:
    """A run, as SQL conditions on a table alias. The run is ours (an int), not source text,
    so it is written into the SQL rather than bound: a query names it as often as it likes."""

    run: int
    whole: bool  # written whole: a held night

    def __post_init__(self) -> None:
        assert isinstance(self.run, int)

    def holds(self, alias: str = "r") -> str:
        """True of the rows of `alias` (records or findings) that belong to this run."""
        if self.whole:
            return f"{alias}.run_id = {self.run}"
        return f"{alias}.run_id <= {self.run} AND {alias}.last_run >= {self.run}"

    def change(self, alias: str = "r") -> str:
        """A record's change on this night."""
        return (
            f"CASE WHEN {alias}.run_id = {self.run} THEN {alias}.change "
            f"WHEN {alias}.status = 'imported' THEN 'unchanged' ELSE 'none' END"
        )

    def shown(self) -> str:
        """The run's records as a support agent sees them, to select FROM: a membership shows
        its person's name and e-mail and its group's name and school, joined in from their
        versions of the same night rather than stored ten million times."""
        return f"""(
            SELECT r.id, {self.run} AS run_id, r.run_id AS first_run, r.kind, r.key,
                   coalesce(r.name, p.name, '') AS name, coalesce(r.email, p.email, '') AS email,
                   coalesce(r.school, g.school, '') AS school, coalesce(r.grp, g.name, '') AS grp,
                   r.status, {self.change("r")} AS change, r.appears_on, r.source_ref,
                   r.person_key, r.group_key, r.change AS first_change
            FROM records r
            LEFT JOIN records p ON r.kind = 'membership' AND p.kind = 'person'
                               AND p.key = r.person_key AND {self.holds("p")}
            LEFT JOIN records g ON r.kind = 'membership' AND g.kind = 'group'
                               AND g.key = r.group_key AND {self.holds("g")}
            WHERE {self.holds("r")}
        )"""

    def row_columns(self, alias: str = "r") -> str:
        """A RecordRow's columns (answers.ROW_COLUMNS) read from `alias` in records itself, the
        change the one on this night: a school, person or group holds its own names."""
        columns = ("id", "kind", "key", "name", "email", "school", "grp", "status")
        return ", ".join(
            [f"{alias}.{c}" for c in columns]
            + [self.change(alias), f"{alias}.appears_on", f"{alias}.source_ref"]
        )


HELD_ON = (
    "{a}.run_id <= {run} AND {a}.last_run >= {run} AND ({state} = 'good' OR {a}.run_id = {run})"
)
"""A row of `a` belongs to the run `run` in state `state` (SQL both): During.holds for a run
read from the runs table in the query itself."""


def during(db, run_id: int) -> During:
    """How run `run_id`'s rows are found: by its state (a run unknown has none). A database
    from before versions (read through database._read_as_versions) has every night whole."""
    row = db.execute(
        "SELECT state, (SELECT user_version FROM pragma_user_version) FROM runs WHERE id = ?",
        [run_id],
    ).fetchone()
    return During(run_id, row is None or row[0] != "good" or row[1] < VERSIONED_FROM)
