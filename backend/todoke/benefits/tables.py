"""Programs (support schemes with an eligibility rule), their matches, and the cursor that
re-evaluation keeps over the registry change log."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
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
    # Whom a match tells: the person the rule matched, or (``claimant``) only the person who
    # would claim for the household (児童手当's 生計中心者), so a grandparent head is not told.
    tells = Varchar(length=8, default="person")  # person | claimant
    # The channels in the order they are tried: app (inbox + push), email, letter (勧奨通知).
    channels = JSON(default='["app", "email", "letter"]')
    # Not opened within this many days → the next channel; null: every channel at once.
    fallback_days = Integer(null=True, default=None)
    # The legal basis the approver recorded for letters to residents who never signed up
    # (個人情報保護法 §69(2)(ii)); empty: no letters.
    letter_basis = Text(default="")
    created_by = ForeignKey(references=Account, null=True)  # null: seeded with the catalogue
    submitted_by = ForeignKey(references=Account, null=True)
    approved_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    activated_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class ProgramMatch(Table):
    """A person who meets a program version's rule, why, and how far delivery got."""

    municipality = ForeignKey(references=Municipality, null=False)
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
    # Why the person was not told (null once told on some channel): held_pending |
    # held_approved (an application for the programme's procedure), receiving (the registry
    # says they already receive it), no_account, no_consent, no_channel, cannot_tell (the
    # rule needs a fact the registry does not hold for them).
    not_told = Varchar(length=16, null=True, default=None)
    # The daily pass found they no longer qualify (null while they do).
    stopped_on = Date(null=True, default=None)


class ProgramDelivery(Table):
    """One telling of one programme to one person on one channel: never two on a channel,
    whatever the version (the unique index). ``app`` and ``email`` point at the inbox notice
    (the notices domain sends the push and the email); ``letter`` waits for a print batch."""

    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    person = ForeignKey(references=Person, null=False)
    match = BigInt()  # the program_match row that caused it
    channel = Varchar(length=8)  # app | email | letter
    state = Varchar(length=12, default="sent")  # sent | queued (letter) | printed | cancelled
    notice = BigInt(null=True, default=None)
    batch = BigInt(null=True, default=None)  # letter_batch
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class MatchingCursor(Table):
    """How far re-evaluation has read the registry change log (one row per municipality)."""

    municipality = ForeignKey(references=Municipality, null=False, unique=True)
    last_change = BigInt(default=0)
    updated_at = Timestamptz()
    calendar_on = Date(null=True, default=None)  # the last day the daily pass ran


class LetterBatch(Table):
    """One print run of a programme's outreach letters (勧奨通知): who made it and when, how
    many letters, and the checksums of its two files (the PDF and the print shop's CSV
    manifest, kept under the data folder as ``letters/<reference>.pdf|.csv``)."""

    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    version = Integer()  # the programme version whose texts were printed
    reference = Varchar(length=32)  # printed on each page and in the manifest
    letters = Integer()
    cancelled = Integer(default=0)  # queued letters dropped: moved away, or has an account now
    pdf_sha256 = Varchar(length=64)
    csv_sha256 = Varchar(length=64)
    codes_expire_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz()
