"""Administration: metrics, the audit export, and staff accounts."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import as_date as _as_date
from todoke.db import aware as _aware
from todoke.db import write_transaction
from todoke.errors import Conflict, InvalidInput, NotFound, Text
from todoke.identity.service import end_all_sessions
from todoke.notices import push
from todoke.principal import STAFF_ROLES, Permission, Principal
from todoke.procedures import applications
from todoke.procedures import service as catalogue

# --- metrics --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return round(ordered[index], 1)


async def metrics(principal: Principal) -> dict[str, Any]:
    """Per procedure: received, open, processing time (median, 90th percentile, in days),
    service-level breaches and the share filed online vs assisted at a counter."""
    principal.require(Permission.METRICS_READ)
    clause, args = principal.department_clause("a.department")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.slug, a.status, a.channel, a.submitted_at, a.decided_at, a.due_by "
            "FROM application a JOIN procedure p ON p.id = a.procedure "
            "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'" + clause,
            [principal.municipality_id, *args],
        )
        titles = {
            s.slug: s.title for s in await catalogue.list_published(principal.municipality_id)
        }
    today = clock.today()
    per: dict[str, dict[str, Any]] = {}
    for slug, status, channel, submitted, decided, due in rows:
        entry = per.setdefault(
            slug,
            {"received": 0, "open": 0, "durations": [], "breaches": 0, "assisted": 0},
        )
        entry["received"] += 1
        entry["assisted"] += channel == "assisted"
        due_on = _as_date(due)
        if status in applications.FINAL:
            if status != "withdrawn" and decided is not None:
                took = (_aware(decided) - _aware(submitted)).total_seconds() / 86400
                entry["durations"].append(took)
                entry["breaches"] += _aware(decided).astimezone(clock.JST).date() > due_on
        else:
            entry["open"] += 1
            entry["breaches"] += due_on < today
    procedures = []
    for slug in sorted(per, key=lambda s: list(titles).index(s) if s in titles else 999):
        entry = per[slug]
        title = titles.get(slug)
        procedures.append(
            {
                "slug": slug,
                "title": msgspec.to_builtins(title) if title else {"ja": slug, "en": slug},
                "received": entry["received"],
                "open": entry["open"],
                "median_days": round(statistics.median(entry["durations"]), 1)
                if entry["durations"]
                else None,
                "p90_days": _percentile(entry["durations"], 0.9),
                "breaches": entry["breaches"],
                "online_share": round(1 - entry["assisted"] / entry["received"], 3),
                "assisted_share": round(entry["assisted"] / entry["received"], 3),
            }
        )
    # Push delivery is the whole municipality's (operators'), not a department's.
    delivery = await push.figures() if principal.staff_role == "administrator" else None
    return {"procedures": procedures, "push": delivery, "as_of": clock.now()}


def metrics_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["procedure", "title", "received", "open", "median_days", "p90_days", "breaches",
         "online_share", "assisted_share"]
    )  # fmt: skip
    for p in figures["procedures"]:
        writer.writerow(
            [p["slug"], p["title"]["ja"], p["received"], p["open"], p["median_days"],
             p["p90_days"], p["breaches"], p["online_share"], p["assisted_share"]]
        )  # fmt: skip
    return out.getvalue()


# --- audit ---------------------------------------------------------------------------------


async def audit_export(principal: Principal, since: date | None, until: date | None) -> str:
    """The audit trail as CSV lines, each with its hash and the previous one, so a copy can
    be checked outside the system."""
    principal.require(Permission.ADMINISTER)
    where = "WHERE municipality = ?"
    args: list[Any] = [principal.municipality_id]
    if since:
        where += " AND occurred_at >= ?"
        args.append(datetime(since.year, since.month, since.day, tzinfo=clock.JST))
    if until:
        where += " AND occurred_at < ?"
        args.append(datetime(until.year, until.month, until.day, tzinfo=clock.JST))
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, occurred_at, actor_kind, actor_account, action, purpose, subject_person, "
            "subject_account, detail, previous_hash, hash FROM audit_event " + where
            + " ORDER BY id",
            args,
        )  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "occurred_at", "actor_kind", "actor_account", "action", "purpose",
         "subject_person", "subject_account", "detail", "previous_hash", "hash"]
    )  # fmt: skip
    for r in rows:
        detail = r[8] if isinstance(r[8], str) else json.dumps(r[8], ensure_ascii=False)
        writer.writerow([r[0], _aware(r[1]).isoformat(), *r[2:8], detail, r[9], r[10]])
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="audit.exported",
        purpose="administration",
        detail={"events": len(rows)},
    )
    return out.getvalue()


# --- staff administration -------------------------------------------------------------------


async def staff_accounts(principal: Principal) -> list[dict[str, Any]]:
    principal.require(Permission.ADMINISTER)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT a.id, a.display_name, a.staff_role, a.created_at, a.disabled_at "
            "FROM account a WHERE a.municipality = ? AND a.kind = 'staff' ORDER BY a.id",
            [principal.municipality_id],
        )
        links = await sql.fetch(
            "SELECT sd.account, d.code FROM staff_department sd "
            "JOIN department d ON d.id = sd.department JOIN account a ON a.id = sd.account "
            "WHERE a.municipality = ?",
            [principal.municipality_id],
        )
    codes: dict[int, list[str]] = {}
    for account, code in links:
        codes.setdefault(account, []).append(code)
    return [
        {
            "id": r[0],
            "display_name": r[1],
            "role": r[2],
            "departments": sorted(codes.get(r[0], [])),
            "created_at": _aware(r[3]),
            "active": r[4] is None,
        }
        for r in rows
    ]


async def update_staff(
    principal: Principal, account_id: int, role: str, department_codes: list[str]
) -> None:
    principal.require(Permission.ADMINISTER)
    if role not in STAFF_ROLES:
        raise InvalidInput(
            Text("役割が正しくありません。", f"Role must be one of {', '.join(STAFF_ROLES)}.")
        )
    async with write_transaction() as sql:
        target = await sql.fetch(
            "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff'",
            [account_id, principal.municipality_id],
        )
        if not target:
            raise NotFound(Text("職員が見つかりません。", "No such staff account."))
        if account_id == principal.account_id and role != "administrator":
            raise Conflict(
                Text(
                    "自分の管理者権限は外せません。",
                    "You cannot remove your own administrator role.",
                )
            )
        found = await sql.fetch(
            "SELECT code, id FROM department WHERE municipality = ?", [principal.municipality_id]
        )
        known = dict(found)
        unknown = [c for c in department_codes if c not in known]
        if unknown:
            raise InvalidInput(
                Text("部署が見つかりません。", f"Unknown departments: {', '.join(unknown)}")
            )
        await sql.execute("UPDATE account SET staff_role = ? WHERE id = ?", [role, account_id])
        await sql.execute("DELETE FROM staff_department WHERE account = ?", [account_id])
        for code in sorted(set(department_codes)):
            await sql.execute(
                "INSERT INTO staff_department (account, department) VALUES (?, ?)",
                [account_id, known[code]],
            )
        # New rights take effect at the next sign-in; ending sessions makes it now.
        await end_all_sessions(account_id, sql)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.updated",
            purpose="administration",
            subject_account=account_id,
            detail={"role": role, "departments": sorted(set(department_codes))},
            sql=sql,
        )


async def deactivate_staff(principal: Principal, account_id: int) -> None:
    """A deactivated account's sessions end at once and its passkeys no longer sign in."""
    principal.require(Permission.ADMINISTER)
    if account_id == principal.account_id:
        raise Conflict(Text("自分自身は無効にできません。", "You cannot deactivate yourself."))
    async with write_transaction() as sql:
        target = await sql.fetch(
            "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff' "
            "AND disabled_at IS NULL",
            [account_id, principal.municipality_id],
        )
        if not target:
            raise NotFound(Text("職員が見つかりません。", "No such active staff account."))
        await sql.execute(
            "UPDATE account SET disabled_at = ? WHERE id = ?", [clock.now(), account_id]
        )
        await end_all_sessions(account_id, sql)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.deactivated",
            purpose="administration",
            subject_account=account_id,
            sql=sql,
        )
