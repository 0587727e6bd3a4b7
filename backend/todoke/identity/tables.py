"""Identity tables: accounts, passkeys, ceremonies, sessions, verification, staff."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from todoke.registry.tables import Department, Municipality, Person


class Account(Table):
    """A login, resident or staff. A resident sees registry data only once ``person`` is set
    by identity verification."""

    municipality = ForeignKey(references=Municipality, null=False)
    kind = Varchar(length=8)  # resident | staff
    display_name = Varchar(length=100)
    user_handle = Varchar(length=64)  # WebAuthn user.id, random, base64url
    person = ForeignKey(references=Person, null=True)
    verified_at = Timestamptz(null=True, default=None)
    verified_by = Varchar(length=16, default="")  # letter | counter
    staff_role = Varchar(length=16, default="")  # administrator | supervisor | caseworker | support
    language = Varchar(length=8, default="ja")
    second_passkey_suggested = Boolean(default=False)
    verification_failures = Integer(default=0)
    verification_locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    disabled_at = Timestamptz(null=True, default=None)


class StaffDepartment(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    department = ForeignKey(references=Department, null=False)


class Passkey(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    credential_id = Varchar(length=1400)  # base64url
    # The WebAuthn user.id the authenticator stored with this credential. After a recovery
    # a passkey can belong to an account whose own handle differs.
    user_handle = Varchar(length=64, default="")
    public_key = Text()  # COSE key, base64url
    sign_count = BigInt(default=0)
    transports = JSON(default="[]")
    aaguid = Varchar(length=36, default="")
    device_type = Varchar(length=16, default="")  # single_device | multi_device
    backup_eligible = Boolean(default=False)
    backup_state = Boolean(default=False)
    name = Varchar(length=64)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    clone_suspected_at = Timestamptz(null=True, default=None)


class Ceremony(Table):
    """A WebAuthn challenge: server-side, single use, short-lived, bound to one browser."""

    municipality = ForeignKey(references=Municipality, null=False)
    challenge = Varchar(length=128)
    purpose = Varchar(length=16)  # register | authenticate | add_passkey
    binding_hash = Varchar(length=64)  # sha256 of the ceremony cookie
    account = ForeignKey(references=Account, null=True)
    data = JSON(default="{}")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class Session(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    token_hash = Varchar(length=64)
    account = ForeignKey(references=Account, null=False)
    csrf_token = Varchar(length=64)
    user_agent = Varchar(length=200, default="")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class ActivationCode(Table):
    """A code sent by post to the registered address (or handed over at a counter).
    ``outreach`` codes come printed on an outreach letter (勧奨通知) to a person with no
    account: they bind a new account, never recover one, and lead to ``next_path``."""

    municipality = ForeignKey(references=Municipality, null=False)
    person = ForeignKey(references=Person, null=False)
    code_hash = Varchar(length=64)
    purpose = Varchar(length=16)  # verify | recovery | outreach
    next_path = Varchar(length=200, default="")  # outreach: the app path to open afterwards
    issued_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    used_by = BigInt(null=True, default=None)


class StaffInvite(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    token_hash = Varchar(length=64)
    display_name = Varchar(length=100)
    role = Varchar(length=16)
    departments = JSON(default="[]")  # department codes
    created_by = BigInt(null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    account = BigInt(null=True, default=None)


class Consent(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    purpose = Varchar(length=64)  # prefill | matching | partner:<name>
    granted_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class RateCounter(Table):
    """Fixed-window counters in the database, so every process shares the limits."""

    municipality = ForeignKey(references=Municipality, null=False)
    key = Varchar(length=200)
    window_start = BigInt()
    # The column is named "count" in the database; the attribute hides Table.count here.
    count = Integer()  # type: ignore[assignment]


class Delegation(Table):
    """A principal lets another account (the agent) file for them, for a scope and a period.
    Offered as a single-use code the principal hands to the agent; either side can revoke."""

    municipality = ForeignKey(references=Municipality, null=False)
    principal = ForeignKey(references=Account, null=False)
    agent = ForeignKey(references=Account, null=True)  # set when the code is accepted
    code_hash = Varchar(length=64)
    scope = JSON(default="[]")  # procedure slugs; [] = every procedure that allows a proxy
    days = Integer()
    created_at = Timestamptz()
    code_expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
