"""The resident's timeline on home: what they must do, what is due, what is under way and
what they have not read yet, in one list (issue 15).

Built from what the resident can already see elsewhere — their drafts, their applications
and the days booked in them (a counter visit, an interview), their notices — and, for a
verified resident the registry says receives 児童扶養手当, the annual status report (現況届)
due in August. Nothing here is written; nothing a resident
cannot see on their other screens is shown."""

from __future__ import annotations

from datetime import date, datetime, time

from todoke import clock
from todoke.notices import public as notices
from todoke.principal import Principal
from todoke.procedures import drafts, life_events, reading
from todoke.procedures.schemas import Localized, Timeline, TimelineItem
from todoke.procedures.versions import FINAL
from todoke.registry import public as registry

# 児童扶養手当's 現況届: every recipient reports in August (1–31), or payments stop from
# November (JAPAN-FACTS.md). The programme's slug is the registry's ``receiving`` value.
STATUS_REPORT_PROGRAMME = "child-rearing-allowance"
STATUS_REPORT_TITLE = Localized(
    ja="児童扶養手当の現況届",
    easy="じどう ふよう てあての げんきょうとどけ",
    en="Child-rearing allowance: the annual status report",
)
# Unread notices shown at most (the inbox has them all).
NOTICES_SHOWN = 5
# The order of the list: what the resident must do first, then what is due, then what
# goes on, then what to read.
_ORDER = {"action": 0, "deadline": 1, "application": 2, "notice": 3}


def status_report_window(today: date) -> tuple[date, date]:
    """The August (1st to 31st) of this year, or of next year once this one has passed."""
    year = today.year if today <= date(today.year, 8, 31) else today.year + 1
    return date(year, 8, 1), date(year, 8, 31)


async def timeline(principal: Principal) -> Timeline:
    today = clock.today()
    items: list[TimelineItem] = []
    for application in await reading.list_for_resident(principal):
        if application.status in FINAL:
            continue
        asked = application.status == "info_requested"
        items.append(
            TimelineItem(
                kind="action" if asked else "application",
                what="info_requested" if asked else "in_progress",
                title=application.title,
                status_label=application.status_label,
                at=application.updated_at,
                due=None,
                link=f"/applications/{application.id}",
            )
        )
    for draft in await drafts.list_drafts(principal):
        items.append(
            TimelineItem(
                kind="deadline",
                what="draft_expires",
                title=draft.title,
                status_label=None,
                at=draft.updated_at,
                due=draft.expires_at.astimezone(clock.JST).date(),
                link=f"/procedures/{draft.slug}/apply?draft={draft.id}",
            )
        )
    for appointment in await reading.appointments_for_resident(principal, today):
        items.append(
            TimelineItem(
                kind="deadline",
                what="appointment",
                title=appointment.title,
                status_label=None,
                at=appointment.updated_at,
                due=appointment.on,
                link=f"/applications/{appointment.application_id}",
                detail=appointment.label,
            )
        )
    for case in await life_events.list_cases(principal):
        left = [i for i in case.items if i.state in ("todo", "filed", "booked")]
        if not left:
            continue  # every item done: the event leaves the timeline
        dues = [i.deadline for i in left if i.deadline is not None and i.state == "todo"]
        items.append(
            TimelineItem(
                kind="action" if dues else "application",
                what="life_event",
                title=case.title,
                status_label=None,
                at=case.created_at,
                due=min(dues) if dues else None,
                link=f"/life-events/cases/{case.id}",
                detail=Localized(
                    ja=f"{case.done}/{case.total} 完了",
                    easy=f"{case.done}/{case.total} おわり",
                    en=f"{case.done} of {case.total} done",
                ),
            )
        )
    if principal.person_id is not None:
        record = await registry.person_record(principal.person_id)
        if record is not None and STATUS_REPORT_PROGRAMME in record.receiving.split(","):
            opens, closes = status_report_window(today)
            items.append(
                TimelineItem(
                    kind="deadline",
                    what="status_report",
                    title=STATUS_REPORT_TITLE,
                    status_label=None,
                    at=datetime.combine(opens, time(), tzinfo=clock.JST),
                    due=closes,
                    opens=opens,
                    link="/support",
                )
            )
    unread = [n for n in await notices.recent_notices(principal.account_id) if n.read_at is None]
    for notice in unread[:NOTICES_SHOWN]:
        items.append(
            TimelineItem(
                kind="notice",
                what="notice",
                title=Localized(
                    ja=str(notice.title.get("ja", "")),
                    easy=str(notice.title.get("easy") or notice.title.get("ja", "")),
                    en=str(notice.title.get("en") or notice.title.get("ja", "")),
                ),
                status_label=None,
                at=notice.created_at,
                due=None,
                link="/inbox",
            )
        )
    items.sort(key=_sort_key)
    return Timeline(items=items, unread_notices=len(unread))


def _sort_key(item: TimelineItem) -> tuple[int, float, float]:
    # Within a kind: the nearest due date first, then the newest.
    due = item.due.toordinal() if item.due else float("inf")
    return _ORDER[item.kind], due, -item.at.timestamp()
