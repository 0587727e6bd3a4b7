"""Who is calling, and what they may do.

``Principal`` is the signed-in account as every domain sees it; the authentication
middleware (``identity.auth``) puts it on ``request.user``. ``PERMISSIONS`` is the one table
of what each staff role may do; Litestar guards (``web.guards``) read it on routes and
services ask ``principal.require(...)`` only where the answer depends on the data (whose
department a case belongs to). Department scoping is here too, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import msgspec

from todoke.errors import Forbidden, RequiredDepartment, Text


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    CASEWORKER = "caseworker"
    SUPPORT = "support"


STAFF_ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class Permission(StrEnum):
    """What a staff member may do. Department limits come on top (``in_department``)."""

    STAFF_AREA = "staff_area"  # sign in to the back office, see departments and cases
    CASES_WORK = "cases_work"  # queue, claim, notes, decisions, corrections
    CASES_ASSIGN = "cases_assign"  # give a case to a colleague
    RESIDENTS_VIEW = "residents_view"  # consented 360° view, consultations, follow-ups
    COUNTER_FILE = "counter_file"  # fill in a procedure with a resident at the counter
    COUNTER_VERIFY = "counter_verify"  # check identity at a counter, print activation letters
    PROGRAMS_READ = "programs_read"
    PROGRAMS_DRAFT = "programs_draft"
    PROGRAMS_APPROVE = "programs_approve"
    DESIGN_PROCEDURES = "design_procedures"
    METRICS_READ = "metrics_read"
    DELIVERY_FIGURES = "delivery_figures"  # push delivery figures of the whole service
    # Print outreach letters and download their batches: the files hold live sign-up codes.
    LETTERS_PRINT = "letters_print"
    ADMINISTER = "administer"  # staff accounts, invites, registry imports, audit trail
    # Review the records their departments' staff opened on a reason alone.
    REVIEW_OPENINGS = "review_openings"
    # Set and lift DV・ストーカー等支援措置 (staff of the citizens department, where the
    # municipality keeps the resident register; administrators anywhere).
    PROTECTION_MANAGE = "protection_manage"
    # Record a resident's death (おくやみ): caseworkers and supervisors of the citizens
    # department, where the resident register is kept; administrators anywhere.
    DEATHS_RECORD = "deaths_record"


_ALL = frozenset(Permission)
_CASEWORK = frozenset(
    {
        Permission.STAFF_AREA,
        Permission.CASES_WORK,
        Permission.RESIDENTS_VIEW,
        Permission.COUNTER_FILE,
        Permission.PROGRAMS_READ,
        Permission.PROGRAMS_DRAFT,
        Permission.DEATHS_RECORD,
    }
)

PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ADMINISTRATOR: _ALL,
    Role.SUPERVISOR: _CASEWORK
    | {
        Permission.CASES_ASSIGN,
        Permission.COUNTER_VERIFY,
        Permission.PROGRAMS_APPROVE,
        Permission.LETTERS_PRINT,
        Permission.DESIGN_PROCEDURES,
        Permission.METRICS_READ,
        Permission.REVIEW_OPENINGS,
        Permission.PROTECTION_MANAGE,
    },
    Role.CASEWORKER: _CASEWORK,
    Role.SUPPORT: frozenset(
        {
            Permission.STAFF_AREA,
            Permission.RESIDENTS_VIEW,
            Permission.COUNTER_FILE,
            Permission.COUNTER_VERIFY,
            Permission.PROGRAMS_READ,
        }
    ),
}

NOT_ALLOWED = Text("この操作の権限がありません。", "You are not allowed to do this.")

# The roles as staff read them (the staff app's ``roles.*`` words), for refusals that name
# the role an action needs. Listed from the narrowest role to the widest.
ROLE_NAMES: dict[str, Text] = {
    Role.SUPPORT: Text("窓口支援", "support"),
    Role.CASEWORKER: Text("担当職員", "caseworker"),
    Role.SUPERVISOR: Text("係長・監督者", "supervisor"),
    Role.ADMINISTRATOR: Text("管理者", "administrator"),
}


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles that hold ``permission``, narrowest first."""
    return tuple(role for role in ROLE_NAMES if permission in PERMISSIONS[role])


def role_refused(permission: Permission) -> Forbidden:
    """A staff member's role lacks ``permission``: the refusal names the roles that have it."""
    roles = roles_with(permission)
    return Forbidden(
        Text(
            "この操作には「"
            + "」または「".join(ROLE_NAMES[r].ja for r in roles)
            + "」の役割が必要です。",
            "This needs the role " + " or ".join(ROLE_NAMES[r].en for r in roles) + ".",
        ),
        required_roles=roles,
    )


def department_refused(code: str, name: str) -> Forbidden:
    """The thing belongs to a department the staff member does not work for: the refusal
    names that department (staff see every department's name in the back office)."""
    return Forbidden(
        Text(
            f"この操作は「{name}」の職員だけができます。",
            f"Only staff of the department {code} may do this.",
        ),
        required_department=RequiredDepartment(code=code, name=name),
    )


RESIDENTS_ONLY = Text("住民のアカウントで操作してください。", "Residents only.")


class Principal(msgspec.Struct, kw_only=True):
    """The account behind a live session."""

    account_id: int
    municipality_id: int
    kind: str  # resident | staff
    display_name: str
    person_id: int | None
    staff_role: str
    session_id: int
    csrf_token: str
    departments: list[int] = msgspec.field(default_factory=list)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_resident(self) -> bool:
        return self.kind == "resident"

    def may(self, permission: Permission) -> bool:
        return self.is_staff and permission in PERMISSIONS.get(self.staff_role, frozenset())

    def require(self, permission: Permission) -> None:
        """Refuse unless this account may. Staff are told which roles may; residents are
        told nothing of the back office's roles."""
        if not self.may(permission):
            raise role_refused(permission) if self.is_staff else Forbidden(NOT_ALLOWED)

    def require_resident(self) -> None:
        if not self.is_resident:
            raise Forbidden(RESIDENTS_ONLY)

    # --- department scoping: the one place that says which departments' data staff see ---

    @property
    def sees_every_department(self) -> bool:
        return self.is_staff and self.staff_role == Role.ADMINISTRATOR

    def in_department(self, department_id: int | None) -> bool:
        """Whether this staff member works for ``department_id`` (administrators: all)."""
        return self.sees_every_department or (
            self.is_staff and department_id is not None and department_id in self.departments
        )

    @property
    def department_scope(self) -> list[int] | None:
        """The departments whose data this staff member sees: None means every one."""
        return None if self.sees_every_department else list(self.departments)

    def department_clause(self, column: str) -> tuple[str, list[Any]]:
        """`` AND column IN (...)`` limiting a query to this staff member's departments
        (nothing for administrators; a clause matching nothing for staff without any)."""
        return departments_clause(column, self.department_scope)


def departments_clause(column: str, departments: Sequence[int] | None) -> tuple[str, list[Any]]:
    """`` AND column IN (...)`` for a department scope: None means every department, an
    empty scope matches nothing. For a domain that is handed a scope rather than a principal."""
    if departments is None:
        return "", []
    if not departments:
        return " AND 1 = 0", []
    marks = ", ".join("?" * len(departments))
    return f" AND {column} IN ({marks})", list(departments)
