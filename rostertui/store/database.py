"""Opening a database file the safe way: readers never write, and nothing but a rostertui
database (or a new, empty file for a sync) is ever opened as one.

A file is identified from its first 100 bytes before SQLite touches it: the SQLite magic and
rostertui's application id. Databases made before the id existed are recognised by their tables,
read through an immutable connection that cannot create a -wal or -shm beside another program's
file. Readers open `mode=ro`; in a read-only folder, or with the disk full, where SQLite cannot
make the shared-memory file a WAL reader needs, and with no writer alive and no unapplied WAL,
they read the file as immutable instead: the same data, without the files.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from rostertui.store.during import VERSIONED_FROM
from rostertui.store.errors import StoreError, os_problem, sqlite_error_line
from rostertui.store.lock import real_path, writer_alive
from rostertui.store.schema import MIGRATIONS, migrate

APPLICATION_ID = 0x52535452  # "RSTR"
READABLE_FROM = 2
"""The oldest schema the queries can answer from; older needs one sync to upgrade it."""

_MAGIC = b"SQLite format 3\x00"
_OURS = frozenset({"meta", "runs", "records", "findings", "imports"})


def open_reader(path: Path, *, shared: bool = False) -> sqlite_utils.Database:
    """Open `path` read-only, or refuse in one line if it is not a rostertui database.

    `shared` lets threads other than the opener use the connection (one at a time).
    """
    if not path.exists():
        raise StoreError(
            f"{path}: no database here yet; run `rostertui sync SOURCE` or `rostertui demo`"
        )
    problem = _identify(path)
    if problem == "empty":
        raise StoreError(
            f"{path}: empty, not a rostertui database (yet: `rostertui sync SOURCE` makes one)"
        )
    if problem:
        raise StoreError(f"{path}: {problem}")
    try:
        conn = _connect_read_only(path, shared)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise StoreError(sqlite_error_line(path, exc, "read the database")) from exc
    if version > len(MIGRATIONS):
        conn.close()
        raise StoreError(_newer(path, version))
    if version < READABLE_FROM:
        conn.close()
        raise StoreError(
            f"{path}: written by an older rostertui (schema {version}); the next "
            "`rostertui sync` upgrades it"
        )
    if version < VERSIONED_FROM:
        _read_as_versions(conn)
    return sqlite_utils.Database(conn)


def _read_as_versions(conn: sqlite3.Connection) -> None:
    """A database from before records were versions (schema 5) holds every night whole: each
    row is a version of its own night alone, and reads as one (During is told to read every
    run as whole). Shadowed in the connection's temporary schema, which SQLite searches
    first: a reader writes nothing to the file; the next sync migrates it."""
    conn.execute(
        "CREATE TEMP VIEW records AS SELECT *, run_id AS last_run, NULL AS checksum "
        "FROM main.records"
    )
    conn.execute("CREATE TEMP VIEW findings AS SELECT *, run_id AS last_run FROM main.findings")


def open_writer(path: Path) -> sqlite_utils.Database:
    """Open `path` for a sync, creating the database in a new or empty file, migrating an
    older one; another program's file, a damaged one, or one it cannot write is refused."""
    problem = _identify(path) if path.exists() else "empty"
    if problem not in ("empty", None):
        raise StoreError(f"{path}: {problem}; rostertui writes only to its own database")
    for needed, what in ((path, "file"), (real_path(path).parent, "folder")):
        if needed.exists() and not os.access(needed, os.W_OK):
            raise StoreError(
                f"{path}: the database's {what} is read-only for this user; a sync writes the "
                "database and the -wal file beside it"
            )
    try:
        conn = sqlite3.connect(path, check_same_thread=False)
        if problem == "empty":
            conn.execute("PRAGMA page_size=16384")  # before the first table: fuller pages
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _tune(conn)
        db = sqlite_utils.Database(conn)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(_newer(path, version))
        migrate(db)
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")  # a database from before
    except sqlite3.Error as exc:
        raise StoreError(sqlite_error_line(path, exc, "open the database for writing")) from exc
    return db


def _tune(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MB: keeps a million-row night's indexes warm


def _connect_read_only(path: Path, shared: bool) -> sqlite3.Connection:
    try:
        return _uri_connect(path, "mode=ro", shared)
    except sqlite3.OperationalError as exc:
        wal = Path(f"{path}-wal")
        unapplied = wal.exists() and wal.stat().st_size > 0
        if unapplied or writer_alive(path) is not False:
            raise StoreError(sqlite_error_line(path, exc, "read the database")) from exc
    return _uri_connect(path, "mode=ro&immutable=1", shared)


def _uri_connect(path: Path, options: str, shared: bool) -> sqlite3.Connection:
    """Connected and read from: SQLite opens the file (and its -shm) at the first read."""
    conn = sqlite3.connect(_uri(path, options), uri=True, check_same_thread=not shared)
    try:
        _tune(conn)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _uri(path: Path, options: str) -> str:
    """An SQLite URI for the file behind `path`, its name quoted (a `?` or `#` is data)."""
    return f"file:{quote(str(real_path(path)))}?{options}"


def _identify(path: Path) -> str | None:
    """None for a rostertui database, "empty" for an empty file (or an SQLite file with no
    tables), else what the file is, as a person would say it."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read forever
            return "not a rostertui database: not a regular file"
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return os_problem(exc, "read it")
    if not header:
        return "empty"
    if not header.startswith(_MAGIC):
        return f"not a rostertui database: not an SQLite file ({_looks_like(header)})"
    if len(header) < 100:
        return "a damaged database: its header is cut short"
    application_id = int.from_bytes(header[68:72], "big")
    if application_id == APPLICATION_ID:
        return None
    if application_id:
        return f"another program's SQLite database (application id {application_id:#x})"
    return _identify_by_tables(path)


def _identify_by_tables(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(_uri(path, "mode=ro&immutable=1"), uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"a damaged database ({exc})"
    if tables >= _OURS:
        return None  # made by a rostertui from before the application id
    wal = Path(f"{path}-wal")
    if not tables and wal.exists() and wal.stat().st_size:
        return "an SQLite database whose changes are still in its -wal file, not rostertui's"
    if not tables:
        return "empty"
    shown = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
    return f"another program's SQLite database (tables: {shown}), not a rostertui database"


def _looks_like(header: bytes) -> str:
    for magic, what in ((b"PK\x03\x04", "a zip file"), (b"%PDF", "a PDF")):
        if header.startswith(magic):
            return what
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    return "it is text" if _texty(text) else "binary data"


def _texty(text: str) -> bool:
    return all(c.isprintable() or c in "\t\r\n" for c in text)


def _newer(path: Path, version: int) -> str:
    return (
        f"{path}: database schema {version} is newer than this rostertui knows "
        f"({len(MIGRATIONS)}); upgrade rostertui"
    )
