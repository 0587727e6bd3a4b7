"""Back-office tables: who works a case, staff-only notes, consultation records (相談記録)
and their follow-up tasks, what each role and department may see of a resident's record
(need-to-know), and the records opened on a stated reason alone (for supervisors' review)."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from todoke.identity.tables import Account
from todoke.procedures.tables import Application
from todoke.registry.tables import Department, Municipality, Person


class CaseAssignment(Table):
    """The caseworker working an application (at most one row per application)."""

    municipality = ForeignKey(references=Municipality, null=False)
    application = ForeignKey(references=Application, null=False)
    assignee = ForeignKey(references=Account, null=False)
    assigned_by = ForeignKey(references=Account, null=False)
    assigned_at = Timestamptz()


class CaseNote(Table):
    """A note between staff about a case; never shown to the resident."""

    municipality = ForeignKey(references=Municipality, null=False)
    application = ForeignKey(references=Application, null=False, index=True)
    author = ForeignKey(references=Account, null=False)
    text = Text()
    created_at = Timestamptz()


class Consultation(Table):
    """A consultation record for continuous, person-centred support. Other departments see
    it only when the resident consented to cross-department sharing."""

    municipality = ForeignKey(references=Municipality, null=False)
    person = ForeignKey(references=Person, null=False, index=True)
    department = ForeignKey(references=Department, null=False)
    staff = ForeignKey(references=Account, null=False)
    topics = JSON(default="[]")
    summary = Text()
    held_on = Date()
    created_at = Timestamptz()


class FollowUp(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    consultation = ForeignKey(references=Consultation, null=False, index=True)
    task = Text()
    due_on = Date()
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(references=Account, null=True)


class NeedToKnow(Table):
    """One grant: staff of ``role`` working in ``department`` may see ``item`` of a
    resident's record (a section such as ``income``), or may open a record on a stated
    reason alone (``open_by_reason``). What is not granted is not shown. A municipality
    reads and changes these rows (administrators, audited); the defaults are in
    ``staff.need_to_know``."""

    municipality = ForeignKey(references=Municipality, null=False)
    role = Varchar(length=16)
    department = Varchar(length=32)  # a department code, or "*": any department, or none
    item = Varchar(length=32)


class ReasonOpening(Table):
    """A resident's record opened on a free-text reason, not a case, consultation or
    follow-up of the viewer's department: listed for supervisors to review."""

    municipality = ForeignKey(references=Municipality, null=False)
    staff = ForeignKey(references=Account, null=False)
    person = ForeignKey(references=Person, null=False)
    category = Varchar(length=32)
    reason = Text()
    departments = JSON(default="[]")  # the opener's department ids at the time
    opened_at = Timestamptz()
    reviewed_by = ForeignKey(references=Account, null=True)
    reviewed_at = Timestamptz(null=True, default=None)


class PaperBaseline(Table):
    """The minutes one procedure takes on paper in this municipality (its own measure or
    estimate, entered by an administrator): what the recorded durations are compared to."""

    municipality = ForeignKey(references=Municipality, null=False)
    procedure = Varchar(length=64)  # the procedure's slug
    minutes = Integer()
    updated_by = ForeignKey(references=Account, null=True)
    updated_at = Timestamptz()


class BereavementCase(Table):
    """おくやみ (issue 17): a death recorded once by the citizens division, with who reported
    it, and the household's tasks across departments (``BereavementTask``) until none is left."""

    municipality = ForeignKey(references=Municipality, null=False)
    person = ForeignKey(references=Person, null=False, index=True)  # the deceased
    died_on = Date()
    reported_by = Varchar(length=100, default="")  # the reporter's name (親族 …)
    reporter_relation = Varchar(length=32, default="")
    death_notice_number = Varchar(length=32, default="")  # 死亡届の受理番号, "" unknown
    surviving_parent = ForeignKey(references=Person, null=True)
    created_by = ForeignKey(references=Account, null=False)
    created_at = Timestamptz()


class BereavementTask(Table):
    """One task of an おくやみ case: a department's (or another organisation's, told by the
    department), its kind, and whether it is done."""

    municipality = ForeignKey(references=Municipality, null=False)
    bereavement = ForeignKey(references=BereavementCase, null=False, index=True)
    item = Varchar(length=32)  # the task's code (staff words: bereavement.item.<code>)
    department = ForeignKey(references=Department, null=False)
    kind = Varchar(length=24)  # counter | online | other_organisation
    procedure = Varchar(length=64, default="")  # the seeded procedure's slug, for online ones
    organisation = Varchar(length=32, default="")  # pension_office …, for other_organisation
    subject = ForeignKey(references=Person, null=True)  # whom it is for (the surviving parent)
    state = Varchar(length=16, default="todo")  # todo | done | not_needed
    note = Text(default="")
    sort_order = Integer(default=0)
    updated_by = ForeignKey(references=Account, null=True)
    updated_at = Timestamptz(null=True, default=None)
