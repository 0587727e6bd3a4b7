"""Identity structs: requests and answers at the HTTP edge, and what the services return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from todoke.audit.schemas import AccessBasis
from todoke.registry.public import LetterAddressee, PersonName


class RegistrationStart(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str = msgspec.field(default="")
    invite: str = msgspec.field(default="")  # a staff invite token, for staff sign-up


class CredentialBody(msgspec.Struct, forbid_unknown_fields=True):
    """The browser's PublicKeyCredential as JSON (base64url fields), as sent by
    ``credential.toJSON()``."""

    credential: dict[str, Any]
    name: str = msgspec.field(default="")  # what the resident calls this passkey


class PasskeyRename(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class VerificationCode(msgspec.Struct, forbid_unknown_fields=True):
    code: str


class ConsentChange(msgspec.Struct, forbid_unknown_fields=True):
    purpose: str
    granted: bool


class SignedIn(msgspec.Struct):
    account_id: int
    kind: str
    csrf_token: str
    recovered: bool = False


class PasskeyRead(msgspec.Struct):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    synced: bool
    clone_suspected: bool


class CounterCode(msgspec.Struct):
    code: str
    expires_at: datetime


class InviteCreate(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str
    role: str
    departments: list[str] = msgspec.field(default_factory=list)


class InviteCreated(msgspec.Struct):
    link: str
    expires_at: datetime


class ActivationCodeCreate(msgspec.Struct, forbid_unknown_fields=True):
    registry_id: str
    purpose: str = "verify"


class ActivationLetter(msgspec.Struct):
    code: str
    expires_at: datetime
    letter_html: str  # printable, in Japanese
    # A recovery code works only from then: the account it recovers was told, and may cancel.
    usable_from: datetime | None = None


class CounterVerification(msgspec.Struct, forbid_unknown_fields=True):
    counter_code: str
    registry_id: str
    document: str  # which identity document was checked, e.g. マイナンバーカード


class DelegationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    scope: tuple[str, ...] = ()  # procedure slugs; empty means every procedure that allows it
    days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 90  # delegations.MAX_DAYS


class DelegationOffer(msgspec.Struct, frozen=True):
    code: str  # the agent enters this to accept
    expires_at: datetime


class DelegationAccept(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str


class DelegationRead(msgspec.Struct, frozen=True):
    id: int
    direction: str  # given (I let someone act for me) | received (I act for someone)
    principal_account: int
    principal_name: str
    agent_name: str
    scope: tuple[str, ...]
    status: str  # pending | active | expired | revoked
    expires_at: datetime
    created_at: datetime


class DelegationList(msgspec.Struct, frozen=True):
    items: list[DelegationRead]


# --- the signed-in account ---------------------------------------------------------------


class AccountRead(msgspec.Struct):
    id: int
    kind: str  # resident | staff
    display_name: str
    verified: bool
    verified_by: str | None  # letter | counter
    name: PersonName | None  # the registered name, once verified
    staff_role: str | None
    passkey_count: int
    suggest_second_passkey: bool
    csrf_token: str
    # A recovery letter for this resident is out and unused: cancel it if not asked for.
    recovery_pending: bool = False


class SessionState(msgspec.Struct, omit_defaults=True):
    """Whether this browser is signed in; ``account`` only when it is (no null)."""

    signed_in: bool
    account: AccountRead | None = None


class Consents(msgspec.Struct):
    """Each purpose the resident may consent to, and whether they do now."""

    prefill: bool
    matching: bool
    sharing: bool  # departments other than the one handling a matter may see it (360° view)


class VerificationDone(msgspec.Struct, omit_defaults=True):
    verified: bool
    recovered: bool  # the person already had an account: this browser now signs in to it
    # Where the app goes next: an outreach letter's code opens the pre-filled application
    # (``/procedures/{slug}/apply``) or the support page; absent for other codes.
    next: str | None = None


class VerificationResult(msgspec.Struct, frozen=True):
    account_id: int  # the account the browser is signed in to afterwards
    recovered: bool
    next_path: str | None = None  # an outreach code's app path to open afterwards


class ActivationCodeIssued(msgspec.Struct, frozen=True):
    code: str
    expires_at: datetime
    person: LetterAddressee  # whom the letter goes to
    usable_from: datetime | None = None  # a recovery code: not before (the hold)


class StaffInviteIssued(msgspec.Struct, frozen=True):
    token: str  # for the invite link; only its hash is kept
    expires_at: datetime


class StaffInviteOpened(msgspec.Struct, frozen=True):
    id: int
    display_name: str
    role: str
    department_ids: list[int]


# --- passkey ceremonies ----------------------------------------------------------------------


class CeremonyData(msgspec.Struct, omit_defaults=True):
    """What a ceremony carries from its options to its finish (kept server-side)."""

    display_name: str = ""
    invite: str = ""  # a staff invite token, when signing up from an invite
    user_handle: str = ""  # base64url WebAuthn user.id of the account being made or added to
    bound_to: str = ""  # a step-up's one action, e.g. "application:42"


class TakenCeremony(msgspec.Struct, frozen=True):
    challenge: bytes
    account: int | None
    data: CeremonyData


class StoredPasskey(msgspec.Struct, frozen=True):
    """A verified new credential, as the passkey table keeps it."""

    credential_id: str  # base64url
    public_key: str  # COSE key, base64url
    sign_count: int
    aaguid: str
    device_type: str  # single_device | multi_device
    backup_eligible: bool
    backup_state: bool
    transports: list[str]
    user_handle: str = ""


class AssertionResult(msgspec.Struct, frozen=True):
    sign_count: int
    backup_state: bool


# --- the resident's access log ---------------------------------------------------------------


class DepartmentName(msgspec.Struct, frozen=True):
    """A department as a resident reads it, in each UI language."""

    code: str
    ja: str
    easy: str
    en: str


# Who acted, as the resident's app names them.
ActorKind = Literal["you", "proxy", "staff", "system"]
# Why, as one of a closed set the app has words for (identity/access_log.py maps the
# purposes the trail stores onto it).
Why = Literal[
    "sign_in",
    "case_handling",
    "consultation",
    "follow_up",
    "counter_support",
    "resident_inquiry",
    "correction_handling",
    "review",
    "proxy",
    "administration",
    "eligibility",
    "outreach",
    "identity_verification",
    "account_recovery",
    "reason",
    "moving",
    "protection",
    "bereavement",
    "other",
]


class AccessActor(msgspec.Struct, frozen=True):
    """Who did it, as far as the resident may know: themself, their proxy, the city's
    system, or a staff member by role and department (never by name)."""

    kind: ActorKind
    role: str | None = None  # staff: administrator | supervisor | caseworker | support
    departments: list[DepartmentName] = []  # staff: the departments they work for


class AccessLogEntry(msgspec.Struct, frozen=True):
    """One thing done with a resident's data, as their own app lists it."""

    id: int
    actor_kind: str  # resident | staff | system, as the trail records it
    actor: AccessActor
    action: str
    purpose: str  # as the trail records it
    why: Why
    occurred_at: datetime
    basis: AccessBasis | None = None  # for openings of the record by staff
    department: DepartmentName | None = None  # the basis's department (case, consultation)
