"""How a judged record looks to a person (name, e-mail, school, group) and to the diff (fields).

The same canonical fields feed "updated: family name Berg → Öberg" and the record screen, so
they are defined once, here. Civic numbers only ever appear masked.
"""

from __future__ import annotations

from datetime import date

from rostertui.domain.identity import mask_civic_no
from rostertui.domain.model import Group, Membership, Person, School
from rostertui.domain.verdict import Evaluation, Verdict

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "school": ("id", "name", "code", "parent", "start", "end"),
    "person": (
        *("id", "given_name", "family_name", "email", "role", "school", "start", "end"),
        *("civic_no", "active", "login_ids"),
    ),
    "group": ("id", "name", "type", "school", "start", "end", "school_year", "export_flag"),
    "membership": ("id", "person", "group", "role", "start", "end"),
}
"""The canonical fields of each kind, in the order the record screen shows them."""

Display = tuple[str, str, str, str]
"""name, e-mail, school name, group name — the row a person scans."""


_ISO: dict[date | None, str] = {None: ""}


def _iso(value: date | None) -> str:
    """Dates repeat across a million memberships: format each one once."""
    try:
        return _ISO[value]
    except KeyError:
        text = _ISO[value] = value.isoformat()  # type: ignore[union-attr]
        return text


class Describer:
    """Looks up the school names a record's ids point at, once per evaluation."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.school_names = {
            v.key: v.record.name for v in evaluation.schools if v.record is not None
        }

    def display(self, verdict: Verdict) -> Display:
        """A school, person or group as a person scans it. (A membership shows its person's
        and its group's names, which the store joins in rather than repeats.)"""
        record = verdict.record
        if record is None:
            return ("", "", "", "")
        if isinstance(record, Person):
            names = self.school_names
            schools = ", ".join(
                dict.fromkeys(names[p.school_id] for p in record.placements if p.school_id in names)
            )
            return (record.name, record.email, schools, "")
        if isinstance(record, Group):
            return (record.name, "", self.school_names.get(record.school_id, ""), "")
        assert isinstance(record, School)
        return (record.name, "", record.name, "")


def field_values(verdict: Verdict) -> tuple[str, ...]:
    """The canonical fields as strings, in FIELD_NAMES order; the diff compares exactly these.

    Civic numbers only ever appear masked.
    """
    record = verdict.record
    if record is None:
        return ()
    if isinstance(record, Membership):
        return (
            record.id,
            record.person_id,
            record.group_id,
            record.role,
            _iso(record.start),
            _iso(record.end),
        )
    if isinstance(record, Person):
        return (
            record.id,
            record.given_name,
            record.family_name,
            record.email,
            record.role,
            ", ".join(p.school_id for p in record.placements),
            ", ".join(_iso(p.start) for p in record.placements if p.start),
            ", ".join(_iso(p.end) for p in record.placements if p.end),
            mask_civic_no(record.civic_no) if record.civic_no else "",
            "no: " + record.inactive_reason if record.inactive_reason else "yes",
            ", ".join(record.login_ids),
        )
    if isinstance(record, Group):
        return (
            record.id,
            record.name,
            record.type,
            record.school_id,
            _iso(record.start),
            _iso(record.end),
            record.school_year,
            record.export_flag if record.export_flag is not None else "",
        )
    assert isinstance(record, School)
    return (
        record.id,
        record.name,
        record.code,
        record.parent,
        _iso(record.start),
        _iso(record.end),
    )
