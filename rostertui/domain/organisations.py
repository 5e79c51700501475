"""The organisation tree: which school units lie below an organisation.

A registry may place a person, or a group, at a Skola, a Huvudman or a district rather than at
a school unit. The SS 12000 reader uses this to place people at the units below; the evaluator
uses it to tell an organisation that holds units (the roster's own structure) from one nothing
belongs to. One walk, one rule, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from rostertui.domain.model import School


def units_below(organisations: Iterable[School]) -> dict[str, list[str]]:
    """Each organisation's school units, at any depth below it via `parent`, in source order.

    The first record of an id is the one that counts (as for every record); a loop in the
    tree ends the walk; a unit is never a key, so a placement at a unit stays at the unit."""
    parent_of: dict[str, str] = {}
    units: list[str] = []
    for org in organisations:
        if org.id in parent_of:
            continue
        parent_of[org.id] = org.parent
        if org.type == "school":
            units.append(org.id)
    below: dict[str, list[str]] = {}
    for unit in units:
        parent, seen = parent_of.get(unit, ""), {unit}
        while parent and parent not in seen:
            below.setdefault(parent, []).append(unit)
            seen.add(parent)
            parent = parent_of.get(parent, "")
    for unit in units:
        below.pop(unit, None)
    return below
