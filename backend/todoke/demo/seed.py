"""The demo municipality: a fictional city with synthetic residents and the standard
catalogue, so a newcomer sees a living municipality with one command."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

import msgspec

from todoke import clock
from todoke.demo.accounts import seed_demo_accounts
from todoke.demo.branding import brand_city, brand_town
from todoke.demo.filings import seed_demo_filings
from todoke.demo.generator import CITY, generate_persons, write_csv
from todoke.platform.service import adopt_standard_catalogue
from todoke.registry import service as registry
from todoke.registry.importer import import_registry
from todoke.registry.public import has_persons
from todoke.registry.schemas import ImportReport, MunicipalityRead

# A code with a valid check digit that no real municipality uses (東京都 + 999).
DEMO_CODE = "139998"
DEMO_NAME = {"ja": "とどけ市", "easy": "とどけし", "en": "Todoke City"}
DEMO_PREFECTURE = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
DEMO_SOURCE = "住民基本台帳（デモ）"
# A second fictional municipality on the same deployment, at a host of its own (issue 16):
# its own passkeys, sessions, staff and residents (addresses in 調布市's postal areas).
TOWN_CODE = "139971"
TOWN_NAME = {"ja": "ひがし町", "easy": "ひがしまち", "en": "Higashi Town"}
TOWN_HOST = "higashi.localhost"
TOWN_CITY = "調布市"


# The standard catalogue, as the platform gives every municipality it adds.
seed_catalogue = adopt_standard_catalogue


async def seed_demo(
    persons: int = 1000, *, today: date | None = None
) -> tuple[MunicipalityRead, ImportReport | None]:
    """Create the demo city, its catalogue and, on first run, its residents.

    Idempotent: a second run leaves the registry as it is and says so.
    """
    municipality = await registry.ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
    await brand_city(municipality)
    report = await _seed_residents(municipality, persons, seed=1, today=today)
    # Six months of timed filings for the time-saved figures (once, like the residents).
    await seed_demo_filings(municipality.id)
    return municipality, report


async def seed_demo_town(
    origin: str, persons: int = 300, *, today: date | None = None
) -> tuple[MunicipalityRead, ImportReport | None]:
    """The second demo municipality, reached at ``origin``; idempotent like seed_demo."""
    await registry.ensure_municipality(TOWN_CODE, TOWN_NAME, DEMO_PREFECTURE)
    town = await registry.set_municipality_origin(TOWN_CODE, origin)
    await brand_town(town)
    return town, await _seed_residents(town, persons, seed=2, today=today, city=TOWN_CITY)


async def _seed_residents(
    municipality: MunicipalityRead,
    persons: int,
    *,
    seed: int,
    today: date | None,
    city: str = CITY,
) -> ImportReport | None:
    await seed_catalogue(municipality)
    if await has_persons(municipality.id):
        return None
    # Through a real file and the real importer: the demo exercises what a city would run.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-registry.csv"
        write_csv(path, generate_persons(persons, seed=seed, today=today, city=city))
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
    return report


# Kept in the data folder: the invite and codes are stored hashed, so the plain ones the
# demo prints must be kept somewhere to be printed again at the next start.
CREDENTIALS_FILE = "demo-credentials.json"
TOWN_CREDENTIALS_FILE = f"demo-credentials-{TOWN_CODE}.json"
MOVER_FILE = "demo-mover.json"
# What `todoke demo --reset` removes from the data folder: what the app itself writes there
# (nothing else, whatever the folder holds besides).
DATA_ENTRIES = (
    "todoke.sqlite3",
    "todoke.sqlite3-wal",
    "todoke.sqlite3-shm",
    "todoke.sqlite3-journal",
    "attachments",
    "letters",
    "mail",
    "vapid",
    CREDENTIALS_FILE,
    TOWN_CREDENTIALS_FILE,
    MOVER_FILE,
)


class DemoCode(msgspec.Struct):
    registry_id: str
    name: str
    code: str


class DemoCredentials(msgspec.Struct):
    invite: str = ""  # the administrator's invite token
    invite_used: bool = False
    codes: list[DemoCode] = msgspec.field(default_factory=list)
    used_codes: int = 0  # how many codes printed earlier have been used since


def _load(path: Path) -> DemoCredentials:
    try:
        return msgspec.json.decode(path.read_bytes(), type=DemoCredentials)
    except (OSError, msgspec.DecodeError):
        return DemoCredentials()  # none yet, or unreadable: issue new ones


def _save(path: Path, credentials: DemoCredentials) -> None:
    """Written whole and private (it holds a live administrator invite)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(msgspec.json.encode(credentials))
    temporary.chmod(0o600)
    temporary.replace(path)


async def demo_credentials(
    municipality: MunicipalityRead,
    data_path: Path,
    residents: int = 3,
    file: str = CREDENTIALS_FILE,
) -> DemoCredentials:
    """The administrator invite and activation codes for a few demo residents, printed at
    each start so a newcomer can sign in as staff and as verified residents.

    The same ones at every start while they are unused (kept in the data folder): only a
    used or expired code is replaced, by a code for another resident without an account;
    a used invite is not replaced (the administrator exists: `todoke create-staff` makes
    more staff)."""
    from todoke.errors import Conflict
    from todoke.identity import public as identity
    from todoke.identity.service import create_staff_invite, issue_activation_code
    from todoke.registry.public import first_household_heads

    path = data_path / file
    kept = _load(path)
    result = DemoCredentials()
    state = await identity.staff_invite_state(municipality.id, kept.invite) if kept.invite else ""
    if state in ("open", "used"):
        result.invite, result.invite_used = kept.invite, state == "used"
    else:
        invite = await create_staff_invite(
            municipality_id=municipality.id,
            display_name="デモ管理者",
            role="administrator",
            department_codes=[],
            created_by=None,
        )
        result.invite = invite.token
    tried = set()
    for held in kept.codes:
        tried.add(held.registry_id)
        state = await identity.activation_code_state(municipality.id, held.code)
        if state == "open":
            result.codes.append(held)
        elif state == "used":
            result.used_codes += 1
    # Top up with residents who have no account (a code for one who has would be refused).
    heads = await first_household_heads(municipality.id, residents * 20)
    for head in heads:
        if len(result.codes) >= residents:
            break
        if head.registry_id in tried:
            continue
        tried.add(head.registry_id)
        try:
            issued = await issue_activation_code(
                municipality_id=municipality.id,
                registry_id=head.registry_id,
                purpose="verify",
                issued_by=None,
            )
        except Conflict:
            continue
        result.codes.append(
            DemoCode(head.registry_id, f"{head.family_name} {head.given_name}", issued.code)
        )
    _save(path, result)
    return result


async def demo_mover(municipality: MunicipalityRead, data_path: Path) -> DemoCode | None:
    """An activation code for a head of household of the city who lives with a child (and
    has no account yet): the resident who can try moving to the town (issue 16). The same
    code at every start while it is unused, like the other demo codes."""
    from todoke.errors import Conflict
    from todoke.identity import public as identity
    from todoke.identity.service import issue_activation_code
    from todoke.registry.public import (
        first_household_heads,
        person_and_household,
        person_id_of,
    )

    path = data_path / MOVER_FILE
    try:
        kept: DemoCode | None = msgspec.json.decode(path.read_bytes(), type=DemoCode)
    except (OSError, msgspec.DecodeError):
        kept = None
    if kept and await identity.activation_code_state(municipality.id, kept.code) == "open":
        return kept
    today = clock.today()
    for head in await first_household_heads(municipality.id, 200):
        if kept and head.registry_id == kept.registry_id:
            continue
        person_id = await person_id_of(municipality.id, head.registry_id)
        found = await person_and_household(person_id) if person_id else None
        if found is None:
            continue
        _, members = found
        if not any(
            m.birth_date and m.status == "resident" and (today - m.birth_date).days < 18 * 365
            for m in members
            if m.registry_id != head.registry_id
        ):
            continue
        try:
            issued = await issue_activation_code(
                municipality_id=municipality.id,
                registry_id=head.registry_id,
                purpose="verify",
                issued_by=None,
            )
        except Conflict:
            continue
        mover = DemoCode(head.registry_id, f"{head.family_name} {head.given_name}", issued.code)
        _save_mover(path, mover)
        return mover
    return None


def _save_mover(path: Path, mover: DemoCode) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.encode(mover))
    path.chmod(0o600)


def reset_data_folder(data_path: Path) -> list[str]:
    """Remove what the app wrote to the data folder (the embedded database, attachments,
    letters, mail, keys, the demo's credentials); returns what was removed."""
    removed = []
    for name in DATA_ENTRIES:
        entry = data_path / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.exists() or entry.is_symlink():
            entry.unlink()
        else:
            continue
        removed.append(name)
    return removed
