"""The ``todoke`` command line: serve, demo, migrate, import-registry and friends."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from todoke.errors import TodokeError
from todoke.settings import Settings, load_settings

T = TypeVar("T")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(
        data_dir=getattr(args, "data_dir", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )
    if "TODOKE_PUBLIC_ORIGINS" not in os.environ:
        # Local use: passkeys must see the origin the browser really uses.
        settings = load_settings(
            data_dir=settings.data_dir,
            host=settings.host,
            port=settings.port,
            public_origins=[f"http://localhost:{settings.port}"],
        )
    return settings


async def _prepare(settings: Settings) -> list[str]:
    from todoke.db import configure_database, migrate, start_database, stop_database

    engine = configure_database(settings)
    await start_database(engine)
    try:
        applied = await migrate()
        # The standard catalogue as platform templates (issue 16), and what municipalities
        # served before templates linked to them: idempotent.
        from todoke.platform.service import ensure_templates, link_served_municipalities

        await ensure_templates()
        await link_served_municipalities()
        return applied
    finally:
        await stop_database(engine)


def server_config(settings: Settings, app: Any) -> Any:
    """uvicorn's settings for ``app``. Its own proxy-header handling stays off: it believes
    X-Forwarded-For from any loopback peer; the app's edge believes only
    TODOKE_TRUSTED_PROXIES."""
    import uvicorn

    return uvicorn.Config(app, host=settings.host, port=settings.port, **SERVER_OPTIONS)


# uvicorn's options for every server Todoke runs (and for the benchmark's bare baseline):
# Todoke logs requests itself, as JSON lines; its own proxy-header handling stays off.
SERVER_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False, "proxy_headers": False}


def _run_server(settings: Settings) -> None:
    import uvicorn

    from todoke.app import create_app

    server = uvicorn.Server(server_config(settings, create_app(settings)))
    server.run()
    if not server.started:  # as uvicorn.run does: a port in use is a failed start
        sys.exit(3)


def cmd_migrate(args: argparse.Namespace) -> int:
    applied = asyncio.run(_prepare(_settings(args)))
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    asyncio.run(_prepare(settings))
    _run_server(settings)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.reset:
        if settings.is_postgres:
            # Not ours to wipe: the database may hold more than the demo.
            print(
                "todoke: --reset starts over with the embedded database only; with "
                "TODOKE_DATABASE_URL, drop and create that database, then run todoke demo",
                file=sys.stderr,
            )
            return 2
        from todoke.demo.seed import reset_data_folder

        # The flag is the confirmation (it runs unattended too): say what goes.
        removed = reset_data_folder(settings.data_path)
        listed = ", ".join(removed) or "nothing to remove"
        print(f"Reset: removed from {settings.data_path.resolve()}: {listed}")

    async def seed() -> None:
        from todoke.demo.seed import (
            TOWN_CREDENTIALS_FILE,
            TOWN_HOST,
            demo_credentials,
            demo_mover,
            seed_demo,
            seed_demo_town,
        )

        municipality, report = await seed_demo(args.persons)
        credentials = await demo_credentials(municipality, settings.data_path)
        origin = f"http://{_display_host(settings.host)}:{settings.port}"
        # A second municipality on the same deployment, at a host of its own (*.localhost
        # reaches this machine in browsers): its own passkeys, sessions, staff, residents.
        town_origin = f"http://{TOWN_HOST}:{settings.port}"
        town, _ = await seed_demo_town(town_origin)
        town_credentials = await demo_credentials(
            town, settings.data_path, file=TOWN_CREDENTIALS_FILE
        )
        print(f"Demo municipality: {municipality.name['ja']} ({municipality.code})")
        if report is None:
            print("Residents: already seeded (data folder kept)")
        else:
            print(f"Residents: {report.rows_created} imported from a synthetic registry")
        print(f"Data folder: {settings.data_path.resolve()}")
        if credentials.invite_used:
            print(f"Staff: the demo administrator has signed up; sign in at {origin}/staff")
        else:
            print("Staff: open this single-use invite to create the demo administrator's passkey:")
            print(f"  {origin}/staff/invite#{credentials.invite}")
        print("Residents: sign up with a passkey, then enter one of these activation codes:")
        for held in credentials.codes:
            print(f"  {held.code}  {held.name}")
        if credentials.used_codes:
            print(f"  ({credentials.used_codes} code(s) printed before have been used)")
        print(
            "The same invite and codes are printed at each start until used; "
            "todoke demo --reset starts over."
        )
        print(
            "Support programmes wait for a staff member's approval (staff → 支援制度); once "
            "approved, residents who qualify are told in the app (and by email, which lands "
            f"in {settings.data_path.resolve() / 'mail'}), or by a letter to print."
        )
        print(f"Open {origin}/")
        print(
            f"A second municipality, {town.name['ja']} ({town.code}), is served at "
            f"{town_origin}/ with its own passkeys and staff:"
        )
        if not town_credentials.invite_used:
            print(f"  staff invite: {town_origin}/staff/invite#{town_credentials.invite}")
        for held in town_credentials.codes:
            print(f"  {held.code}  {held.name}")
        mover = await demo_mover(municipality, settings.data_path)
        if mover is not None:
            print(
                f"Moving from {municipality.name['ja']} to {town.name['ja']}: {mover.name} "
                "lives with a child. Sign up at "
                f"{origin}/account, enter {mover.code}, then アカウント → "
                "ほかの市区町村への引っ越し; at the town enter the 引越しコード under "
                "引越しコードを入力."
            )

    asyncio.run(_with_database(settings, seed))
    _run_server(settings)
    return 0


def _display_host(host: str) -> str:
    return "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104


def cmd_worker(args: argparse.Namespace) -> int:
    """Push delivery and re-matching; run as many as needed (they share the outbox and
    the change-log cursor)."""
    settings = _settings(args)

    async def run() -> int:
        import signal

        from todoke.benefits.worker import run_matching
        from todoke.db import configure_database, start_database, stop_database
        from todoke.notices.worker import DeliveryWorker, EmailWorker

        await _prepare(settings)
        engine = configure_database(settings)
        await start_database(engine)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = DeliveryWorker(settings, name=args.name or None)
        print(f"push worker {worker.name}: delivering (Ctrl-C or SIGTERM to stop)", flush=True)
        try:
            await asyncio.gather(
                worker.run(stop, idle_seconds=args.idle),
                EmailWorker(settings, name=args.name or None).run(stop, idle_seconds=args.idle),
                run_matching(stop),
            )
        finally:
            await stop_database(engine)
        return 0

    return asyncio.run(run())


def cmd_import_registry(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2

    async def run() -> int:
        from todoke.db import configure_database, start_database, stop_database
        from todoke.registry.importer import import_registry
        from todoke.registry.service import get_municipality

        await _prepare(settings)
        engine = configure_database(settings)
        await start_database(engine)
        try:
            municipality = await get_municipality(args.municipality or settings.municipality_code)
            with path.open("rb") as stream:  # noqa: ASYNC230 (read in batches between awaits)
                report = await import_registry(
                    stream,
                    municipality_id=municipality.id,
                    source=args.source,
                    filename=path.name,
                    file_format=args.format,
                    encoding=args.encoding,
                    atomic=args.atomic,
                )
        finally:
            await stop_database(engine)
        print(
            f"import {report.id}: {report.status} — {report.rows_total} rows: "
            f"{report.rows_created} created, {report.rows_updated} updated, "
            f"{report.rows_unchanged} unchanged, {report.rows_failed} rejected"
        )
        if report.message:
            print(report.message)
        for error in report.errors:
            where = f"line {error.line}" + (f" ({error.registry_id})" if error.registry_id else "")
            print(f"  {where}: {error.reason}", file=sys.stderr)
        return 0 if report.status == "applied" else 1

    return asyncio.run(run())


def cmd_create_api_token(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def run() -> str:
        from todoke.db import configure_database, start_database, stop_database
        from todoke.registry.service import create_core_system_token, get_municipality

        await _prepare(settings)
        engine = configure_database(settings)
        await start_database(engine)
        try:
            municipality = await get_municipality(args.municipality or settings.municipality_code)
            return await create_core_system_token(municipality.id, args.name)
        finally:
            await stop_database(engine)

    token = asyncio.run(run())
    print("API token (shown once; only its hash is stored):")
    print(token)
    return 0


async def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Migrate, open the database, run ``work()``, close."""
    from todoke.db import configure_database, start_database, stop_database

    await _prepare(settings)
    engine = configure_database(settings)
    await start_database(engine)
    try:
        return await work()
    finally:
        await stop_database(engine)


def cmd_create_staff(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def work() -> Any:
        from todoke.identity.service import create_staff_invite
        from todoke.registry.service import get_municipality

        municipality = await get_municipality(args.municipality or settings.municipality_code)
        return await create_staff_invite(
            municipality_id=municipality.id,
            display_name=args.name,
            role=args.role,
            department_codes=args.department or [],
            created_by=None,
        )

    invite = asyncio.run(_with_database(settings, work))
    print(f"Invite for {args.name} ({args.role}), single use, until {invite.expires_at:%Y-%m-%d}:")
    print(f"{settings.public_origins[0]}/staff/invite#{invite.token}")
    return 0


def cmd_issue_activation_code(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def work() -> Any:
        from datetime import timedelta

        from todoke.identity.letters import activation_letter_html
        from todoke.identity.service import issue_activation_code
        from todoke.registry.service import get_municipality

        municipality = await get_municipality(args.municipality or settings.municipality_code)
        issued = await issue_activation_code(
            municipality_id=municipality.id,
            registry_id=args.registry_id,
            purpose=args.purpose,
            issued_by=None,
            recovery_hold=timedelta(hours=settings.recovery_hold_hours),
        )
        letter = activation_letter_html(
            municipality=municipality,
            person=issued.person,
            code=issued.code,
            expires_at=issued.expires_at,
            purpose=args.purpose,
            usable_from=issued.usable_from,
        )
        return issued, letter

    issued, letter = asyncio.run(_with_database(settings, work))
    if args.letter:
        Path(args.letter).write_text(letter, encoding="utf-8")
        print(f"letter written to {args.letter}")
    if issued.usable_from is not None:
        print(f"recovery code, usable from {issued.usable_from:%Y-%m-%d %H:%M} UTC")
    print(f"activation code for {args.registry_id}, until {issued.expires_at:%Y-%m-%d}:")
    print(issued.code)
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    """Each municipality's chain on its own (or only --municipality's)."""
    settings = _settings(args)

    async def work() -> Any:
        from todoke.audit.service import verify_chain
        from todoke.registry.public import municipality_names

        held = await municipality_names()
        chosen = [m for m in held if not args.municipality or m.code == args.municipality]
        return [(m.code, m.name_ja, await verify_chain(m.id)) for m in chosen]

    broken = 0
    for code, name, check in asyncio.run(_with_database(settings, work)):
        if check.first_broken is None:
            print(f"{name} ({code}): audit chain intact: {check.events} events")
        else:
            broken += 1
            print(
                f"{name} ({code}): audit chain BROKEN at event {check.first_broken} "
                f"(checked {check.events})"
            )
    return 1 if broken else 0


def cmd_mail_bounce(args: argparse.Namespace) -> int:
    """A returned email (a DSN) on standard input, as the mail system pipes it."""
    settings = _settings(args)
    raw = sys.stdin.buffer.read(MAX_BOUNCE_BYTES + 1)[:MAX_BOUNCE_BYTES]

    async def work() -> int:
        from todoke.notices.bounces import record_bounces

        return await record_bounces(raw)

    marked = asyncio.run(_with_database(settings, work))
    print(f"addresses marked bounced: {marked}")
    return 0  # whatever it was, it was read: the mail system must not return it again


# A DSN is small; a returned message is cut here (its headers come first).
MAX_BOUNCE_BYTES = 1_048_576


def cmd_init_municipality(args: argparse.Namespace) -> int:
    """A production first start: the municipality served, its departments and the standard
    catalogue (procedures published, support programmes waiting for approval). Idempotent."""
    from todoke.jp import is_valid_local_government_code

    if not is_valid_local_government_code(args.code):
        print(f"todoke: {args.code!r} is not a 全国地方公共団体コード (6 digits, check digit)",
              file=sys.stderr)  # fmt: skip
        return 2
    settings = _settings(args)

    origin = None
    if args.origin:
        from todoke.registry.service import normal_origin

        try:
            origin = normal_origin(args.origin)
        except ValueError as error:
            print(f"todoke: {error}", file=sys.stderr)
            return 2

    from todoke.errors import TodokeError
    from todoke.registry import branding
    from todoke.registry.schemas import BrandingUpdate, Contact, ContactWords

    contact = Contact(
        phone=args.phone,
        postal_code=args.postal_code,
        address=ContactWords(ja=args.address, easy=args.address_easy, en=args.address_en),
        hours=ContactWords(ja=args.hours, easy=args.hours_easy, en=args.hours_en),
        email=args.email,
        website=args.website,
    )
    emblem = None
    try:  # checked before anything is written
        branding.checked_palette(args.palette)
        contact = branding.checked_contact(contact)
        if args.emblem:
            emblem = branding.checked_emblem(Path(args.emblem).read_bytes())
    except (TodokeError, OSError) as error:
        detail = "; ".join(f"{e.field}: {e.message.en}" for e in getattr(error, "errors", []))
        print(f"todoke: {error} {detail}".rstrip(), file=sys.stderr)
        return 2

    async def work() -> Any:
        from todoke.demo.seed import seed_catalogue
        from todoke.registry.service import ensure_municipality, set_municipality_origin

        name = {"ja": args.name, "easy": args.name_easy or args.name, "en": args.name_en}
        prefecture = {
            "ja": args.prefecture,
            "easy": args.prefecture_easy or args.prefecture,
            "en": args.prefecture_en,
        }
        municipality = await ensure_municipality(args.code, name, prefecture)
        if origin is not None:
            municipality = await set_municipality_origin(args.code, origin)
        await branding.update_branding(
            municipality, BrandingUpdate(palette=args.palette, contact=contact)
        )
        if emblem is not None:
            await branding.set_emblem(municipality, emblem)
        await seed_catalogue(municipality)
        return municipality

    try:
        municipality = asyncio.run(_with_database(settings, work))
    except ValueError as error:  # the origin already serves another municipality
        print(f"todoke: {error}", file=sys.stderr)
        return 2
    where = f" at {municipality.origin}" if municipality.origin else ""
    print(
        f"municipality {municipality.name['ja']} ({municipality.code}) ready with the "
        f"catalogue{where}"
    )
    return 0


def cmd_publish_template(args: argparse.Namespace) -> int:
    """A platform template's next version from a JSON file shaped as the operator API's
    body (kind, based_on, definition, rule for a programme, local, note)."""
    import msgspec

    from todoke.platform.schemas import TemplateVersionCreate

    try:
        data = msgspec.json.decode(Path(args.file).read_bytes(), type=TemplateVersionCreate)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        print(f"todoke: {args.file}: {error}", file=sys.stderr)
        return 2
    settings = _settings(args)

    async def work() -> Any:
        from todoke.platform.service import publish_template_version

        return await publish_template_version(args.slug, data)

    try:
        published = asyncio.run(_with_database(settings, work))
    except TodokeError as error:
        details = "; ".join(f"{e.field}: {e.message.en}" for e in error.errors)
        print(f"todoke: {error.message.en}{' ' + details if details else ''}", file=sys.stderr)
        return 2
    if published.kind == "procedure":
        print(f"template {published.slug} version {published.version}: offered to "
              f"{published.offered_to} municipality(ies)")  # fmt: skip
    else:
        print(f"template {published.slug} version {published.version}: the rule of "
              f"{published.reached} active programme(s) now")  # fmt: skip
    return 0


def cmd_rotate_vapid(args: argparse.Namespace) -> int:
    """A new VAPID key; the old one stays for the subscriptions made with it."""
    from todoke.notices.vapid import rotate

    settings = _settings(args)
    rotation = rotate(settings.data_path / "vapid")
    print(f"VAPID key rotated at {rotation.retired_at:%Y-%m-%d %H:%M:%S} UTC")
    print(f"  new public key:     {rotation.new_public_key}")
    print(f"  retired public key: {rotation.retired_public_key} (kept in {rotation.retired_file})")
    print(
        "Subscriptions made before now are still signed for with the retired key; each "
        "device subscribes again with the new key the next time the app starts. Copy the "
        "vapid folder to every machine that runs web or worker processes."
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """An online copy of the SQLite database (safe while serve and workers run)."""
    from todoke.backup import BackupError, backup_sqlite, sqlite_source

    settings = _settings(args)
    try:
        report = backup_sqlite(sqlite_source(settings), Path(args.path))
    except BackupError as exc:
        print(f"todoke: {exc}", file=sys.stderr)
        return 2
    print(f"backup written to {report.path} ({report.bytes} bytes, {report.tables} tables)")
    return 0


def cmd_generate_registry(args: argparse.Namespace) -> int:
    from todoke.demo.generator import generate_persons, write_csv, write_jsonl

    persons = generate_persons(args.persons, seed=args.seed)
    if args.file.endswith((".jsonl", ".ndjson")):
        count = write_jsonl(args.file, persons)
    else:
        count = write_csv(args.file, persons, encoding=args.encoding)
    print(f"wrote {count} persons to {args.file}")
    return 0


def _common(parser: argparse.ArgumentParser, *, server: bool = False) -> None:
    parser.add_argument("--data-dir", help="local data folder (TODOKE_DATA_DIR; default ./var)")
    if server:
        parser.add_argument("--host", help="address to listen on (TODOKE_HOST)")
        parser.add_argument("--port", type=int, help="port to listen on (TODOKE_PORT)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todoke", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("demo", help="seed a demo municipality and serve it")
    _common(p, server=True)
    p.add_argument("--persons", type=int, default=1000, help="synthetic residents on first run")
    p.add_argument(
        "--reset",
        action="store_true",
        help="start over: remove the demo's database, files and credentials from the data "
        "folder first (embedded database only; no question asked)",
    )
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("serve", help="apply migrations and serve the app")
    _common(p, server=True)
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("migrate", help="apply pending database migrations")
    _common(p)
    p.set_defaults(func=cmd_migrate)

    p = commands.add_parser("import-registry", help="import a registry file (CSV or JSON Lines)")
    _common(p)
    p.add_argument("file")
    p.add_argument("--source", default="core-system", help="the system the file comes from")
    p.add_argument("--format", choices=["csv", "jsonl"], help="default: by file name")
    p.add_argument("--encoding", choices=["utf-8", "cp932"], help="default: detected")
    p.add_argument("--atomic", action="store_true", help="apply all rows or none")
    p.add_argument("--municipality", help="municipality code (default: the only one)")
    p.set_defaults(func=cmd_import_registry)

    p = commands.add_parser("create-api-token", help="register a core system; print its token")
    _common(p)
    p.add_argument("name", help="the core system's name, e.g. 住民記録システム")
    p.add_argument("--municipality", help="municipality code (default: the only one)")
    p.set_defaults(func=cmd_create_api_token)

    p = commands.add_parser("create-staff", help="print a single-use staff invite link")
    _common(p)
    p.add_argument("name", help="the staff member's name")
    p.add_argument(
        "--role",
        default="administrator",
        choices=["administrator", "supervisor", "caseworker", "support"],
    )
    p.add_argument("--department", action="append", help="department code (repeatable)")
    p.add_argument("--municipality", help="municipality code (default: the only one)")
    p.set_defaults(func=cmd_create_staff)

    p = commands.add_parser(
        "issue-activation-code", help="issue a single-use code for a resident's postal letter"
    )
    _common(p)
    p.add_argument("registry_id")
    p.add_argument("--purpose", choices=["verify", "recovery"], default="verify")
    p.add_argument("--letter", help="also write the printable letter (HTML) to this file")
    p.add_argument("--municipality", help="municipality code (default: the only one)")
    p.set_defaults(func=cmd_issue_activation_code)

    p = commands.add_parser(
        "worker", help="deliver push and email notices; re-match changed households"
    )
    _common(p)
    p.add_argument("--name", default="", help="worker name in the outbox (default host:pid)")
    p.add_argument("--idle", type=float, default=1.0, help="seconds to wait when idle")
    p.set_defaults(func=cmd_worker)

    p = commands.add_parser(
        "mail-bounce", help="read a returned email (DSN) from stdin; mark its address bounced"
    )
    _common(p)
    p.set_defaults(func=cmd_mail_bounce)

    p = commands.add_parser(
        "verify-audit", help="check each municipality's audit chain; report the first break"
    )
    _common(p)
    p.add_argument("--municipality", default="", help="only this one (全国地方公共団体コード)")
    p.set_defaults(func=cmd_verify_audit)

    p = commands.add_parser(
        "init-municipality", help="first start: the municipality served and its catalogue"
    )
    _common(p)
    p.add_argument("code", help="全国地方公共団体コード, e.g. 131016")
    p.add_argument("--name", required=True, help="e.g. 千代田区")
    p.add_argument("--name-easy", default="", help="in やさしい日本語, e.g. ちよだく")
    p.add_argument("--name-en", required=True, help="e.g. Chiyoda City")
    p.add_argument("--prefecture", required=True, help="e.g. 東京都")
    p.add_argument("--prefecture-easy", default="", help="e.g. とうきょうと")
    p.add_argument("--prefecture-en", required=True, help="e.g. Tokyo")
    p.add_argument(
        "--origin",
        default="",
        help="its own origin when this deployment serves several municipalities, e.g. "
        "https://todoke.city.chiyoda.example.jp (its own passkeys, sessions and links)",
    )
    from todoke.registry.branding import PALETTES

    look = p.add_argument_group("branding (the municipality's administrator may change it)")
    look.add_argument("--palette", default="blue", choices=sorted(PALETTES))
    look.add_argument("--emblem", default="", help="a PNG or WebP, 32-1024 px, 256 KB at most")
    look.add_argument("--phone", default="", help="代表電話, e.g. 03-3264-2111")
    look.add_argument("--postal-code", default="", help="e.g. 102-8688")
    look.add_argument("--address", default="", help="住所, e.g. 東京都千代田区九段南1-2-1")
    look.add_argument("--address-easy", default="")
    look.add_argument("--address-en", default="")
    look.add_argument("--hours", default="", help="開庁時間, e.g. 平日 8時30分〜17時15分")
    look.add_argument("--hours-easy", default="")
    look.add_argument("--hours-en", default="")
    look.add_argument("--email", default="")
    look.add_argument("--website", default="", help="https://…")
    p.set_defaults(func=cmd_init_municipality)

    p = commands.add_parser(
        "publish-template",
        help="publish a platform template's next version (offered to every municipality)",
    )
    _common(p)
    p.add_argument("slug", help="the template, e.g. residence-certificate or child-allowance")
    p.add_argument("file", help="JSON: kind, based_on, definition[, rule, local, note]")
    p.set_defaults(func=cmd_publish_template)

    p = commands.add_parser(
        "rotate-vapid", help="a new web push (VAPID) key; the old one kept for old subscriptions"
    )
    _common(p)
    p.set_defaults(func=cmd_rotate_vapid)

    p = commands.add_parser(
        "backup", help="copy the SQLite database while it is in use (PostgreSQL: pg_dump)"
    )
    _common(p)
    p.add_argument("path", help="the backup file to write (replaced atomically)")
    p.set_defaults(func=cmd_backup)

    p = commands.add_parser("generate-registry", help="write a synthetic registry file")
    p.add_argument("file", help=".csv or .jsonl")
    p.add_argument("--persons", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
    p.set_defaults(func=cmd_generate_registry)
    return parser


# Commands that run for long and count into the operators' metrics (todoke.metrics).
COUNTING_COMMANDS = frozenset({"serve", "demo", "worker"})


def _metrics_folder(command: str) -> None:
    """prometheus-client's multiprocess folder: made if missing for the processes that
    count; hidden from one-off commands, which would leave a file there at each run."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    if command not in COUNTING_COMMANDS:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]  # before prometheus_client is imported
        return
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"PROMETHEUS_MULTIPROC_DIR: cannot make {folder}: {exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _metrics_folder(args.command)
        return args.func(args)
    except ValueError as exc:  # bad settings or arguments: say so, no traceback
        print(f"todoke: {exc}", file=sys.stderr)
        return 2
    except TodokeError as exc:
        print(f"todoke: {exc.message.en}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
