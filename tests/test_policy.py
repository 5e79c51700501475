"""The policy: defaults, every validation message, and the date arithmetic support agents quote."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from rostertui.domain.policy import (
    Policy,
    PolicyError,
    is_protected_marking,
    is_truthy_flag,
    load_policy,
    parse_policy,
    parse_school_year,
)

DESIGN_POLICY_BLOCK = """
as_of = "today"
lookahead_days = 0
term_start_lookahead_days = 30
term_start_windows = ["08-01..08-31", "01-02..01-20"]
academic_year_start = "07-01"
require_email = true
email_domains = []
allowed_roles = ["student", "teacher", "staff", "admin"]
student_requires_class = false
teacher_requires_group = true
exclude_protected_identity = true
class_name_pattern = '^(?!\\s*(åk|ak|year|grade|klass)?\\s*\\d{1,2}\\s*$)'
group_export_flag = ""
protected_identity_field = ""
civic_no_field = ""
schools = []
mass_removal_threshold = 0.10
use_civic_no = false
"""


def policy_error(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, origin="policy.toml")
    return str(caught.value)


# --- defaults ------------------------------------------------------------------------------------


def test_defaults_match_design() -> None:
    policy = Policy()
    assert policy.as_of is None
    assert policy.lookahead_days == 0
    assert policy.term_start_lookahead_days == 30
    assert policy.term_start_windows == (((8, 1), (8, 31)), ((1, 2), (1, 20)))
    assert policy.academic_year_start == (7, 1)
    assert policy.require_email is True
    assert policy.email_domains == ()
    assert policy.allowed_roles == ("student", "teacher", "staff", "admin")
    assert policy.student_requires_class is False
    assert policy.teacher_requires_group is True
    assert policy.exclude_protected_identity is True
    assert policy.group_export_flag == ""
    assert policy.protected_identity_field == ""
    assert policy.civic_no_field == ""
    assert policy.schools == ()
    assert policy.mass_removal_threshold == 0.10
    assert policy.use_civic_no is False
    assert policy.keep_runs == 365  # a year of whole nights


def test_design_policy_block_parses_to_the_defaults() -> None:
    assert parse_policy(DESIGN_POLICY_BLOCK) == Policy()


def test_empty_text_and_no_file_give_defaults() -> None:
    assert parse_policy("") == Policy()
    assert load_policy(None) == Policy()


def test_values_are_read_and_normalised() -> None:
    policy = parse_policy(
        """
        as_of = "2026-11-23"
        lookahead_days = 10
        term_start_windows = ["12-20..01-10"]
        academic_year_start = "08-15"
        email_domains = ["@Skola.Example.se", " edu.example.se "]
        allowed_roles = ["Student", "TEACHER"]
        schools = ["Centralskolan", " 123 "]
        group_export_flag = " metadata.tillLMS "
        mass_removal_threshold = 1
        keep_runs = 5
        require_email = false
        """
    )
    assert policy.as_of == date(2026, 11, 23)
    assert policy.lookahead_days == 10
    assert policy.term_start_windows == (((12, 20), (1, 10)),)
    assert policy.academic_year_start == (8, 15)
    assert policy.email_domains == ("skola.example.se", "edu.example.se")
    assert policy.allowed_roles == ("student", "teacher")
    assert policy.schools == ("Centralskolan", "123")
    assert policy.group_export_flag == "metadata.tillLMS"
    assert policy.mass_removal_threshold == 1.0
    assert policy.keep_runs == 5
    assert policy.require_email is False


def test_as_of_accepts_a_toml_date_and_today_in_any_case() -> None:
    assert parse_policy("as_of = 2026-11-23").as_of == date(2026, 11, 23)
    assert parse_policy('as_of = "Today"').as_of is None


def test_empty_window_list_means_no_windows() -> None:
    assert parse_policy("term_start_windows = []").term_start_windows == ()


# --- validation messages -------------------------------------------------------------------------


def test_unknown_key_suggests_the_close_one() -> None:
    message = policy_error("lookahed_days = 3")
    assert message == "policy.toml: unknown key 'lookahed_days' (did you mean 'lookahead_days'?)"


def test_unknown_key_without_a_close_match_has_no_hint() -> None:
    assert policy_error("colour = 'blue'") == "policy.toml: unknown key 'colour'"


def test_unknown_table_is_an_unknown_key() -> None:
    assert "unknown key 'rules'" in policy_error("[rules]\nx = 1")


def test_wrong_type_for_a_whole_number() -> None:
    message = policy_error('lookahead_days = "ten"')
    assert message == "policy.toml: lookahead_days must be a whole number ≥ 0, got 'ten'"


@pytest.mark.parametrize("key", ["lookahead_days", "term_start_lookahead_days"])
def test_negative_lookahead_is_refused(key: str) -> None:
    assert f"{key} must be a whole number ≥ 0, got -3" in policy_error(f"{key} = -3")


def test_float_and_bool_are_not_whole_numbers() -> None:
    assert "got 1.5" in policy_error("lookahead_days = 1.5")
    assert "got true" in policy_error("lookahead_days = true")


def test_keep_runs_must_be_positive() -> None:
    assert "keep_runs must be a whole number ≥ 1, got 0" in policy_error("keep_runs = 0")


@pytest.mark.parametrize("written", ['"true"', '"yes"', "1"])
def test_booleans_must_be_toml_booleans(written: str) -> None:
    message = policy_error(f"require_email = {written}")
    assert "require_email must be true or false" in message
    assert "got" in message


def test_bad_window_string() -> None:
    message = policy_error('term_start_windows = ["08-01-08-31"]')
    assert "term_start_windows entries must look like" in message
    assert "'08-01-08-31'" in message


@pytest.mark.parametrize("window", ["13-01..13-20", "02-30..03-01", "8-1..8-31", "02-29..03-10"])
def test_impossible_window_days(window: str) -> None:
    assert f"got '{window}'" in policy_error(f'term_start_windows = ["{window}"]')


def test_windows_must_be_a_list_of_texts() -> None:
    message = policy_error('term_start_windows = "08-01..08-31"')
    assert "term_start_windows must be a list of texts" in message


def test_bad_academic_year_start() -> None:
    assert "academic_year_start must be a day like" in policy_error('academic_year_start = "7/1"')
    assert "got '02-29'" in policy_error('academic_year_start = "02-29"')


def test_bad_as_of() -> None:
    message = policy_error('as_of = "yesterday"')
    assert message.startswith('policy.toml: as_of must be "today" or a date')
    assert "got 'yesterday'" in message
    assert "got '2026-02-30'" in policy_error('as_of = "2026-02-30"')


def test_as_of_with_a_time_is_refused() -> None:
    assert "as_of must be" in policy_error("as_of = 2026-11-23T10:00:00")


def test_invalid_class_name_pattern() -> None:
    message = policy_error("class_name_pattern = '^(unclosed'")
    assert "class_name_pattern is not a valid regular expression" in message
    assert "'^(unclosed'" in message


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"10 %"'])
def test_threshold_outside_zero_to_one(value: str) -> None:
    assert "mass_removal_threshold must be a number from 0 to 1" in policy_error(
        f"mass_removal_threshold = {value}"
    )


def test_list_keys_must_hold_texts() -> None:
    assert "email_domains must be a list of texts" in policy_error("email_domains = [1, 2]")
    assert "schools must be a list of texts" in policy_error('schools = "Centralskolan"')


def test_empty_allowed_roles_is_refused() -> None:
    assert "allowed_roles must name at least one role" in policy_error("allowed_roles = []")


def test_text_keys_must_be_texts() -> None:
    assert "group_export_flag must be a text" in policy_error("group_export_flag = true")


def test_toml_syntax_error_names_line_and_column() -> None:
    message = policy_error("lookahead_days = 1\nrequire_email = \n")
    assert message.startswith("policy.toml: not valid TOML")
    assert "line 2" in message
    assert "column" in message


def test_every_problem_is_reported_one_line_each() -> None:
    message = policy_error('lookahed_days = 3\nkeep_runs = "many"\nuse_civic_no = "no"')
    lines = message.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("policy.toml: ") for line in lines)


def test_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


# --- loading files -------------------------------------------------------------------------------


def test_load_policy_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "policy.toml"
    good.write_text("lookahead_days = 10\n", encoding="utf-8")
    assert load_policy(good).lookahead_days == 10

    bad = tmp_path / "bad.toml"
    bad.write_text("lookahead_days = -1\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: lookahead_days"):
        load_policy(bad)


def test_missing_policy_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyError, match=r"nowhere\.toml") as caught:
        load_policy(missing)
    assert "not found" in str(caught.value)


def test_unreadable_policy_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=str(tmp_path.name)):
        load_policy(tmp_path)  # a directory cannot be read as a file


def test_non_utf8_policy_file(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes('schools = ["Ängsskolan"]\n'.encode("latin-1"))
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(latin)


# --- look-ahead and appears_on -------------------------------------------------------------------


def test_lookahead_inside_and_outside_windows() -> None:
    policy = Policy(lookahead_days=10)
    assert policy.lookahead_on(date(2026, 8, 12)) == 30
    assert policy.lookahead_on(date(2026, 1, 2)) == 30
    assert policy.lookahead_on(date(2026, 1, 20)) == 30
    assert policy.lookahead_on(date(2026, 1, 21)) == 10
    assert policy.lookahead_on(date(2026, 11, 23)) == 10


def test_lookahead_in_a_window_wrapping_the_year_end() -> None:
    policy = Policy(term_start_windows=(((12, 20), (1, 10)),), term_start_lookahead_days=14)
    assert policy.lookahead_on(date(2026, 12, 19)) == 0
    assert policy.lookahead_on(date(2026, 12, 20)) == 14
    assert policy.lookahead_on(date(2027, 1, 1)) == 14
    assert policy.lookahead_on(date(2027, 1, 10)) == 14
    assert policy.lookahead_on(date(2027, 1, 11)) == 0


def test_is_read_on() -> None:
    policy = Policy()
    assert policy.is_read_on(None, date(2026, 11, 23))
    assert policy.is_read_on(date(2026, 11, 23), date(2026, 11, 23))
    assert not policy.is_read_on(date(2026, 11, 24), date(2026, 11, 23))
    assert policy.is_read_on(date(2026, 9, 10), date(2026, 8, 12))  # 30 days in August
    assert not policy.is_read_on(date(2026, 9, 12), date(2026, 8, 12))


def test_appears_on_design_example() -> None:
    policy = Policy(term_start_windows=(((1, 2), (1, 20)),), lookahead_days=0)
    assert policy.appears_on(date(2027, 1, 11), date(2026, 11, 23)) == date(2027, 1, 2)


def test_appears_on_without_windows_is_start_minus_lookahead() -> None:
    policy = Policy(term_start_windows=(), lookahead_days=10)
    assert policy.appears_on(date(2027, 3, 20), date(2026, 11, 23)) == date(2027, 3, 10)
    assert Policy(term_start_windows=()).appears_on(date(2027, 3, 20), date(2026, 11, 23)) == (
        date(2027, 3, 20)
    )


def test_appears_on_is_as_of_when_already_read() -> None:
    policy = Policy()
    assert policy.appears_on(date(2026, 11, 1), date(2026, 11, 23)) == date(2026, 11, 23)
    assert policy.appears_on(date(2026, 11, 23), date(2026, 11, 23)) == date(2026, 11, 23)
    assert policy.appears_on(date(2026, 9, 5), date(2026, 8, 12)) == date(2026, 8, 12)


def test_appears_on_in_the_autumn_window() -> None:
    policy = Policy(lookahead_days=10)
    # Starts 2026-08-24: the window opens 08-01 with 30 days, so it is read on 08-01.
    assert policy.appears_on(date(2026, 8, 24), date(2026, 6, 1)) == date(2026, 8, 1)
    # Starts 2026-09-25: read on 08-26 (an August night, + 30), before 09-15 (+ 10) would be.
    assert policy.appears_on(date(2026, 9, 25), date(2026, 6, 1)) == date(2026, 8, 26)


def test_appears_on_with_a_window_wrapping_the_year_end() -> None:
    policy = Policy(term_start_windows=(((12, 20), (1, 10)),), term_start_lookahead_days=30)
    assert policy.appears_on(date(2027, 1, 15), date(2026, 11, 23)) == date(2026, 12, 20)
    assert policy.appears_on(date(2027, 2, 5), date(2026, 11, 23)) == date(2027, 1, 6)
    assert policy.appears_on(date(2027, 2, 15), date(2026, 11, 23)) == date(2027, 2, 15)


def test_appears_on_when_the_plain_lookahead_is_the_longer_one() -> None:
    policy = Policy(lookahead_days=20, term_start_lookahead_days=0)
    # A July night looks 20 days ahead; August nights only 0, so 08-15 is read from 07-26 …
    assert policy.appears_on(date(2026, 8, 15), date(2026, 7, 1)) == date(2026, 7, 26)
    # … but 08-25 is beyond every July night's reach and waits for its own day.
    assert policy.appears_on(date(2026, 8, 25), date(2026, 7, 1)) == date(2026, 8, 25)
    assert policy.appears_on(date(2026, 9, 10), date(2026, 7, 1)) == date(2026, 9, 1)


def brute_appears_on(policy: Policy, start: date, as_of: date) -> date:
    night = as_of
    while not policy.is_read_on(start, night):
        night += timedelta(days=1)
    return night


def test_appears_on_matches_walking_night_by_night() -> None:
    generator = random.Random(12000)
    for _ in range(400):
        windows = []
        for _ in range(generator.randint(0, 3)):
            first = date(2001, 1, 1) + timedelta(days=generator.randint(0, 364))
            last = first + timedelta(days=generator.randint(0, 60))
            windows.append(((first.month, first.day), (last.month, last.day)))
        policy = Policy(
            lookahead_days=generator.randint(0, 40),
            term_start_lookahead_days=generator.randint(0, 40),
            term_start_windows=tuple(windows),
        )
        as_of = date(2026, 1, 1) + timedelta(days=generator.randint(0, 730))
        start = as_of + timedelta(days=generator.randint(-30, 500))
        assert policy.appears_on(start, as_of) == brute_appears_on(policy, start, as_of), (
            policy,
            start,
            as_of,
        )


def test_appears_on_when_windows_fill_the_year() -> None:
    policy = Policy(term_start_windows=(((1, 1), (12, 31)),), term_start_lookahead_days=5)
    assert policy.appears_on(date(2027, 3, 20), date(2026, 11, 23)) == date(2027, 3, 15)


def test_appears_on_is_fast_for_many_records() -> None:
    policy = Policy(lookahead_days=10)
    as_of = date(2026, 11, 23)
    starts = [as_of + timedelta(days=offset % 900) for offset in range(100_000)]
    assert all(policy.appears_on(start, as_of) <= start for start in starts)


# --- academic and school years -------------------------------------------------------------------


def test_academic_year_with_the_default_start() -> None:
    policy = Policy()
    assert policy.academic_year(date(2026, 11, 22)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert policy.academic_year(date(2026, 7, 1)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert policy.academic_year(date(2026, 6, 30)) == (date(2025, 7, 1), date(2026, 6, 30))


def test_academic_year_with_another_start() -> None:
    policy = Policy(academic_year_start=(8, 15))
    assert policy.academic_year(date(2026, 8, 14)) == (date(2025, 8, 15), date(2026, 8, 14))
    assert policy.academic_year(date(2024, 3, 1)) == (date(2023, 8, 15), date(2024, 8, 14))


@pytest.mark.parametrize("written", ["2027", "2026/27", "2026-2027", "2026/2027", "2026-27"])
def test_school_year_forms_name_the_current_year(written: str) -> None:
    assert Policy().is_current_school_year(written, date(2026, 11, 22))


@pytest.mark.parametrize("written", ["2026", "2025/26", "2027-2028", "2026/28", "", "HT26"])
def test_other_school_years_are_not_current(written: str) -> None:
    assert not Policy().is_current_school_year(written, date(2026, 11, 22))


def test_school_year_at_the_turn_of_the_year() -> None:
    policy = Policy()
    assert policy.is_current_school_year("2026", date(2026, 6, 30))
    assert policy.is_current_school_year("2027", date(2026, 7, 1))


def test_parse_school_year() -> None:
    assert parse_school_year("2027") == (2027, False)
    assert parse_school_year(" 2026/27 ") == (2026, True)
    assert parse_school_year("1999/00") == (1999, True)
    assert parse_school_year("2026/2028") is None
    assert parse_school_year("läsår 26") is None


# --- class names, scope --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["9", "09", "åk 9", " 9 ", "ÅK 9", "Year 7", "klass 3", "ak9"])
def test_bare_year_class_names_are_not_specific(name: str) -> None:
    assert not Policy().class_name_is_specific(name)


@pytest.mark.parametrize("name", ["9A", "9 B", "Ma 8B", "åk 9A", "Fritids"])
def test_class_names_with_more_than_a_year_are_specific(name: str) -> None:
    assert Policy().class_name_is_specific(name)


def test_stricter_class_name_pattern_is_used_case_insensitively() -> None:
    policy = Policy(class_name_pattern=r"\d{1,2}[a-z]$")
    assert policy.class_name_is_specific("9A")
    assert not policy.class_name_is_specific("Ma 8B")  # matched from the start only


def test_school_scope() -> None:
    assert Policy().school_in_scope("123", "Centralskolan")
    scoped = Policy(schools=("centralskolan", "456"))
    assert scoped.school_in_scope("123", "Centralskolan")
    assert scoped.school_in_scope("456", "Ängsskolan")
    assert not scoped.school_in_scope("789", "Ängsskolan")


# --- flags and markings --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "y", "Yes", "j", "JA", "x", " X "])
def test_truthy_flags(value: str) -> None:
    assert is_truthy_flag(value)


@pytest.mark.parametrize("value", [None, "", "  ", "false", "0", "N", "no", "nej", "2", "ok"])
def test_everything_else_is_not_a_truthy_flag(value: str | None) -> None:
    assert not is_truthy_flag(value)


@pytest.mark.parametrize("value", [None, "", "  ", "Ingen", "INGEN", " ingen "])
def test_no_protected_marking(value: str | None) -> None:
    assert not is_protected_marking(value)


@pytest.mark.parametrize("value", ["Sekretessmarkering", "Skyddad folkbokföring", "garbage"])
def test_protected_markings_fail_closed(value: str) -> None:
    assert is_protected_marking(value)
