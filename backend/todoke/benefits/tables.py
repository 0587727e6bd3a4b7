"""Programs (support schemes with an eligibility rule), their matches, and the cursor that
re-evaluation keeps over the registry change log."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from todoke.identity.tables import Account
from todoke.registry.tables import Department, Municipality, Person


class Program(Table):
    """draft → pending (previewed, submitted) → active (approved by a second staff member)
    → closed. An active program's rule never changes; a revision is a new version."""

    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    version = Integer(default=1)
    department = ForeignKey(references=Department, null=False)
    status = Varchar(length=12, default="draft")
    title = JSON()  # {ja, easy, en}
    summary = JSON()
    action = JSON()  # {ja, easy, en}: the one thing to do
    rule = JSON()  # a JsonLogic rule over the documented facts
    delivery = Varchar(length=8)  # inform | invite | grant
    procedure_slug = Varchar(length=64, default="")  # invite: where the deep link goes
    created_by = ForeignKey(references=Account, null=True)  # null: seeded with the catalogue
    submitted_by = ForeignKey(references=Account, null=True)
    approved_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    activated_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class ProgramMatch(Table):
    """A person who meets a program version's rule, why, and how far delivery got."""

    program = ForeignKey(references=Program, null=False)
    version = Integer()
    person = ForeignKey(references=Person, null=False)
    account = BigInt(null=True, default=None)
    explanation = JSON(default="[]")
    matched_at = Timestamptz()
    notice = BigInt(null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)
    opened_at = Timestamptz(null=True, default=None)
    applied_at = Timestamptz(null=True, default=None)
    granted_at = Timestamptz(null=True, default=None)
    evaluated_on = Date()
    # Why the person was not told: held_pending | held_approved (an application for the
    # programme's procedure); null when nothing held them back.
    suppressed = Varchar(length=16, null=True, default=None)


class MatchingCursor(Table):
    """How far re-evaluation has read the registry change log (one row per municipality)."""

    municipality = ForeignKey(references=Municipality, null=False, unique=True)
    last_change = BigInt(default=0)
    updated_at = Timestamptz()
