"""The arrows point one way: domain is pure, sources only normalise, the UI holds no SQL."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports


def test_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert lint_imports() == 0
