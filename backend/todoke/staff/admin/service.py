"""Administration: service-level metrics (JSON and CSV), the audit trail's export, and staff
accounts (role, departments, deactivation).

Applications, accounts and audit events belong to their domains: this module asks them for
their part. Who may call what is declared on the routes; metrics stay scoped to the caller's
departments here."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import date, datetime

import msgspec

from todoke import clock
from todoke.audit import public as audit_trail
from todoke.audit import service as audit
from todoke.db import write_transaction
from todoke.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.notices import push
from todoke.principal import STAFF_ROLES, Permission, Principal, Role
from todoke.procedures import public as procedures
from todoke.procedures import service as catalogue
from todoke.procedures import versions
from todoke.registry import branding
from todoke.registry import public as registry
from todoke.registry.schemas import BrandingRead, BrandingUpdate, MunicipalityRead
from todoke.staff.admin import time_saved
from todoke.staff.schemas import Metrics, ProcedureFigures, StaffAccountRead

# --- metrics --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return round(ordered[index], 1)


class _Tally(msgspec.Struct):
    """One procedure's counts while the figures are added up."""

    received: int = 0
    open: int = 0
    durations: list[float] = msgspec.field(default_factory=list)  # days to a decision
    breaches: int = 0
    assisted: int = 0


async def metrics(principal: Principal) -> Metrics:
    """Per procedure: received, open, processing time (median, 90th percentile, in days),
    service-level breaches and the share filed online vs assisted at a counter."""
    filed = await procedures.decision_figures(
        principal.municipality_id,
        principal.department_scope,
    )
    titles = {s.slug: s.title for s in await catalogue.list_published(principal.municipality_id)}
    today = clock.today()
    tallies: dict[str, _Tally] = {}
    for row in filed:
        tally = tallies.setdefault(row.slug, _Tally())
        tally.received += 1
        tally.assisted += row.channel == "assisted"
        if row.status in versions.FINAL:
            if row.status != "withdrawn" and row.decided_at is not None:
                took = (row.decided_at - row.submitted_at).total_seconds() / 86400
                tally.durations.append(took)
                tally.breaches += row.decided_at.astimezone(clock.JST).date() > row.due_by
        else:
            tally.open += 1
            tally.breaches += row.due_by < today
    order = list(titles)
    figures = []
    for slug in sorted(tallies, key=lambda s: order.index(s) if s in titles else 999):
        tally = tallies[slug]
        title = titles.get(slug)
        figures.append(
            ProcedureFigures(
                slug=slug,
                title=msgspec.to_builtins(title) if title else {"ja": slug, "en": slug},
                received=tally.received,
                open=tally.open,
                median_days=round(statistics.median(tally.durations), 1)
                if tally.durations
                else None,
                p90_days=_percentile(tally.durations, 0.9),
                breaches=tally.breaches,
                online_share=round(1 - tally.assisted / tally.received, 3),
                assisted_share=round(tally.assisted / tally.received, 3),
            )
        )
    # Push delivery is the whole service's (operators'), not a department's.
    delivery = await push.figures() if principal.may(Permission.DELIVERY_FIGURES) else None
    baselines = {
        b.slug: b.minutes for b in await time_saved.paper_baselines(principal.municipality_id)
    }
    saved = time_saved.time_saved(
        filed,
        baselines,
        {slug: msgspec.to_builtins(title) for slug, title in titles.items()},
        today,
    )
    return Metrics(procedures=figures, push=delivery, as_of=clock.now(), time_saved=saved)


def metrics_csv(figures: Metrics) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["procedure", "title", "received", "open", "median_days", "p90_days", "breaches",
         "online_share", "assisted_share"]
    )  # fmt: skip
    for p in figures.procedures:
        writer.writerow(
            [p.slug, p.title["ja"], p.received, p.open, p.median_days, p.p90_days, p.breaches,
             p.online_share, p.assisted_share]
        )  # fmt: skip
    # Time saved: a second table after a blank line, per procedure, then per month.
    saved = figures.time_saved
    writer.writerow([])
    writer.writerow(
        ["procedure", "title", "online_minutes_median", "online_timed", "counter_minutes_median",
         "counter_timed", "resumed_later", "paper_minutes", "hours_saved"]
    )  # fmt: skip
    for t in saved.procedures:
        writer.writerow(
            [t.slug, t.title["ja"], t.online_minutes, t.online_timed, t.counter_minutes,
             t.counter_timed, t.resumed_later, t.paper_minutes, t.hours_saved]
        )  # fmt: skip
    writer.writerow([])
    writer.writerow(["month", "hours_saved", "filings_counted", "cap_minutes"])
    for m in saved.months:
        writer.writerow([m.month, m.hours_saved, m.filings, saved.cap_minutes])
    return out.getvalue()


# --- audit ---------------------------------------------------------------------------------


async def audit_export(principal: Principal, since: date | None, until: date | None) -> str:
    """The audit trail as CSV lines, each with its hash and the previous one, so a copy can
    be checked outside the system."""
    events = await audit_trail.events_between(
        principal.municipality_id,
        datetime(since.year, since.month, since.day, tzinfo=clock.JST) if since else None,
        datetime(until.year, until.month, until.day, tzinfo=clock.JST) if until else None,
    )
    # Staff actors by name (colleagues, whom the administrator knows by name); a resident
    # actor stays an account number, as before: their name is personal data.
    names = await identity.display_names(
        {e.actor_account for e in events if e.actor_kind == "staff" and e.actor_account}
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "occurred_at", "actor_kind", "actor_account", "actor_name", "action", "purpose",
         "subject_person", "subject_account", "detail", "previous_hash", "hash"]
    )  # fmt: skip
    for e in events:
        detail = e.detail if isinstance(e.detail, str) else json.dumps(e.detail, ensure_ascii=False)
        name = names.get(e.actor_account, "") if e.actor_kind == "staff" and e.actor_account else ""
        writer.writerow(
            [e.id, e.occurred_at.isoformat(), e.actor_kind, e.actor_account, name, e.action,
             e.purpose, e.subject_person, e.subject_account, detail, e.previous_hash, e.hash]
        )  # fmt: skip
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="audit.exported",
        purpose="administration",
        detail={"events": len(events)},
    )
    return out.getvalue()


# --- staff administration -------------------------------------------------------------------


async def staff_accounts(principal: Principal) -> list[StaffAccountRead]:
    codes = {d.id: d.code for d in await registry.departments(principal.municipality_id)}
    return [
        StaffAccountRead(
            id=a.id,
            display_name=a.display_name,
            role=a.staff_role,
            departments=sorted(codes[d] for d in a.departments if d in codes),
            created_at=a.created_at,
            active=a.disabled_at is None,
        )
        for a in await identity.staff_accounts(principal.municipality_id)
    ]


async def update_staff(
    principal: Principal, account_id: int, role: str, department_codes: list[str]
) -> None:
    """Give a staff member a role and departments; their sessions end so it applies now."""
    if role not in STAFF_ROLES:
        raise InvalidInput(
            Text("役割が正しくありません。", f"Role must be one of {', '.join(STAFF_ROLES)}.")
        )
    async with write_transaction() as sql:
        if not await identity.is_staff_account(sql, principal.municipality_id, account_id):
            raise NotFound(Text("職員が見つかりません。", "No such staff account."))
        if account_id == principal.account_id and role != Role.ADMINISTRATOR:
            raise Conflict(
                Text(
                    "自分の管理者権限は外せません。",
                    "You cannot remove your own administrator role.",
                )
            )
        known = {d.code: d.id for d in await registry.departments(principal.municipality_id, sql)}
        unknown = [c for c in department_codes if c not in known]
        if unknown:
            raise InvalidInput(
                Text("部署が見つかりません。", f"Unknown departments: {', '.join(unknown)}")
            )
        chosen = sorted(set(department_codes))
        await identity.set_staff_access(
            sql, principal.municipality_id, account_id, role, [known[c] for c in chosen]
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.updated",
            purpose="administration",
            subject_account=account_id,
            detail={"role": role, "departments": chosen},
            sql=sql,
        )


async def deactivate_staff(principal: Principal, account_id: int) -> None:
    """A deactivated account's sessions end at once and its passkeys no longer sign in."""
    if account_id == principal.account_id:
        raise Conflict(Text("自分自身は無効にできません。", "You cannot deactivate yourself."))
    async with write_transaction() as sql:
        if not await identity.is_staff_account(
            sql, principal.municipality_id, account_id, active_only=True
        ):
            raise NotFound(Text("職員が見つかりません。", "No such active staff account."))
        await identity.deactivate_account(sql, account_id)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.deactivated",
            purpose="administration",
            subject_account=account_id,
            sql=sql,
        )


# --- branding -------------------------------------------------------------------------------


def _own(principal: Principal, municipality: MunicipalityRead) -> None:
    """Staff change their own municipality's look only (a session is one origin's, and a
    host one municipality's: this is the wall behind those two)."""
    if principal.municipality_id != municipality.id:
        raise Forbidden(Text("ほかの自治体の設定です。", "Another municipality's settings."))


async def update_branding(
    principal: Principal, municipality: MunicipalityRead, data: BrandingUpdate
) -> BrandingRead:
    """Change the palette and/or contact details, audited with what changed."""
    _own(principal, municipality)
    changed = await branding.update_branding(municipality, data)
    if changed:
        await audit.record(
            municipality_id=municipality.id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="branding.updated",
            purpose="administration",
            detail=changed,
        )
    return await branding.read_branding(municipality)


async def set_emblem(
    principal: Principal, municipality: MunicipalityRead, data: bytes | None
) -> BrandingRead:
    """Replace (or with None remove) the emblem, audited with the new image's tag."""
    _own(principal, municipality)
    tag = await branding.set_emblem(municipality, data)
    await audit.record(
        municipality_id=municipality.id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="branding.emblem_set" if tag else "branding.emblem_removed",
        purpose="administration",
        detail={"emblem": tag},
    )
    return await branding.read_branding(municipality)
