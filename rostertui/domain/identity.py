"""Checks and normal forms for the identity fields registries send: e-mail and civic number.

Everything here is pure and deterministic (the only clock input is the explicit `today`), because
these functions run inside findings rules and their answers must be reproducible in tests and
snapshots. Messages are written for the registry admin who has to fix the source row, and they
never repeat a civic number's last four digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "civic_no_problem",
    "email_domain",
    "fold_text",
    "is_valid_email",
    "login_ids_without_civic_no",
    "mask_civic_no",
    "mask_civic_nos_in",
    "normalise_civic_no",
]

# --------------------------------------------------------------------------------------- e-mail

_MAX_ADDRESS = 254  # RFC 5321 path limit minus the angle brackets
_MAX_LOCAL = 64
_MAX_LABEL = 63
# Characters that are only legal inside a quoted local part; rosters never need those.
_LOCAL_SPECIALS = frozenset('"(),:;<>[\\]')


def _dotted_parts_ok(text: str) -> bool:
    """Reject leading/trailing dots and "..": mail servers refuse them unquoted (RFC 5322)."""
    return all(text.split("."))


def _local_part_ok(local: str) -> bool:
    """Accept any printable non-space character (incl. å, RFC 6531) except quoting specials."""
    if not local or len(local) > _MAX_LOCAL or not _dotted_parts_ok(local):
        return False
    if local.isascii():  # the usual address, without a look at each character's category
        return local.isprintable() and " " not in local and _LOCAL_SPECIALS.isdisjoint(local)
    return not any(
        ch.isspace() or ch in _LOCAL_SPECIALS or unicodedata.category(ch).startswith("C")
        for ch in local
    )


def _label_char_ok(ch: str) -> bool:
    """ASCII letters/digits/hyphen, plus non-ASCII letters so IDN domains like skåne.se pass."""
    return ch == "-" or (ch.isascii() and ch.isalnum()) or (not ch.isascii() and ch.isalpha())


@lru_cache(maxsize=4096)  # a school's few domains, checked for each of its 100,000 addresses
def _domain_ok(domain: str) -> bool:
    """A dotted host name; "a@x" and IP literals are rejected since no school mail uses them."""
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    for label in labels:
        if len(label) > _MAX_LABEL or label.startswith("-") or label.endswith("-"):
            return False
        if label.isascii():
            if not label.replace("-", "").isalnum():
                return False
        elif not all(_label_char_ok(ch) for ch in label):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and not tld.isdigit()


def is_valid_email(address: str) -> bool:
    """Pragmatic syntax check, strict enough to catch typos, loose enough for real addresses.

    It does not trim: an address with surrounding spaces is reported so the source gets fixed.
    Dot rules (no leading/trailing dot, no "..") apply to both local part and domain, because
    unquoted addresses like "a.@x.se" bounce at most mail servers.
    """
    text = unicodedata.normalize("NFC", address)  # a decomposed "å" is still the letter å
    if len(text) > _MAX_ADDRESS or text.count("@") != 1:
        return False
    local, _, domain = text.partition("@")
    return _local_part_ok(local) and _domain_ok(domain)


def email_domain(address: str) -> str:
    """Lower-cased text after the last "@" ("" without one), for grouping users by school domain.

    Surrounding whitespace is dropped so "x.se " and "X.SE" land in the same group.
    """
    if "@" not in address:
        return ""
    return address.rpartition("@")[2].strip().lower()


# ------------------------------------------------------------------------------ civic number

_CIVIC_RE = re.compile(
    r"(?P<century>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+])?(?P<serial>[0-9]{3})(?P<check>[0-9])"
)
_COORDINATION_OFFSET = 60  # samordningsnummer: day of month + 60
_EARLIEST_YEAR = 1800  # nobody alive in a roster was born earlier; 12-digit "0912…" is a typo


def _birth_day(day: int) -> int:
    """Day of month of the birth date; samordningsnummer write it + 60."""
    return day - _COORDINATION_OFFSET if day >= _COORDINATION_OFFSET else day


class _Civic(NamedTuple):
    """A civic number split into parts; `day` is as written (still +60 for samordningsnummer).

    A tuple rather than a frozen dataclass, and the canonical form joined from the parts as
    written: every person of a night is parsed a few times, and that made civic numbers a tenth
    of a 100,000-person sync.
    """

    year: int
    month: int
    day: int
    serial: str
    check: int
    canonical: str  # "YYYYMMDDNNNC"

    @property
    def coordination(self) -> bool:
        """Day 60 counts too, so "day 60 - 60" explains why the date does not exist."""
        return self.day >= _COORDINATION_OFFSET

    @property
    def birth_day(self) -> int:
        return _birth_day(self.day)

    @property
    def short(self) -> str:
        """The 10 digits YYMMDDNNNC the check digit is computed over."""
        return self.canonical[2:]


def _resolve_year(yy: int, month: int, day: int, plus: bool, today: date) -> int:
    """Pick the century for a 10-digit number.

    Without "+", the most recent century that does not put the birth date after `today`.
    With "+", Skatteverket switches "-" to "+" from the start of the year the person turns 100,
    so the birth year is the most recent one that is at least 100 years before `today.year`.
    Works on plain tuples so an impossible date (e.g. 02-30) still gets a century to report.
    """
    if plus:
        base = today.year - 100
        return base - (base - yy) % 100
    year = today.year - (today.year - yy) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def _format_problem(text: str) -> str:
    """Explain why `text` does not match any accepted layout, most specific reason first."""
    if not text:
        return "empty"
    for ch in text:
        if ch not in "0123456789+-":
            what = "a space" if ch.isspace() else repr(ch)
            return f"contains {what}; only digits and one - or + are allowed"
    digits = sum(ch.isdigit() for ch in text)
    if digits not in (10, 12):
        return f"not 10 or 12 digits (found {digits})"
    return "- or + may only appear once, right before the last four digits"


def _parse(value: str, today: date | None) -> _Civic | str:
    """Split an accepted layout into parts, or return why it is not one."""
    text = value.strip()
    match = _CIVIC_RE.fullmatch(text)
    if match is None:
        return _format_problem(text)
    century, yymmdd, sep, serial, check = match.groups()
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if century is not None:
        year = int(century) * 100 + yy
    else:
        year = _resolve_year(yy, month, _birth_day(day), sep == "+", today or date.today())
        century = f"{year // 100:02d}"
    return _Civic(year, month, day, serial, int(check), century + yymmdd + serial + check)


_DIGIT = {str(n): n for n in range(10)}
_DOUBLED = {str(n): 2 * n - 9 if n > 4 else 2 * n for n in range(10)}  # 2n, its digits summed


def _luhn_check_digit(digits: str) -> int:
    """The Luhn digit that completes `digits` (weights 2,1,2,… from the left, as Skatteverket)."""
    total = sum(map(_DOUBLED.__getitem__, digits[::2])) + sum(map(_DIGIT.__getitem__, digits[1::2]))
    return (10 - total % 10) % 10


def civic_no_problem(value: str, today: date | None = None) -> str | None:
    """None for a valid personnummer/samordningsnummer, else a reason an admin can act on.

    Checks layout, calendar date (day - 60 for samordningsnummer), plausible and non-future
    birth date, serial "000" (never issued) and finally the Luhn check digit, in that order, so
    the message names the first thing to fix. `today` decides the century of 10-digit forms.
    """
    today = today or date.today()
    parsed = _parse(value, today)
    if isinstance(parsed, str):
        return parsed
    if parsed.year < _EARLIEST_YEAR:
        return f"birth year {parsed.year:04d} is not plausible"
    try:
        born = date(parsed.year, parsed.month, parsed.birth_day)
    except ValueError:
        shown = f"{parsed.year:04d}-{parsed.month:02d}-{parsed.birth_day:02d}"
        if parsed.coordination:
            return f"no such date: {shown} (samordningsnummer: day {parsed.day} - 60)"
        return f"no such date: {shown}"
    if born > today:
        return f"birth date {born.isoformat()} is in the future"
    if parsed.serial == "000":
        return "serial number 000 is never issued"
    expected = _luhn_check_digit(parsed.short[:9])
    if parsed.check != expected:
        return f"check digit is {parsed.check}, should be {expected}"
    return None


def login_ids_without_civic_no(values: Iterable[str]) -> tuple[str, ...]:
    """The login ids a source gave, once each, less any that is a personnummer: registries put
    one in `identifier` or `userIds`, and a civic number is never stored in clear."""
    return tuple(
        dict.fromkeys(
            v for v in values if v and not (v[:1].isdigit() and normalise_civic_no(v) is not None)
        )
    )


def normalise_civic_no(value: str, today: date | None = None) -> str | None:
    """Canonical "YYYYMMDDNNNC" for any accepted layout, else None.

    Deliberately does not validate date or check digit: a mistyped number must still hash to
    the same key as the registry's copy so it can be searched. Samordningsnummer keep day + 60.
    """
    match = _CIVIC_RE.fullmatch(value.strip())
    if match is None:
        return None
    century, yymmdd, _, serial, check = match.groups()
    if century is None:  # the century depends on the date and `today`
        return _parse(value, today).canonical  # type: ignore[union-attr]
    return century + yymmdd + serial + check


_CIVIC_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}(?![0-9])")


def mask_civic_nos_in(text: str) -> str:
    """`text` with every run of digits shaped like a personnummer masked: for the columns
    where registries put one among other things (OneRoster `identifier`, `userIds`). Fails
    closed: a 10-digit number that only looks like one is masked too."""
    return _CIVIC_IN_TEXT.sub(lambda match: mask_civic_no(match.group()), text)


def mask_civic_no(value: str, today: date | None = None) -> str:
    """Show only "YYYYMMDD-****" (or "****" when unparsable): the last four digits identify."""
    canonical = normalise_civic_no(value, today)
    return "****" if canonical is None else f"{canonical[:8]}-****"


# ---------------------------------------------------------------------------------- folding

# Letters that Unicode does not decompose into base letter + mark but users type without.
_FOLD_EXTRA = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def fold_text(text: str) -> str:
    """Fold for near-match search: "  Åsa  ÖBERG " -> "asa oberg".

    Uses casefold (so "Straße" meets "STRASSE"), NFKD plus dropping combining marks (å, ä, ö,
    é, ü lose their marks), drops invisible format characters (soft hyphen, zero-width space)
    that spreadsheets leave in names, and collapses all whitespace to single spaces.
    """
    # Decompose before and after casefolding: compatibility forms like "ℌ" only become a
    # foldable "H" once decomposed, and casefolding "İ" yields a new combining mark.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(
        ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Mc", "Me", "Cf")
    )
    return " ".join(kept.translate(_FOLD_EXTRA).split())
