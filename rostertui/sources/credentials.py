"""Credentials for network sources: from the environment or a private TOML file, never argv.

A token on the command line ends up in shell history and `ps`; a token in a world-readable file
is one `cat` away from every account on the machine. So credentials come only from environment
variables or a file that only its owner can read, and once loaded every value is wrapped so that
no repr, log line, error message or database row can show it: `Secret.reveal()` is the one way
out, and only the HTTP layer calls it.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

KEYS = (
    "ROSTERTUI_SS12000_TOKEN",
    "ROSTERTUI_SS12000_CERT",
    "ROSTERTUI_SS12000_KEY",
    "ROSTERTUI_ONEROSTER_TOKEN_URL",
    "ROSTERTUI_ONEROSTER_CLIENT_ID",
    "ROSTERTUI_ONEROSTER_CLIENT_SECRET",
)
"""The only keys read, from the environment or the credentials file (same names in both)."""


class CredentialsError(ValueError):
    """Credentials that cannot be used; the message names the key or file, never a value."""


class Secret:
    """A value that must not be shown: repr and str print a placeholder, `reveal()` the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):
        raise TypeError("a Secret is not pickled (it would leave the process in clear)")


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """What a network source may use to authenticate. Every field is a Secret: certificate
    paths and client ids included (DESIGN: credentials and certificate paths never reach a log),
    so a stray f-string shows '***' rather than the value."""

    ss12000_token: Secret | None = None
    ss12000_cert: Secret | None = None
    ss12000_key: Secret | None = None
    oneroster_token_url: Secret | None = None
    oneroster_client_id: Secret | None = None
    oneroster_client_secret: Secret | None = None
    origin: str = "environment"

    def __repr__(self) -> str:
        present = [f.name for f in fields(self) if isinstance(getattr(self, f.name), Secret)]
        return f"Credentials(from {self.origin}; set: {', '.join(present) or 'nothing'})"

    __str__ = __repr__

    def secrets(self) -> list[str]:
        """The values that must never be shown, longest first. The token URL and client id are
        kept out of reprs too, but not scrubbed from messages: a failing token URL must be
        named, and a short client id would mangle unrelated words."""
        values = [
            secret.reveal()
            for secret in (
                self.ss12000_token,
                self.ss12000_cert,
                self.ss12000_key,
                self.oneroster_client_secret,
            )
            if secret is not None
        ]
        return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """The text with any credential value replaced by '***' (a server may echo a token)."""
        for value in self.secrets():
            text = text.replace(value, "***")
        return text


def load_credentials(path: Path | None, environ: Mapping[str, str] | None = None) -> Credentials:
    """The file's keys (when a file is given), with the environment filling the keys it lacks."""
    environment = os.environ if environ is None else environ
    values: dict[str, str] = {}
    origin = "environment"
    if path is not None:
        values = _read_private_file(path)
        origin = f"{path} and the environment"
    for key in KEYS:
        if key not in values and environment.get(key):
            values[key] = environment[key]
    return Credentials(
        **{_field(key): Secret(value) for key, value in values.items() if value},
        origin=origin,
    )


def _field(key: str) -> str:
    return key.removeprefix("ROSTERTUI_").lower()


def _read_private_file(path: Path) -> dict[str, str]:
    """Refuse a file anyone but its owner can read or write; then read its known keys."""
    try:
        info = path.stat()
    except OSError as exc:
        raise CredentialsError(f"credentials file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise CredentialsError(f"credentials file {path}: not a regular file")
    if os.name == "posix":
        loose = stat.S_IMODE(info.st_mode) & 0o077
        if loose:
            raise CredentialsError(
                f"credentials file {path} is accessible to group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing to read it. "
                f"Make it private: chmod 600 {path}"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise CredentialsError(
                f"credentials file {path} belongs to another user; refusing to read it"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"credentials file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # Only the position: a decoder message that quoted the line could show a secret.
        found = re.search(r"\(at (line \d+, column \d+|end of document)\)", str(exc))
        where = f" ({found.group(0)[1:-1]})" if found else ""
        raise CredentialsError(f"credentials file {path} is not valid TOML{where}") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise CredentialsError(
                f"credentials file {path}: unknown key {key!r} (known: {', '.join(KEYS)})"
            )
        if not isinstance(value, str):
            raise CredentialsError(f"credentials file {path}: {key} must be a string")
        values[key] = value
    return values
