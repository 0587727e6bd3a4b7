"""Re-evaluation in the background: registry changes (imports, approved moves, births) are
read from the change log and only the households they touch are matched again."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from todoke.benefits.service import reevaluate_all

logger = logging.getLogger("todoke.matching")


async def run_matching(stop: asyncio.Event, interval_seconds: float = 5.0) -> None:
    while not stop.is_set():
        try:
            told = await reevaluate_all()
            if told:
                logger.info("matching: %d residents newly told", told)
        except Exception:
            logger.exception("matching: re-evaluation failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
