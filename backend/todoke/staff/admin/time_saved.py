"""Time saved (issue 17): how long a filing takes online and at the counter with Todoke,
against the municipality's paper baseline, and the hours saved per month.

What is counted, and said on the metrics screen: each filed application whose start is
known (the resident's draft, or staff starting it at the counter) and whose span to the
confirmation is at most CAP_MINUTES; a longer span means the filing was left and resumed
later, so it says nothing about the time it took and is only counted as such. A filing saves
its procedure's paper minutes less its recorded minutes, never less than nothing (a slow
filing is not charged against the others), summed by the month it was filed in (Japan time).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import read_transaction, write_transaction
from todoke.errors import InvalidInput, Text
from todoke.principal import Principal
from todoke.procedures import service as catalogue
from todoke.procedures.public import DecisionFigureRow
from todoke.staff.schemas import (
    PaperBaselineItem,
    PaperBaselineRead,
    TimeSaved,
    TimeSavedMonth,
    TimeSavedProcedure,
)

CAP_MINUTES = 120
MONTHS = 6
COUNTER_CHANNELS = frozenset({"assisted"})


async def paper_baselines(municipality_id: int) -> list[PaperBaselineRead]:
    """The municipality's paper minutes per procedure, by slug."""
    async with read_transaction() as sql:
        return await sql.rows(
            PaperBaselineRead,
            "SELECT procedure AS slug, minutes, updated_at FROM paper_baseline "
            "WHERE municipality = ? ORDER BY procedure",
            [municipality_id],
        )


async def set_paper_baselines(
    principal: Principal, items: Sequence[PaperBaselineItem]
) -> list[PaperBaselineRead]:
    """Set (or with None remove) paper baselines of the municipality's published
    procedures, all or nothing, audited with what changed."""
    known = {s.slug for s in await catalogue.list_published(principal.municipality_id)}
    unknown = sorted({i.slug for i in items} - known)
    if unknown:
        raise InvalidInput(
            Text("手続きが見つかりません。", f"Unknown procedures: {', '.join(unknown)}")
        )
    if len({i.slug for i in items}) != len(items):
        raise InvalidInput(Text("同じ手続きが二度あります。", "Each procedure may be given once."))
    now = clock.now()
    changed: dict[str, int | None] = {}
    async with write_transaction() as sql:
        held = {
            row.slug: row.minutes
            for row in await sql.rows(
                PaperBaselineRead,
                "SELECT procedure AS slug, minutes, updated_at FROM paper_baseline "
                "WHERE municipality = ?",
                [principal.municipality_id],
            )
        }
        for item in items:
            if held.get(item.slug) == item.minutes:
                continue
            changed[item.slug] = item.minutes
            await sql.execute(
                "DELETE FROM paper_baseline WHERE municipality = ? AND procedure = ?",
                [principal.municipality_id, item.slug],
            )
            if item.minutes is not None:
                await sql.execute(
                    "INSERT INTO paper_baseline (municipality, procedure, minutes, updated_by, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    [principal.municipality_id, item.slug, item.minutes, principal.account_id,
                     now],
                )  # fmt: skip
        if changed:
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="staff",
                actor_account=principal.account_id,
                action="metrics.paper_baseline_set",
                purpose="administration",
                detail={"minutes": changed},
                sql=sql,
            )
    return await paper_baselines(principal.municipality_id)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_shown(today: date, count: int = MONTHS) -> list[str]:
    """The last ``count`` months (Japan time), oldest first, this one last."""
    year, month = today.year, today.month
    shown = []
    for _ in range(count):
        shown.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return shown[::-1]


class _Spans(msgspec.Struct):
    online: list[float] = msgspec.field(default_factory=list)  # minutes
    counter: list[float] = msgspec.field(default_factory=list)
    resumed_later: int = 0
    hours_saved: float = 0.0


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def time_saved(
    rows: Sequence[DecisionFigureRow],
    baselines: dict[str, int],
    titles: dict[str, dict[str, str]],
    today: date,
) -> TimeSaved:
    """The figures from recorded durations: per procedure (listed in ``titles`` order, then
    any other filed one) and per month of the last MONTHS."""
    shown = months_shown(today)
    hours = dict.fromkeys(shown, 0.0)
    counted = dict.fromkeys(shown, 0)
    spans: dict[str, _Spans] = {}
    for row in rows:
        month = _month(row.submitted_at.astimezone(clock.JST).date())
        if row.filing_seconds is None or month not in hours:
            continue
        tally = spans.setdefault(row.slug, _Spans())
        minutes = row.filing_seconds / 60
        if minutes > CAP_MINUTES:
            tally.resumed_later += 1
            continue
        (tally.counter if row.channel in COUNTER_CHANNELS else tally.online).append(minutes)
        paper = baselines.get(row.slug)
        if paper is not None:
            saved = max(0.0, paper - minutes) / 60
            hours[month] += saved
            counted[month] += 1
            tally.hours_saved += saved
    order = list(titles) + sorted(set(spans) - set(titles))
    procedures = []
    for slug in order:
        tally = spans.get(slug, _Spans())
        procedures.append(
            TimeSavedProcedure(
                slug=slug,
                title=titles.get(slug, {"ja": slug, "en": slug}),
                online_minutes=_median(tally.online),
                online_timed=len(tally.online),
                counter_minutes=_median(tally.counter),
                counter_timed=len(tally.counter),
                resumed_later=tally.resumed_later,
                paper_minutes=baselines.get(slug),
                hours_saved=round(tally.hours_saved, 1),
            )
        )
    return TimeSaved(
        cap_minutes=CAP_MINUTES,
        months=[
            TimeSavedMonth(month=m, hours_saved=round(hours[m], 1), filings=counted[m])
            for m in shown
        ],
        procedures=procedures,
    )
