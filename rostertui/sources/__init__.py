"""Sources: each reads one format into a Roster and does nothing else."""

from __future__ import annotations

from pathlib import Path

from rostertui.domain.model import Roster, SourceError
from rostertui.domain.policy import Policy
from rostertui.sources.oneroster_csv import read_oneroster_csv
from rostertui.sources.sheet import read_sheet

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


def read_source(spec: str, policy: Policy) -> Roster:
    """Pick the reader from the SOURCE argument: a bundle folder or .zip, or a sheet list."""
    if "://" in spec:
        scheme = spec.split("://", 1)[0]
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{scheme}:// sources are not supported yet (give a OneRoster bundle or a sheet)",
        )
    path = Path(spec)
    if path.suffix.lower() in SHEET_SUFFIXES:
        return read_sheet(path, policy)
    return read_oneroster_csv(path, policy)
