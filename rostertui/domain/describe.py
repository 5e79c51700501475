"""How a judged record looks to a person (name, e-mail, school, group) and to the diff (fields).

The same canonical fields feed "updated: family name Berg → Öberg" and the record screen, so
they are defined once, here. Civic numbers only ever appear masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rostertui.domain.identity import mask_civic_no
from rostertui.domain.model import Group, Membership, Person, School
from rostertui.domain.verdict import Evaluation, Verdict


@dataclass(slots=True, frozen=True)
class Display:
    name: str
    email: str
    school: str
    group: str
    person_key: str | None = None
    group_key: str | None = None


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


class Describer:
    """Looks up the names a record's ids point at, for one evaluation."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        self.school_names = {
            v.key: v.record.name for v in evaluation.schools if v.record is not None
        }
        self.groups = {v.key: v.record for v in evaluation.groups}
        self.persons = {v.key: v.record for v in evaluation.persons if v.record is not None}

    def display(self, verdict: Verdict) -> Display:
        record = verdict.record
        if record is None:
            return Display("", "", "", "")
        if isinstance(record, School):
            return Display(record.name, "", record.name, "")
        if isinstance(record, Person):
            schools = ", ".join(
                dict.fromkeys(
                    self.school_names[p.school_id]
                    for p in record.placements
                    if p.school_id in self.school_names
                )
            )
            return Display(record.name, record.email, schools, "")
        if isinstance(record, Group):
            return Display(record.name, "", self.school_names.get(record.school_id, ""), "")
        assert isinstance(record, Membership)
        person = self.persons.get(record.person_id)
        group = self.groups.get(record.group_id)
        return Display(
            person.name if isinstance(person, Person) else "",
            person.email if isinstance(person, Person) else "",
            self.school_names.get(group.school_id, "") if isinstance(group, Group) else "",
            group.name if isinstance(group, Group) else "",
            record.person_id,
            record.group_id,
        )


def fields_of(verdict: Verdict) -> dict[str, str]:
    """The canonical fields, as strings, in the order the record screen shows them."""
    record = verdict.record
    if record is None:
        return {}
    if isinstance(record, School):
        return {
            "id": record.id,
            "name": record.name,
            "code": record.code,
            "parent": record.parent,
            "start": _iso(record.start),
            "end": _iso(record.end),
        }
    if isinstance(record, Person):
        return {
            "id": record.id,
            "given_name": record.given_name,
            "family_name": record.family_name,
            "email": record.email,
            "role": record.role,
            "school": ", ".join(p.school_id for p in record.placements),
            "start": ", ".join(_iso(p.start) for p in record.placements if p.start),
            "end": ", ".join(_iso(p.end) for p in record.placements if p.end),
            "civic_no": mask_civic_no(record.civic_no) if record.civic_no else "",
            "active": "no: " + record.inactive_reason if record.inactive_reason else "yes",
        }
    if isinstance(record, Group):
        return {
            "id": record.id,
            "name": record.name,
            "type": record.type,
            "school": record.school_id,
            "start": _iso(record.start),
            "end": _iso(record.end),
            "school_year": record.school_year,
            "export_flag": record.export_flag if record.export_flag is not None else "",
        }
    return {
        "id": record.id,
        "person": record.person_id,
        "group": record.group_id,
        "role": record.role,
        "start": _iso(record.start),
        "end": _iso(record.end),
    }
