"""The rule catalogue: the design table's codes are a contract, and every rule can be explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rostertui.domain.catalogue import RULES, Rule, Severity, rule

DESIGN = Path(__file__).resolve().parents[2] / "shared" / "DESIGN.md"
TABLE_ROW = re.compile(r"^\|\s*([A-Z][A-Z0-9_]+)\s*\|(.*)\|\s*$")

ADDED_CODES = (
    "SOURCE_VALUE_NONSTANDARD",
    "SOURCE_REFERENCE_UNKNOWN",
    "SCHOOL_DUPLICATE_ID",
    "MEMBERSHIP_DUPLICATE_ID",
    "PERSON_SCHOOL_NOT_IMPORTED",
    "GROUP_INACTIVE",
    "MEMBERSHIP_INACTIVE",
    "SOURCE_FILE_EMPTY",
    "POLICY_INVALID",
    "SCHOOL_OTHER_ORGANISATION",
)
ENTITIES = {"run", "file", "any", "school", "person", "group", "membership"}
OWNERS = {"registry", "policy", "platform", "—"}


def design_rows() -> list[tuple[str, str, str, str]]:
    """(code, entity, severity, owner) for each row of DESIGN.md's rule table, in order."""
    rows = []
    for line in DESIGN.read_text(encoding="utf-8").splitlines():
        match = TABLE_ROW.match(line)
        if not match:
            continue
        cells = [cell.strip() for cell in match.group(2).split("|")]
        entity, severity, owner = cells[0], cells[-2], cells[-1]
        rows.append((match.group(1), entity, severity, owner))
    return rows


def test_design_table_was_found() -> None:
    assert len(design_rows()) >= 40


def test_every_design_code_is_in_the_catalogue_in_table_order() -> None:
    design_codes = [code for code, *_ in design_rows()]
    assert list(RULES)[: len(design_codes)] == design_codes


def test_added_codes_follow_the_table() -> None:
    design_codes = [code for code, *_ in design_rows()]
    assert tuple(RULES)[len(design_codes) :] == ADDED_CODES


@pytest.mark.parametrize(("code", "entity", "severity_text", "owner"), design_rows())
def test_rule_agrees_with_the_design_table(
    code: str, entity: str, severity_text: str, owner: str
) -> None:
    entry = rule(code)
    assert (entry.entity, entry.severity_text, entry.owner) == (entity, severity_text, owner)


@pytest.mark.parametrize("entry", list(RULES.values()), ids=list(RULES))
def test_every_rule_is_explained(entry: Rule) -> None:
    assert entry.title.strip()
    assert entry.condition.strip()
    assert entry.explanation.strip()
    assert entry.fix.strip()
    assert entry.entity in ENTITIES
    assert entry.owner in OWNERS
    assert isinstance(entry.severity, Severity)


def test_keys_are_the_codes() -> None:
    assert all(code == entry.code for code, entry in RULES.items())


@pytest.mark.parametrize(
    ("severity_text", "severity"),
    [
        ("error", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("exclude", Severity.EXCLUDE),
        ("pending", Severity.PENDING),
        ("error/warning", Severity.ERROR),
        ("cascades", Severity.CASCADE),
        ("run fails", Severity.RUN),
        ("run held", Severity.RUN),
        ("run fails or file skipped", Severity.RUN),
    ],
)
def test_severity_follows_the_catalogue_wording(severity_text: str, severity: Severity) -> None:
    matching = [entry for entry in RULES.values() if entry.severity_text == severity_text]
    assert matching
    assert all(entry.severity is severity for entry in matching)


def test_cascades_have_no_owner_of_their_own() -> None:
    for entry in RULES.values():
        assert (entry.severity is Severity.CASCADE) == (entry.owner == "—"), entry.code


@pytest.mark.parametrize(
    ("code", "entity", "severity", "owner"),
    [
        ("SOURCE_VALUE_NONSTANDARD", "any", Severity.WARNING, "registry"),
        ("SOURCE_REFERENCE_UNKNOWN", "any", Severity.WARNING, "registry"),
        ("SCHOOL_DUPLICATE_ID", "school", Severity.ERROR, "registry"),
        ("MEMBERSHIP_DUPLICATE_ID", "membership", Severity.ERROR, "registry"),
        ("PERSON_SCHOOL_NOT_IMPORTED", "person", Severity.CASCADE, "—"),
        ("GROUP_INACTIVE", "group", Severity.EXCLUDE, "registry"),
        ("MEMBERSHIP_INACTIVE", "membership", Severity.EXCLUDE, "registry"),
        ("SOURCE_FILE_EMPTY", "file", Severity.WARNING, "registry"),
        ("POLICY_INVALID", "run", Severity.RUN, "policy"),
    ],
)
def test_added_rules(code: str, entity: str, severity: Severity, owner: str) -> None:
    entry = rule(code)
    assert (entry.entity, entry.severity, entry.owner) == (entity, severity, owner)


def test_severity_values_are_the_words_stored_and_exported() -> None:
    assert [member.value for member in Severity] == [
        "error",
        "warning",
        "exclude",
        "pending",
        "cascade",
        "run",
    ]
    assert Severity.ERROR == "error"


def test_group_not_exported_tells_where_to_tick_the_flag() -> None:
    entry = rule("GROUP_NOT_EXPORTED")
    assert entry.title == "Group not marked for export"
    assert "Till LMS" in entry.fix
    assert "registry" in entry.fix


def test_unknown_code_raises_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="unknown rule code 'NO_SUCH_RULE'"):
        rule("NO_SUCH_RULE")


def test_rules_are_immutable() -> None:
    entry = rule("PERSON_MISSING_EMAIL")
    with pytest.raises(AttributeError):
        entry.code = "OTHER"  # type: ignore[misc]
