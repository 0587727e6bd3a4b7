"""`todoke backup PATH`, run as an operator would (a separate process), while the app writes."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from test_cli import _todoke

from todoke.notices.tables import Notice
from todoke.registry.tables import Person

pytestmark = pytest.mark.usefixtures("db")


sqlite_only = pytest.mark.skipif(
    bool(os.environ.get("TODOKE_DATABASE_URL")), reason="the SQLite backup (PostgreSQL: pg_dump)"
)


class Writer(threading.Thread):
    """Another process's traffic, as the app would write it: one notice per transaction."""

    def __init__(self, database: Path, municipality: int) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.municipality = municipality
        self.stop = threading.Event()
        self.committed = 0
        self.error: Exception | None = None

    def run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=30, isolation_level=None)
        text = json.dumps({"ja": "お知らせ", "easy": "おしらせ", "en": "A notice"})
        try:
            while not self.stop.is_set():
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "INSERT INTO notice (municipality, account, kind, title, body, link, "
                    "created_at) VALUES (?, 1, 'application', ?, ?, '', '2026-12-01 00:00:00')",
                    [self.municipality, text, text],
                )
                connection.execute("COMMIT")
                self.committed += 1
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()


@sqlite_only
async def test_backup_while_a_writer_is_active_holds_every_row(db, city, tmp_path):
    from test_applications import add_household

    await add_household(city)
    persons = await Person.count()
    writer = Writer(db.database_path, city.id)
    writer.start()
    try:
        while writer.committed < 50:  # the writer is well under way
            time.sleep(0.01)
        before = writer.committed
        target = tmp_path / "todoke-backup.sqlite3"
        result = _todoke(db, "backup", str(target))
        during = writer.committed
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
    assert during > before  # the writer went on writing while the copy was made

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM person").fetchone()[0] == persons == 3
        copied = copy.execute("SELECT count(*) FROM notice").fetchone()[0]
        # A snapshot: everything committed before the backup began, nothing half-written.
        assert before <= copied <= writer.committed
        ids = [row[0] for row in copy.execute("SELECT id FROM notice ORDER BY id")]
        assert ids == list(range(ids[0], ids[0] + copied))
        # The newest migration is in the copy too: it restores to a current schema.
        assert copy.execute("SELECT count(*) FROM migration").fetchone()[0] > 0
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        copy.close()
    assert not Path(f"{target}-wal").exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert await Notice.count() >= copied  # the live database was not touched


@sqlite_only
async def test_backup_refuses_to_overwrite_the_database_or_write_nowhere(db, city, tmp_path):
    itself = _todoke(db, "backup", str(db.database_path))
    assert itself.returncode == 2 and "overwrite" in itself.stderr
    assert await Person.count() == 0 and db.database_path.stat().st_size > 0
    nowhere = _todoke(db, "backup", str(tmp_path / "missing" / "b.sqlite3"))
    assert nowhere.returncode == 2 and "no such folder" in nowhere.stderr
    assert not (tmp_path / "missing").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.skipif(not os.environ.get("TODOKE_DATABASE_URL"), reason="PostgreSQL only")
async def test_on_postgresql_backup_points_to_pg_dump(db, tmp_path):
    result = _todoke(db, "backup", str(tmp_path / "b.dump"))
    assert result.returncode == 2
    assert "pg_dump" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b.dump").exists()
