"""The registry says "the change log gained rows" the moment they can be read, so whoever
reads the log (the re-matching worker) works at once instead of on its next poll.

The registry writes the log and must not know who reads it, so it only publishes:
``logged(sql)`` inside the transaction that inserted change-log rows (``todoke.signals``
carries it: NOTIFY on PostgreSQL, an in-process signal on SQLite). A signal only says
"read the log now": what to read is still the reader's cursor over the log.
"""

from __future__ import annotations

from todoke.db import SqlSession
from todoke.signals import Listener, announce

CHANNEL = "registry_changed"
# Seen in pg_stat_activity, so an operator (or a test) can find the listening sessions.
LISTENER_NAME = "todoke registry listener"


async def logged(sql: SqlSession) -> None:
    """Announce, from inside the transaction that inserted change-log rows, that readers
    should look: delivered when (and only if) that transaction commits."""
    await announce(sql, CHANNEL)


class ChangeListener(Listener):
    """Wakes its ``event`` whenever the change log gains rows (and when listening
    (re)starts)."""

    def __init__(self, **options: float) -> None:
        super().__init__(CHANNEL, LISTENER_NAME, **options)
