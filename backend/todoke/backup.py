"""``todoke backup PATH``: a consistent copy of the embedded SQLite database, taken while the
app runs.

SQLite's online backup API (``sqlite3.Connection.backup``) copies the pages under one read
transaction when asked for all pages in one step: in WAL mode, which every Todoke database
file is in, that read does not block writers and sees one committed state, so the copy is
a snapshot of the moment it began. (A copy made page batch by page batch restarts whenever
another connection writes, and may never finish under steady traffic.)

The copy is written next to ``PATH`` under a temporary name, checked, flushed to disk and
renamed into place, so ``PATH`` is either the previous backup or a whole new one.

PostgreSQL is backed up with ``pg_dump`` (the runbook, ``deploy/README.md``, has the commands):
this command refuses rather than pretend.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from todoke.settings import Settings

BUSY_TIMEOUT_SECONDS = 30


class BackupError(Exception):
    """The backup could not be made; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    tables: int


def sqlite_source(settings: Settings) -> Path:
    if settings.is_postgres:
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump --format=custom "
            "(see deploy/README.md, 'Backup and restore')"
        )
    if settings.database_url.startswith("sqlite:///"):
        return Path(settings.database_url.removeprefix("sqlite:///"))
    return settings.database_path


def backup_sqlite(source: Path, target: Path) -> BackupReport:
    """Copy the SQLite database at ``source`` to ``target`` (replaced atomically)."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    target = target.resolve()
    if target == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"no such folder: {target.parent}")
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst, pages=-1)  # every page in one step: one snapshot
                # A self-contained file (no -wal beside it), whatever the source's mode.
                dst.execute("PRAGMA journal_mode=DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise BackupError(f"the copy does not check out: {check}")
                tables = dst.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        with tmp.open("rb") as file:
            os.fsync(file.fileno())
        os.chmod(tmp, 0o600)  # residents' data: readable by the operator only
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupReport(path=target, bytes=target.stat().st_size, tables=tables)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
