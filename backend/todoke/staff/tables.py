"""Back-office tables: who works a case, staff-only notes, consultation records (相談記録)
and their follow-up tasks."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Text, Timestamptz
from piccolo.table import Table

from todoke.identity.tables import Account
from todoke.procedures.tables import Application
from todoke.registry.tables import Department, Municipality, Person


class CaseAssignment(Table):
    """The caseworker working an application (at most one row per application)."""

    application = ForeignKey(references=Application, null=False, unique=True)
    assignee = ForeignKey(references=Account, null=False)
    assigned_by = ForeignKey(references=Account, null=False)
    assigned_at = Timestamptz()


class CaseNote(Table):
    """A note between staff about a case; never shown to the resident."""

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
    consultation = ForeignKey(references=Consultation, null=False, index=True)
    task = Text()
    due_on = Date()
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(references=Account, null=True)
