"""Identity structs at the HTTP edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


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


class CounterVerification(msgspec.Struct, forbid_unknown_fields=True):
    counter_code: str
    registry_id: str
    document: str  # which identity document was checked, e.g. マイナンバーカード


class DelegationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    scope: tuple[str, ...] = ()  # procedure slugs; empty means every procedure that allows it
    days: int = 90


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
