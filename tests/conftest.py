"""Shared fixtures: SVG snapshots live in snapshots/, and a demo database built the same way
every time (fixed clock and hash key) so screens can be compared picture for picture."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 22)


def _snapshots_dirname(cls, *, test_location) -> str:
    """pytest-textual-snapshot keeps pictures under tests/__snapshots__; ours live in
    snapshots/, where the README can show them."""
    return str(ROOT / "snapshots" / Path(test_location.filepath).stem)


SVGImageExtension.dirname = classmethod(_snapshots_dirname)  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Twelve demo nights ending 2026-11-22 (one of them held), deterministically."""
    from rostertui.demo import write_demo_month
    from rostertui.store import runs
    from rostertui.sync import sync

    patch = pytest.MonkeyPatch()
    patch.setattr(runs, "now", lambda: "2026-11-22T02:00:00+00:00")
    folder = tmp_path_factory.mktemp("console")
    db = folder / "demo.db"
    key = folder / "demo.db.key"  # a fixed hash key, so protected keys are the same every time
    key.write_text("ab" * 32)
    key.chmod(0o600)
    states = [
        sync(db, str(n.bundle.folder), policy_path=n.bundle.policy_path, as_of=n.as_of).state
        for n in write_demo_month(folder / "month", today=AS_OF, nights=12, people=600)
    ]
    patch.undo()
    assert states.count("good") == 11 and states.count("held") == 1, states
    return db
