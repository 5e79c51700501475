"""Sources: each reads one format into a Roster and does nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rostertui.domain.model import Roster, SourceError
from rostertui.domain.policy import Policy
from rostertui.sources.oneroster_csv import read_oneroster_csv

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
URL_SCHEMES = ("ss12000+https", "ss12000+http", "oneroster+https", "oneroster+http")


def read_source(spec: str, policy: Policy, credentials: Path | None = None) -> Roster:
    """Pick the reader from the SOURCE argument: an SS 12000 or OneRoster REST URL, a bundle
    folder or .zip, or a sheet list. `credentials` is the private TOML file for URL sources
    (the environment is read either way); file sources ignore it.

    Readers other than OneRoster CSV are imported when asked for: a nightly bundle sync never
    pays the 0.3 s that openpyxl takes to import, nor httpx's."""
    if "://" in spec:
        return _read_url(spec, policy, credentials)
    path = Path(spec)
    if path.suffix.lower() in SHEET_SUFFIXES:
        from rostertui.sources.sheet import read_sheet

        return read_sheet(path, policy)
    return read_oneroster_csv(path, policy)


def _read_url(spec: str, policy: Policy, credentials_path: Path | None) -> Roster:
    scheme = spec.split("://", 1)[0].lower()
    if scheme not in URL_SCHEMES:
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{scheme}:// is not a source rostertui reads (give ss12000+https://host/v2.1, "
            "oneroster+https://host/ims/oneroster/v1p1, a OneRoster bundle or a sheet)",
        )
    from rostertui.sources.credentials import CredentialsError, load_credentials
    from rostertui.sources.http import stderr_progress

    try:
        credentials = load_credentials(credentials_path)
    except CredentialsError as exc:
        raise SourceError("SOURCE_UNREADABLE", str(exc)) from None
    if scheme.startswith("ss12000"):
        from rostertui.sources.ss12000 import read_ss12000

        return read_ss12000(spec, policy, credentials, progress=stderr_progress)
    from rostertui.sources.oneroster_rest import read_oneroster_rest

    return read_oneroster_rest(spec, policy, credentials, progress=stderr_progress)


def without_userinfo(source: str) -> str:
    """A source as it may be shown and stored: never a user:password@ that slipped into a URL."""
    if "://" not in source:
        return source
    parts = urlsplit(source)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=host))
