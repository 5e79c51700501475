"""The README's command-line examples are what the program prints, the way a user sees them in
a pipe at 80 columns: no line padded with trailing spaces, none wider than 80, no word cut."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.domain.catalogue import RULES

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


def piped(*args: str) -> tuple[int, str]:
    """The command's stdout as a pipe gets it (CliRunner's stdout is not a terminal)."""
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_fits_80_unpadded(output: str) -> None:
    lines = output.splitlines()
    assert lines, "no output"
    padded = [line for line in lines if line != line.rstrip()]
    assert not padded, f"{len(padded)} lines end in spaces, e.g. {padded[0]!r}"
    wide = [line for line in lines if len(line) > 80]
    assert not wide, f"{len(wide)} lines wider than 80, e.g. {wide[0]!r}"


def readme_why_example() -> tuple[str, list[str]]:
    """The `why` query the README runs and the output block it shows right after it."""
    found = re.search(
        r"```sh\n(uv run rostertui why [^\n]*)\n```\s*\n```\n(.*?)\n```", README.read_text(), re.S
    )
    assert found, "README.md no longer shows a `rostertui why` example with its output"
    words = shlex.split(found.group(1))
    return words[words.index("why") + 1], found.group(2).split("\n")


def test_rules_piped_is_unpadded_and_fits_80_columns():
    code, output = piped("rules")
    assert code == 0
    assert_fits_80_unpadded(output)
    for entry in RULES.values():  # wrapped, never cut mid-word
        for text in (entry.title, entry.condition, entry.explanation, entry.fix):
            assert flat(text) in flat(output)


def test_rules_code_piped_is_unpadded_and_fits_80_columns():
    code, output = piped("rules", "STUDENT_NO_CLASS")
    assert code == 0
    assert_fits_80_unpadded(output)
    assert output.splitlines()[0] == "STUDENT_NO_CLASS — Pupil not in a class"
    entry = RULES["STUDENT_NO_CLASS"]
    for text in (entry.condition, entry.explanation, entry.fix):
        assert flat(text) in flat(output)


@pytest.mark.parametrize("query", ["Anna Svensson", "Anna"])
def test_why_piped_is_unpadded_and_fits_80_columns(demo_db, query):
    code, output = piped("why", query, "--db", str(demo_db))
    assert code == 0
    assert_fits_80_unpadded(output)


def test_status_piped_is_unpadded_and_fits_80_columns(demo_db):
    code, output = piped("status", "--db", str(demo_db))
    assert code == 0
    assert_fits_80_unpadded(output)


def test_the_readme_why_example_is_unpadded_and_fits_80_columns():
    _, shown = readme_why_example()
    assert_fits_80_unpadded("\n".join(shown))


def test_the_readme_why_example_is_what_why_prints(demo_db):
    """The README shows the 30-night demo as of its day; the fixture is 12 nights of a smaller
    municipality. Anna's story is the same, so the answer is too, up to its numbers: before her
    history digit for digit (alignment included), her history number for number."""
    query, shown = readme_why_example()
    assert query == "Anna Svensson"
    code, output = piped("why", query, "--db", str(demo_db))
    assert code == 0
    printed = output.rstrip("\n").split("\n")
    assert len(printed) == len(shown), "\n".join(printed)
    history = next(i for i, line in enumerate(printed) if line.startswith("History:"))
    assert history >= 20 and shown[history].startswith("History:")
    for number, (real, readme) in enumerate(zip(printed, shown, strict=True), start=1):
        if number <= history:
            real, readme = re.sub(r"\d", "0", real), re.sub(r"\d", "0", readme)
        else:
            real, readme = re.sub(r"\d+", "N", real), re.sub(r"\d+", "N", readme)
        assert readme == real, f"README.md line {number} of the why example differs"
