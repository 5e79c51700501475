"""The database's hash key, kept outside the database file.

Civic numbers and protected persons' ids are stored only as keyed hashes (HMAC-SHA256). With the
key inside the file, anyone holding a copy could hash every id `usr-000000 … usr-999999` and find
the protected ones in a second; so the key lives in `<database>.key` beside it (created 0600 by
the first sync) or in `$ROSTERTUI_KEY`, and the database keeps only a check value that tells the
right key from a wrong one without revealing it. Databases from before keep their key in the
`meta` table; the first sync that finds it there moves it out and wipes it.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path

import sqlite_utils

from rostertui.store.errors import StoreError, os_error_line
from rostertui.store.lock import real_path

KEY_ENV = "ROSTERTUI_KEY"
Hasher = Callable[[str], str]


def key_path(db_path: Path) -> Path:
    real = real_path(db_path)
    return real.with_name(real.name + ".key")


def hasher_of(key: bytes) -> Hasher:
    def digest(value: str) -> str:
        return hmac.new(key, value.encode(), sha256).hexdigest()

    return digest


def reading_key(db_path: Path, db: sqlite_utils.Database) -> bytes | None:
    """The key for a reader, or None when it is not there or not usable (unreadable, another
    database's): searching by personnummer then cannot match; everything else works."""
    try:
        key = _given_key(db_path) or _legacy_key(db)
        if key is not None:
            _check(db_path, db, key)
    except StoreError:
        return None
    return key


def writing_key(db_path: Path, db: sqlite_utils.Database, *, new_key: bool = False) -> bytes:
    """The key for a sync: found, moved out of a database from before, or made on a first night.

    A database with nights but no key is refused: a new key would make every earlier night's
    hashes unmatchable (protected persons from earlier nights, personnummer matches), which
    must be chosen (`new_key`), never happen because a file was not restored.
    """
    key = _given_key(db_path)
    legacy = _legacy_key(db)
    if legacy is not None and key not in (None, legacy):
        raise StoreError(
            f"{db_path}: the database still holds its own key from an earlier rostertui, and "
            f"${KEY_ENV} is a different one; unset it for one sync, which moves the key out "
            f"to {key_path(db_path)}"
        )
    if key is None and legacy is not None:
        key = legacy
        _write_key_file(db_path, key)
    has_nights = db.execute("SELECT count(*) FROM runs").fetchone()[0] > 0
    if key is None and has_nights and not new_key:
        raise StoreError(
            f"{key_path(db_path)}: the database's key file is missing. Restore it from the "
            f"backup you took with the database (or set ${KEY_ENV}). Without it, rostertui "
            "cannot recognise protected persons and personnummer from earlier nights; to start "
            "a new key anyway, run the sync with --new-key"
        )
    if key is None:
        key = secrets.token_bytes(32)
        _write_key_file(db_path, key)
    elif not new_key:
        _check(db_path, db, key)
    stored = db.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
    if legacy is not None or stored != (_check_value(key),):  # else nothing to write
        with db.conn:
            db.execute("PRAGMA secure_delete=ON")  # the old key's bytes are overwritten
            db.execute("DELETE FROM meta WHERE key = 'secret'")
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [_check_value(key)],
            )
    return key


def _given_key(db_path: Path) -> bytes | None:
    text = os.environ.get(KEY_ENV)
    where = f"${KEY_ENV}"
    if not text:
        path = key_path(db_path)
        try:
            mode = path.stat().st_mode
            text = path.read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(os_error_line(path, exc, "read the database's key file")) from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise StoreError(
                f"{path}: the key file can be read by others; run `chmod 600 {path}` "
                "(it is what keeps the database's hashes from being reversed)"
            )
        where = str(path)
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text.strip()):
        raise StoreError(f"{where}: not a rostertui key (64 hexadecimal characters)")
    return bytes.fromhex(text.strip())


def _legacy_key(db: sqlite_utils.Database) -> bytes | None:
    row = db.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
    return bytes.fromhex(row[0]) if row else None


def _check_value(key: bytes) -> str:
    return hmac.new(key, b"rostertui key check", sha256).hexdigest()[:16]


def _check(db_path: Path, db: sqlite_utils.Database, key: bytes) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
    if row is not None and not hmac.compare_digest(row[0], _check_value(key)):
        where = f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(key_path(db_path))
        raise StoreError(
            f"{db_path}: the key in {where} is not this database's key; restore the one backed "
            "up with it (or start a new key with `rostertui sync … --new-key`)"
        )


def _write_key_file(db_path: Path, key: bytes) -> None:
    path = key_path(db_path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex() + "\n")
    except FileExistsError as exc:
        raise StoreError(
            f"{path}: a key file is already there but was not used; move it away or set ${KEY_ENV}"
        ) from exc
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise StoreError(os_error_line(path, exc, "write the database's key file")) from exc
