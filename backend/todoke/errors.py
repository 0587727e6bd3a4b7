"""Errors the services raise. They carry no HTTP: the web layer maps each kind to a
status and a problem-details body, in Japanese and English."""

from __future__ import annotations

import msgspec


class Text(msgspec.Struct, frozen=True):
    """A message a person can read, in both languages the API always answers in."""

    ja: str
    en: str


class FieldError(msgspec.Struct, frozen=True):
    """What is wrong with one input field, named in both languages."""

    field: str
    label: Text
    message: Text


class TodokeError(Exception):
    """Base of every expected failure: bad input, a missing thing, a refused action."""

    kind = "invalid"

    def __init__(self, message: Text, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(message.en)
        self.message = message
        self.errors = errors or []


class InvalidInput(TodokeError):
    kind = "invalid"


class Malformed(TodokeError):
    """The request cannot be read at all (before any meaning is looked at)."""

    kind = "malformed"


class NotFound(TodokeError):
    kind = "not_found"


class Conflict(TodokeError):
    kind = "conflict"


class Unauthenticated(TodokeError):
    kind = "unauthenticated"


class RequiredDepartment(msgspec.Struct, frozen=True):
    """The department whose staff may do what was refused (named to the refused staff
    member, so they know whom to ask)."""

    code: str
    name: str


class Forbidden(TodokeError):
    """A refused action. For staff, it may name what was missing: the roles that may do it
    (``required_roles``) or the department the thing belongs to (``required_department``).
    Residents are never told either (their refusals carry no internals)."""

    kind = "forbidden"

    def __init__(
        self,
        message: Text,
        *,
        required_roles: tuple[str, ...] = (),
        required_department: RequiredDepartment | None = None,
    ) -> None:
        super().__init__(message)
        self.required_roles = required_roles
        self.required_department = required_department


class PayloadTooLarge(TodokeError):
    kind = "too_large"


class UnsupportedMediaType(TodokeError):
    """A body of a type the route does not take (an emblem that is no PNG or WebP)."""

    kind = "unsupported_media_type"


class TooManyRequests(TodokeError):
    kind = "rate_limited"

    def __init__(self, message: Text, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
