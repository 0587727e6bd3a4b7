"""The demo municipality: a fictional city with synthetic residents and the standard
catalogue, so a newcomer sees a living municipality with one command."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from todoke.benefits.catalogue import seed_programs
from todoke.demo.accounts import seed_demo_accounts
from todoke.demo.generator import generate_persons, write_csv
from todoke.procedures import service as procedures
from todoke.procedures.catalogue import DEPARTMENTS, PROCEDURES
from todoke.registry import service as registry
from todoke.registry.importer import import_registry
from todoke.registry.public import has_persons
from todoke.registry.schemas import ImportReport, MunicipalityRead

# A code with a valid check digit that no real municipality uses (東京都 + 999).
DEMO_CODE = "139998"
DEMO_NAME = {"ja": "とどけ市", "easy": "とどけし", "en": "Todoke City"}
DEMO_PREFECTURE = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
DEMO_SOURCE = "住民基本台帳（デモ）"


async def seed_catalogue(municipality: MunicipalityRead) -> None:
    department_ids = await registry.ensure_departments(municipality.id, DEPARTMENTS)
    for order, definition in enumerate(PROCEDURES):
        await procedures.publish(municipality.id, department_ids, definition, sort_order=order)
    await seed_programs(municipality.id)


async def seed_demo(
    persons: int = 1000, *, today: date | None = None
) -> tuple[MunicipalityRead, ImportReport | None]:
    """Create the demo city, its catalogue and, on first run, its residents.

    Idempotent: a second run leaves the registry as it is and says so.
    """
    municipality = await registry.ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
    await seed_catalogue(municipality)
    if await has_persons(municipality.id):
        return municipality, None
    # Through a real file and the real importer: the demo exercises what a city would run.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-registry.csv"
        write_csv(path, generate_persons(persons, seed=1, today=today))
        with path.open("rb") as stream:
            report = await import_registry(
                stream,
                municipality_id=municipality.id,
                source=DEMO_SOURCE,
                filename=path.name,
                today=today,
            )
    # About a tenth of the adults already use the app (accounts without passkeys).
    await seed_demo_accounts(municipality.id)
    return municipality, report


async def demo_credentials(municipality: MunicipalityRead, residents: int = 3) -> dict:
    """A fresh administrator invite and activation codes for a few demo residents, printed
    at each start so a newcomer can sign in as staff and as verified residents."""
    from todoke.identity.service import create_staff_invite, issue_activation_code
    from todoke.registry.public import first_household_heads

    invite = await create_staff_invite(
        municipality_id=municipality.id,
        display_name="デモ管理者",
        role="administrator",
        department_codes=[],
        created_by=None,
    )
    heads = await first_household_heads(municipality.id, residents)
    codes = []
    for head in heads:
        issued = await issue_activation_code(
            municipality_id=municipality.id,
            registry_id=head.registry_id,
            purpose="verify",
            issued_by=None,
        )
        codes.append((f"{head.family_name} {head.given_name}", issued.code))
    return {"invite": invite.token, "codes": codes}
