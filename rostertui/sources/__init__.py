"""Sources: each reads one format into a Roster and does nothing else."""

from __future__ import annotations

from pathlib import Path

from rostertui.domain.model import Roster, SourceError
from rostertui.domain.policy import Policy
from rostertui.sources.oneroster_csv import read_oneroster_csv


def read_source(spec: str, policy: Policy) -> Roster:
    """Pick the reader from the SOURCE argument: a bundle path today, URLs and sheets later."""
    if "://" in spec:
        scheme = spec.split("://", 1)[0]
        raise SourceError(
            "SOURCE_UNREADABLE", f"{scheme}:// sources are not supported yet (read a file instead)"
        )
    path = Path(spec)
    if path.suffix.lower() in (".xlsx", ".xls") or (path.suffix.lower() == ".csv"):
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{path}: spreadsheet lists are not supported yet; give a OneRoster folder or .zip",
        )
    return read_oneroster_csv(path, policy)
