"""Back-office request bodies (responses are documented by the procedures' structs or plain
JSON objects)."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec


class Assignment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    assignee: int | None  # an account id; null releases the case


class NoteCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: str


class FollowUpCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    task: str
    due_on: date


class ConsultationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    department: str  # code, one of the staff member's departments
    topics: list[str]
    summary: str
    held_on: date
    follow_ups: list[FollowUpCreate] = []


class DefinitionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    definition: dict[str, Any]


class StaffUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: str
    departments: list[str]
