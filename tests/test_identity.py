"""Tests for rostertui.domain.identity.

Civic-number vectors come from personnummer/meta (see ../shared/reference/personnummer/SOURCE.txt).
They are synthetic but may collide with real people, so they stay in tests and are never printed
outside assertion output.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rostertui.domain.identity import (
    civic_no_problem,
    email_domain,
    fold_text,
    is_valid_email,
    mask_civic_no,
    normalise_civic_no,
)

VECTORS_PATH = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "personnummer" / "list.json"
)
# Fixed clock: the century of 10-digit forms depends on it, and the vectors date from 2000-2015.
TODAY = date(2026, 6, 1)
FORMS = ("long_format", "short_format", "separated_format", "separated_long")


def _load_vectors() -> list[dict[str, Any]]:
    records = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    assert isinstance(records, list)
    assert records, "no test vectors"
    return records


VECTORS = _load_vectors()
VALID = [r for r in VECTORS if r["valid"]]
INVALID = [r for r in VECTORS if not r["valid"]]


def _vector_id(record: dict[str, Any]) -> str:
    kind = "samordningsnummer" if record["type"] == "con" else "personnummer"
    return f"{kind}-{'valid' if record['valid'] else 'invalid'}-{record['separated_long']}"


def _luhn(nine: str) -> int:
    """Independent Luhn implementation (right-to-left doubling) to cross-check the module."""
    total = 0
    for position, ch in enumerate(reversed(nine)):
        digit = int(ch) * (2 if position % 2 == 0 else 1)
        total += sum(divmod(digit, 10))
    return -total % 10


# ------------------------------------------------------------------------------ the vectors


def test_vectors_cover_both_kinds() -> None:
    """Guard against a truncated or replaced reference file silently shrinking the test."""
    kinds = {(r["type"], r["valid"]) for r in VECTORS}
    assert kinds == {("ssn", True), ("ssn", False), ("con", True), ("con", False)}


@pytest.mark.parametrize("record", VALID, ids=_vector_id)
@pytest.mark.parametrize("form", FORMS)
def test_valid_vectors_pass_in_every_form(record: dict[str, Any], form: str) -> None:
    assert civic_no_problem(record[form], today=TODAY) is None


@pytest.mark.parametrize("record", INVALID, ids=_vector_id)
@pytest.mark.parametrize("form", FORMS)
def test_invalid_vectors_fail_in_every_form(record: dict[str, Any], form: str) -> None:
    problem = civic_no_problem(record[form], today=TODAY)
    assert isinstance(problem, str)
    assert problem
    # A reason must not echo the identifying last four digits.
    assert record[form].replace(" ", "")[-4:] not in problem


@pytest.mark.parametrize("record", VALID, ids=_vector_id)
@pytest.mark.parametrize("form", FORMS)
def test_valid_vectors_pass_with_the_real_clock(record: dict[str, Any], form: str) -> None:
    assert civic_no_problem(record[form]) is None


@pytest.mark.parametrize("record", VECTORS, ids=_vector_id)
@pytest.mark.parametrize("form", ["long_format", "separated_format", "separated_long"])
def test_normalise_vectors(record: dict[str, Any], form: str) -> None:
    expected = record["long_format"] if record["integer"] else None  # integer 0 = unparsable
    assert normalise_civic_no(record[form], today=TODAY) == expected


@pytest.mark.parametrize("record", [r for r in VECTORS if r["integer"]], ids=_vector_id)
def test_normalise_short_form_uses_most_recent_century(record: dict[str, Any]) -> None:
    """Without "+" the 10 digits read as the most recent non-future date (< 100 years old)."""
    long = record["long_format"]
    result = normalise_civic_no(record["short_format"], today=TODAY)
    assert result is not None
    assert result[2:] == long[2:]
    if "+" in record["separated_format"]:
        assert int(result[:4]) == int(long[:4]) + 100
    else:
        assert result == long


@pytest.mark.parametrize("record", VECTORS, ids=_vector_id)
@pytest.mark.parametrize("form", ["long_format", "separated_format", "separated_long"])
def test_mask_vectors(record: dict[str, Any], form: str) -> None:
    expected = f"{record['long_format'][:8]}-****" if record["integer"] else "****"
    assert mask_civic_no(record[form], today=TODAY) == expected


def test_samordningsnummer_keeps_day_plus_sixty() -> None:
    coordination = [r for r in VECTORS if r["type"] == "con" and r["valid"]]
    assert coordination
    for record in coordination:
        canonical = normalise_civic_no(record["separated_format"], today=TODAY)
        assert canonical is not None
        assert int(canonical[6:8]) > 60
        assert mask_civic_no(record["separated_format"], today=TODAY) == canonical[:8] + "-****"


# ------------------------------------------------------------------------- specific reasons


def _with_check(nine: str) -> str:
    return nine + str(_luhn(nine))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("19090527 1474", "contains a space; only digits and one - or + are allowed"),
        ("ABC", "contains 'A'; only digits and one - or + are allowed"),
        ("1234567", "not 10 or 12 digits (found 7)"),
        ("12345678901", "not 10 or 12 digits (found 11)"),
        ("1234567890123", "not 10 or 12 digits (found 13)"),
        ("12-3456-7890", "- or + may only appear once, right before the last four digits"),
        ("1234-567890", "- or + may only appear once, right before the last four digits"),
        ("260230-1234", "no such date: 2026-02-30"),
        ("19000229-1234", "no such date: 1900-02-29"),
        ("121301-1234", "no such date: 2012-13-01"),
        ("120200-1234", "no such date: 2012-02-00"),
        ("120245-1234", "no such date: 2012-02-45"),
        ("120290-1234", "no such date: 2012-02-30 (samordningsnummer: day 90 - 60)"),
        ("120260-1234", "no such date: 2012-02-00 (samordningsnummer: day 60 - 60)"),
        ("20300101-1234", "birth date 2030-01-01 is in the future"),
        ("09121212-1234", "birth year 0912 is not plausible"),
        (_with_check("821105000"), "serial number 000 is never issued"),
        ("821105-9953", "check digit is 3, should be 4"),
        ("19821105-9950", "check digit is 0, should be 4"),
    ],
)
def test_reasons(value: str, expected: str) -> None:
    assert civic_no_problem(value, today=TODAY) == expected


def test_brief_example_check_digit_message() -> None:
    nine = "821105995"
    right = _luhn(nine)
    wrong = (right + 1) % 10
    assert (
        civic_no_problem(f"{nine[:6]}-{nine[6:]}{wrong}", today=TODAY)
        == f"check digit is {wrong}, should be {right}"
    )


def test_surrounding_whitespace_is_trimmed() -> None:
    assert civic_no_problem("  \t821105-9954\n", today=TODAY) is None
    assert normalise_civic_no(" 8211059954 ", today=TODAY) == "198211059954"


def test_non_ascii_digits_are_rejected() -> None:
    """Arabic-Indic digits match \\d in Python; a registry field must use 0-9."""
    assert normalise_civic_no("٨٢١١٠٥-٩٩٥٤", today=TODAY) is None
    assert civic_no_problem("٨٢١١٠٥-٩٩٥٤", today=TODAY) is not None


def test_normalise_keeps_wrong_check_digit_and_bad_dates() -> None:
    """Searchable even when invalid: the hash of a typo must match the registry's typo."""
    assert normalise_civic_no("821105-9953", today=TODAY) == "198211059953"
    assert normalise_civic_no("260230-1234", today=TODAY) == "202602301234"
    assert normalise_civic_no("19821105+9954", today=TODAY) == "198211059954"


# ------------------------------------------------------------------------ century selection


@pytest.mark.parametrize(
    ("value", "today", "expected_year"),
    [
        # Birthday already passed this year -> this century.
        ("260101-0000", date(2026, 6, 1), 2026),
        # Same two-digit year but later in the year -> would be in the future -> 1926.
        ("260701-0000", date(2026, 6, 1), 1926),
        ("260601-0000", date(2026, 6, 1), 2026),  # born today
        ("260602-0000", date(2026, 6, 1), 1926),  # born tomorrow: impossible, so last century
        ("990101-0000", date(2026, 6, 1), 1999),
        ("000101-0000", date(2000, 1, 1), 2000),
        # Samordningsnummer compare the real day (day - 60), not the written one.
        ("260161-0000", date(2026, 1, 1), 2026),
        ("260162-0000", date(2026, 1, 1), 1926),
        # "+": turns 100 or more this calendar year (Skatteverket switches "-" to "+" on 1 Jan).
        ("260101+0000", date(2026, 6, 1), 1926),
        ("260701+0000", date(2026, 6, 1), 1926),
        ("250701+0000", date(2026, 6, 1), 1925),
        ("270101+0000", date(2026, 6, 1), 1827),
        ("790101+0000", date(2026, 6, 1), 1879),
        # The 12-digit forms carry their own century; separator is ignored.
        ("19260701-0000", date(2026, 6, 1), 1926),
        ("20260101+0000", date(2026, 6, 1), 2026),
    ],
)
def test_century(value: str, today: date, expected_year: int) -> None:
    result = normalise_civic_no(value, today=today)
    assert result is not None
    assert int(result[:4]) == expected_year


def test_default_today_is_the_real_clock() -> None:
    yy = date.today().year % 100
    assert normalise_civic_no(f"{yy:02d}0101-0000") == f"{date.today().year}01010000"


# ------------------------------------------------------------------------- property tests

_EARLIEST = date(TODAY.year - 150, 1, 1)


@st.composite
def civic_numbers(draw: st.DrawFn) -> tuple[date, bool, str]:
    """A real birth date, samordningsnummer flag and a valid 10-digit YYMMDDNNNC."""
    born = draw(st.dates(min_value=_EARLIEST, max_value=TODAY))
    coordination = draw(st.booleans())
    serial = draw(st.integers(min_value=1, max_value=999))
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    return born, coordination, nine + str(_luhn(nine))


def _forms(born: date, ten: str) -> dict[str, str]:
    """Every accepted layout of one number, using "+" the way Skatteverket would."""
    sep = "+" if TODAY.year - born.year >= 100 else "-"
    century = f"{born.year // 100:02d}"
    return {
        "YYMMDD-NNNC": f"{ten[:6]}{sep}{ten[6:]}",
        "YYYYMMDDNNNC": century + ten,
        "YYYYMMDD-NNNC": f"{century}{ten[:6]}-{ten[6:]}",
        "YYYYMMDD+NNNC": f"{century}{ten[:6]}+{ten[6:]}",
        "padded": f"  {century}{ten}\t",
    }


@given(civic_numbers())
@example((date(2000, 2, 29), False, _with_check("000229123")))
@example((date(1904, 2, 29), True, _with_check("040289123")))
@example((TODAY, False, _with_check(f"{TODAY:%y%m%d}001")))
def test_generated_numbers_are_valid_in_all_forms(case: tuple[date, bool, str]) -> None:
    born, _, ten = case
    canonical = f"{born.year // 100:02d}{ten}"
    for name, value in _forms(born, ten).items():
        assert civic_no_problem(value, today=TODAY) is None, name
        assert normalise_civic_no(value, today=TODAY) == canonical, name
        assert mask_civic_no(value, today=TODAY) == f"{canonical[:8]}-****", name
    # The bare 10 digits are always a valid number, just possibly a century later.
    assert civic_no_problem(ten, today=TODAY) is None
    bare = normalise_civic_no(ten, today=TODAY)
    assert bare is not None
    assert bare[2:] == ten


@given(civic_numbers(), st.integers(min_value=1, max_value=9))
def test_wrong_check_digit_names_the_right_one(case: tuple[date, bool, str], shift: int) -> None:
    born, _, ten = case
    right = int(ten[-1])
    wrong = (right + shift) % 10
    broken = ten[:-1] + str(wrong)
    for name, value in _forms(born, broken).items():
        assert civic_no_problem(value, today=TODAY) == (
            f"check digit is {wrong}, should be {right}"
        ), name
        # Still normalisable, so a hash of the typo can be searched.
        assert normalise_civic_no(value, today=TODAY) == f"{born.year // 100:02d}{broken}", name


@given(civic_numbers())
def test_samordningsnummer_day_stays_plus_sixty(case: tuple[date, bool, str]) -> None:
    born, coordination, ten = case
    canonical = normalise_civic_no(_forms(born, ten)["YYMMDD-NNNC"], today=TODAY)
    assert canonical is not None
    assert int(canonical[6:8]) == born.day + (60 if coordination else 0)


@given(civic_numbers())
def test_mask_hides_the_last_four(case: tuple[date, bool, str]) -> None:
    born, _, ten = case
    for value in _forms(born, ten).values():
        masked = mask_civic_no(value, today=TODAY)
        assert masked.endswith("-****")
        # Only the eight birth-date digits survive; the last four never appear in their place.
        assert re.sub(r"\D", "", masked) == f"{born.year // 100:02d}{ten}"[:8]


@given(st.text())
@example("19821105-9954")
@example("8211059954")
def test_mask_shape_for_any_text(text: str) -> None:
    masked = mask_civic_no(text, today=TODAY)
    assert masked == "****" or re.fullmatch(r"[0-9]{8}-\*{4}", masked)
    if masked != "****":
        assert normalise_civic_no(text, today=TODAY) is not None


@given(st.text())
def test_functions_never_raise_and_agree(text: str) -> None:
    problem = civic_no_problem(text, today=TODAY)
    canonical = normalise_civic_no(text, today=TODAY)
    assert problem is None or problem
    if problem is None:
        assert canonical is not None
    if canonical is None:
        assert problem is not None
    else:
        assert re.fullmatch(r"[0-9]{12}", canonical)


@given(st.integers(min_value=1, max_value=50_000), st.integers(min_value=1, max_value=999))
def test_future_twelve_digit_dates_are_reported(days_ahead: int, serial: int) -> None:
    future = TODAY + timedelta(days=days_ahead)
    nine = f"{future:%y%m%d}{serial:03d}"
    value = f"{future.year // 100:02d}{nine}{_luhn(nine)}"
    assert civic_no_problem(value, today=TODAY) == f"birth date {future:%Y-%m-%d} is in the future"


# ---------------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "address",
    [
        "anna.svensson@sjostad.se",
        "a+b@x.co",
        "åsa@skola.se",
        "a\u030asa@skola.se",  # decomposed å (a + combining ring) is the same address
        "Anna.Svensson@Sjostad.SE",
        "elev_1-2@mail.skåne.se",  # IDN domain label
        "x@xn--skne-qra.se",  # the same domain in punycode
        "o'brien@school.ie",
        "a@sub-domain.example.org",
        "a@1.example.com",  # numeric labels are fine below the top level
    ],
)
def test_valid_emails(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "anna",
        "anna@",
        "@x.se",
        "a b@x.se",
        "a@x",  # no dot in the domain
        "a@@x.se",
        "a@b@x.se",  # more than one @
        "a@x..se",
        "a@.x.se",
        "a@x.se.",  # trailing dot: legal in DNS, but registries never mean it
        "a.@x.se",  # dot rules apply to the local part too (RFC 5322 dot-atom)
        ".a@x.se",
        "a..b@x.se",
        " anna@x.se",  # not trimmed: the source value itself needs fixing
        "anna@x.se ",
        "anna@x.se\n",
        "a@x y.se",
        "a@-x.se",
        "a@x-.se",
        "a@x_y.se",
        "a@x.s",  # one-letter top-level domains do not exist
        "a@1.2.3.4",  # IP addresses are not school mail domains
        "a@[1.2.3.4]",
        "a<b@x.se",
        'a"b@x.se',
        "a,b@x.se",
        "a@x.se,b@y.se",
        "a@" + "x" * 64 + ".se",  # label longer than 63
        "a" * 65 + "@x.se",  # local part longer than 64
        "a@" + ".".join(["x" * 60] * 5) + ".se",  # address longer than 254
    ],
)
def test_invalid_emails(address: str) -> None:
    assert not is_valid_email(address)


@pytest.mark.parametrize(
    ("address", "domain"),
    [
        ("anna.svensson@Sjostad.SE", "sjostad.se"),
        ("anna@x.se ", "x.se"),
        ("a@b@Skola.se", "skola.se"),  # last @ wins
        ("anna", ""),
        ("", ""),
        ("anna@", ""),
        ("åsa@SKÅNE.se", "skåne.se"),
    ],
)
def test_email_domain(address: str, domain: str) -> None:
    assert email_domain(address) == domain


@given(st.text())
def test_valid_email_has_a_dotted_domain(text: str) -> None:
    if is_valid_email(text):
        assert text.count("@") == 1
        assert "." in email_domain(text)
        assert text == text.strip()


# --------------------------------------------------------------------------------- folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Åsa  ÖBERG ", "asa oberg"),
        ("åäö ÅÄÖ", "aao aao"),
        ("Émile Müller", "emile muller"),
        ("A\u030asa", "asa"),  # decomposed input folds the same
        ("Søren Bjørk", "soren bjork"),
        ("Straße", "strasse"),
        ("Ann\u00ada", "anna"),  # soft hyphen from spreadsheets
        ("Kim\u200bLee", "kimlee"),  # zero-width space
        ("Anna\u00a0Lind\tNilsson\n", "anna lind nilsson"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold_text(text: str, folded: str) -> None:
    assert fold_text(text) == folded


@given(st.text())
def test_fold_text_is_idempotent_and_tidy(text: str) -> None:
    folded = fold_text(text)
    assert fold_text(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded
