"""Procedure tables. A published version never changes; an edit publishes a new one."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from todoke.identity.tables import Account
from todoke.registry.tables import Department, Municipality, Person


class Procedure(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    department = ForeignKey(references=Department, null=False)
    # The version residents file against; null until the first publication.
    published_version = Integer(null=True, default=None)
    sort_order = Integer(default=0)
    created_at = Timestamptz()
    # Adopted from a platform template (issue 16): its slug ("" for the municipality's own
    # procedure), the template version the published definition is built on, and the
    # municipality's local changes to it (only the parts the template lets it change), kept
    # apart so that a new template version can be merged under them.
    template_slug = Varchar(length=64, default="")
    template_version = Integer(null=True, default=None)
    local_changes = JSON(default="{}")
    # The newest template version whose offer staff have seen (audited once) and the one
    # they declined (not offered again until a newer one).
    offer_seen = Integer(null=True, default=None)
    offer_declined = Integer(null=True, default=None)


class ProcedureTemplate(Table):
    """A platform template (issue 16): a standard procedure published once for every
    municipality on the deployment. Platform-level reference data, so no municipality
    column: it is the same for everyone (in Citus terms a reference table, copied to every
    node, which a distributed procedure table can join locally)."""

    slug = Varchar(length=64, unique=True)
    current_version = Integer()
    created_at = Timestamptz()


class ProcedureTemplateVersion(Table):
    """One immutable version of a template: the definition and the parts a municipality
    may change locally (``local``: fee_yen, help, keywords, local_fields)."""

    template = ForeignKey(references=ProcedureTemplate, null=False)
    version = Integer()
    definition = JSON()  # a ProcedureDefinition, encoded
    local = JSON(default="[]")
    note = JSON(default="{}")  # {ja, easy, en}: what changed, in the operator's words
    published_at = Timestamptz()


class ProcedureVersion(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    procedure = ForeignKey(references=Procedure, null=False)
    version = Integer()
    definition = JSON()  # a ProcedureDefinition, encoded
    published_at = Timestamptz(null=True, default=None)


class Draft(Table):
    """What a resident (or their delegate) has typed so far. Never a filing: nothing in
    it reaches staff. One per author, procedure and principal."""

    municipality = ForeignKey(references=Municipality, null=False)
    procedure = ForeignKey(references=Procedure, null=False)
    version = Integer()
    author = ForeignKey(references=Account, null=False)
    principal = ForeignKey(references=Account, null=False)  # whose application it will be
    answers = JSON(default="{}")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    expires_at = Timestamptz()


class Application(Table):
    """A filing, against the exact procedure version it was validated with."""

    municipality = ForeignKey(references=Municipality, null=False)
    procedure = ForeignKey(references=Procedure, null=False)
    version = Integer()
    department = ForeignKey(references=Department, null=False)
    # The resident it is for; null while a counter filing waits for their confirmation.
    account = ForeignKey(references=Account, null=True)
    person = ForeignKey(references=Person, null=True)
    filed_by = ForeignKey(references=Account, null=False)
    channel = Varchar(length=8)  # self | proxy | assisted
    status = Varchar(length=32)
    answers = JSON(default="{}")
    prefill = JSON(default="{}")  # {field: {value, source, as_of, changed}}
    receipt_number = Varchar(length=20)
    idempotency_key = Varchar(length=100)
    request_digest = Varchar(length=64)
    submitted_at = Timestamptz()
    updated_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    due_by = Date()
    confirmation_hash = Varchar(length=64, null=True, default=None)
    confirmation_expires_at = Timestamptz(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    # Time saved (issue 17): when the resident (or counter staff) started this filing, and
    # the raw span in seconds from that start to the filing confirmed. Null when no start
    # is known (filed without a draft, or before durations were recorded).
    started_at = Timestamptz(null=True, default=None)
    filing_seconds = Integer(null=True, default=None)


class ApplicationEvent(Table):
    """The application's timeline: filing, status changes, messages, amendments, effects."""

    municipality = ForeignKey(references=Municipality, null=False)
    application = ForeignKey(references=Application, null=False)
    kind = Varchar(length=16)
    status = Varchar(length=32, null=True, default=None)
    actor_kind = Varchar(length=8)  # resident | proxy | staff | system
    actor_account = ForeignKey(references=Account, null=True)
    actor_name = Varchar(length=100)
    text = Text(default="")
    # A request for more information may name the document it needs (戸籍謄本…).
    document = Varchar(length=100, default="")
    created_at = Timestamptz()


class ApplicationReach(Table):
    """Where an approved change reached (the per-department tracker)."""

    municipality = ForeignKey(references=Municipality, null=False)
    application = ForeignKey(references=Application, null=False)
    department = ForeignKey(references=Department, null=False)
    reached_at = Timestamptz()


class Attachment(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    token = Varchar(length=64)  # the public id and the storage key
    account = ForeignKey(references=Account, null=False)  # who uploaded it
    application = ForeignKey(references=Application, null=True)
    filename = Varchar(length=120)
    content_type = Varchar(length=40)
    size = Integer()
    sha256 = Varchar(length=64)
    created_at = Timestamptz()


class UploadUsage(Table):
    """What one account has stored on one day (Japan time): the per-account quota, counted
    here rather than in a process's memory so every server process sees the same count, and
    kept when an attachment row is later removed."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    day = Date()
    files = Integer(default=0)
    bytes = BigInt(default=0)


class CorrectionRequest(Table):
    """ "この情報が違う": a resident tells the department that owns a registry fact it is wrong."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    person = ForeignKey(references=Person, null=False)
    department = ForeignKey(references=Department, null=False)
    fact = Varchar(length=32)
    field_label = JSON(default="{}")
    current_value = Text(default="")
    note = Text(default="")
    status = Varchar(length=12, default="open")  # open | resolved | rejected
    reply = Text(default="")
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


class MoveOut(Table):
    """A resident told their municipality they are moving to another one (転出). Nothing
    about them leaves it unless they consent (``consented_at``); then a ``move_in`` row is
    written at the destination."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    person = ForeignKey(references=Person, null=False)
    destination = ForeignKey(references=Municipality, null=True)  # on this platform, if it is
    destination_name = Varchar(length=100)  # as the resident named it
    move_date = Date()
    new_postal_code = Varchar(length=8)
    new_address = Varchar(length=200)
    movers = JSON(default="[]")  # registry ids of the household members who move
    dog = Varchar(length=8, default="")  # yes | "" : a registered dog moves too
    method = Varchar(length=16)  # counter | myna_portal
    application = BigInt(null=True, default=None)  # the 転出届 counter booking
    consented_at = Timestamptz(null=True, default=None)
    sent_to = BigInt(null=True, default=None)  # the move_in row at the destination
    withdrawn_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class MoveIn(Table):
    """Move-in data a resident sent, with consent, from their former municipality: owned by
    the new one, redeemed once with the transfer code (引越しコード) by a new account there."""

    municipality = ForeignKey(references=Municipality, null=False)
    origin = ForeignKey(references=Municipality, null=False)
    origin_move = BigInt()  # the move_out row at the origin
    code_hash = Varchar(length=64)
    code_expires_at = Timestamptz()
    data = JSON(default="{}")  # what crossed: the household, addresses, date
    consented_at = Timestamptz()
    received_at = Timestamptz()
    account = ForeignKey(references=Account, null=True)  # bound by the code
    bound_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class LifeEvent(Table):
    """A life event (引越し, 出生, おくやみ…) a municipality defines as data (issue 17): the
    questions it asks and the procedures the answers lead to. Versioned like a procedure."""

    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    published_version = Integer(null=True, default=None)
    sort_order = Integer(default=0)
    created_at = Timestamptz()


class LifeEventVersion(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    life_event = ForeignKey(references=LifeEvent, null=False)
    version = Integer()
    definition = JSON()  # a LifeEventDefinition, encoded
    published_at = Timestamptz(null=True, default=None)


class LifeEventCase(Table):
    """One resident's life event, started: the answers, the items they led to and each
    item's state (filed with its application, booked in the counter visit, to do, done)."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = ForeignKey(references=Account, null=False)
    person = ForeignKey(references=Person, null=True)
    life_event = ForeignKey(references=LifeEvent, null=False)
    version = Integer()
    event_date = Date()
    answers = JSON(default="{}")
    items = JSON(default="[]")  # [PlanItem + state, application]
    visit_application = BigInt(null=True, default=None)  # the one counter booking
    idempotency_key = Varchar(length=100)
    created_at = Timestamptz()
    updated_at = Timestamptz()
