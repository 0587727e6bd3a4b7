"""Notices routes: the resident's inbox, the VAPID public key the PWA subscribes with, and
this device's subscription (created and refreshed at each app start, removed on sign-out);
the resident's email address, and the one-click unsubscribe link of every notice's email."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_303_SEE_OTHER

from todoke.errors import NotFound, Text
from todoke.notices import email as email_channel
from todoke.notices import push, service
from todoke.notices.schemas import (
    EmailAddressBody,
    EmailConfirmBody,
    EmailNotifyBody,
    EmailStatus,
    Inbox,
    PublicKey,
    SubscriptionBody,
    Unsubscribe,
    Unsubscribed,
)
from todoke.notices.worker import vapid_keys
from todoke.principal import Principal
from todoke.settings import Settings
from todoke.web.guards import residents_only, signed_in
from todoke.web.inputs import RowId
from todoke.web.routing import delete, get, patch, post, put


def _limited(
    name: str,
    *,
    limit: Callable[[Settings], int],
    window_seconds: int,
    per: str | tuple[str, ...],
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard counting calls with identity's shared rate limiter (``identity.ratelimit``),
    which the app factory hands over as ``state.rate_limit``, since notices sits below
    identity."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        counted = connection.app.state.rate_limit(
            name, limit=limit, window_seconds=window_seconds, per=per
        )
        await counted(connection, handler)

    guard.__name__ = f"rate_limit_{name}"
    return guard


# The app sends this device's subscription at each start: a busy resident stays far below
# these, a script writing subscriptions in a loop does not.
SUBSCRIPTION_WRITES_PER_HOUR = 60
limit_subscription_writes = _limited(
    "push-subscription",
    limit=lambda _: SUBSCRIPTION_WRITES_PER_HOUR,
    window_seconds=3600,
    per="account",
)
# Per address, the budget of sign-in options: every resident behind one address opens the app.
limit_subscription_writes_per_client = _limited(
    "push-subscription-client",
    limit=lambda settings: settings.auth_rate_limit * 4,
    window_seconds=60,
    per="client",
)
# Each address entered sends an email: a few an hour per account.
ADDRESS_CHANGES_PER_HOUR = 5
limit_address_changes = _limited(
    "email-address", limit=lambda _: ADDRESS_CHANGES_PER_HOUR, window_seconds=3600, per="account"
)
# The confirmation token is a code entered by a link: guesses are held back like every code's.
limit_confirmations = _limited(
    "email-confirm",
    limit=lambda settings: settings.verification_rate_limit,
    window_seconds=600,
    per=("account", "client"),
)


class PushController(Controller):
    path = "/api/push"
    tags = ["notices"]

    # Public (the same key for everyone), so browsers and proxies may keep it a little;
    # not response-cached here: after `todoke rotate-vapid` every process hands out the new
    # key at once (vapid_keys() keeps the parsed key until the file changes), and a device
    # still holding the old one is retried with the keyring's other keys.
    @get(
        "/public-key",
        operation_id="pushPublicKey",
        cache_control=CacheControlHeader(public=True, max_age=300),
    )
    async def public_key(self, state: State) -> PublicKey:
        return PublicKey(public_key=vapid_keys(state.settings).public_key_b64url)

    @put(
        "/subscription",
        operation_id="subscribePush",
        status_code=HTTP_204_NO_CONTENT,
        guards=[signed_in, limit_subscription_writes, limit_subscription_writes_per_client],
    )
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[SubscriptionBody],
    ) -> None:
        settings: Settings = request.app.state.settings
        push.check_subscription(
            data.endpoint,
            data.keys.p256dh,
            data.keys.auth,
            allow_http=settings.push_allow_http,
            services=settings.push_service_hosts,
        )
        await push.subscribe(
            municipality_id=principal.municipality_id,
            account_id=principal.account_id,
            session_id=principal.session_id,
            endpoint=data.endpoint,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
            user_agent=request.headers.get("user-agent", ""),
            language=data.language,
        )

    @delete(
        "/subscription",
        operation_id="unsubscribePush",
        status_code=HTTP_204_NO_CONTENT,
        guards=[signed_in, limit_subscription_writes, limit_subscription_writes_per_client],
    )
    async def unsubscribe(
        self, principal: NamedDependency[Principal], data: JSONBody[Unsubscribe]
    ) -> None:
        await push.unsubscribe(principal.account_id, data.endpoint)


class InboxController(Controller):
    """The resident's inbox: every notice written for them, the record of truth."""

    path = "/api/me"
    tags = ["account"]

    @get("/inbox", operation_id="getInbox")
    async def inbox(self, principal: NamedDependency[Principal]) -> Inbox:
        return await service.inbox(principal.account_id)

    @post(
        "/inbox/{notice_id:int}/read",
        operation_id="markNoticeRead",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def mark_read(
        self,
        principal: NamedDependency[Principal],
        notice_id: RowId,
    ) -> None:
        if not await service.mark_read(principal.account_id, notice_id):
            raise NotFound(Text("お知らせがありません。", "No such notice."))


class EmailController(Controller):
    """The resident's email address: notices are mailed to it ("a notice is waiting", with
    a link to the inbox) once confirmed, while "email me" is on."""

    path = "/api/me/email"
    tags = ["account"]
    guards = [residents_only]

    @get("/", operation_id="getEmail")
    async def show(self, principal: NamedDependency[Principal]) -> EmailStatus:
        return await email_channel.status(principal.account_id)

    @put("/", operation_id="setEmail", status_code=200, guards=[limit_address_changes])
    async def set_address(
        self,
        state: State,
        principal: NamedDependency[Principal],
        data: JSONBody[EmailAddressBody],
    ) -> EmailStatus:
        """Store the address, unconfirmed, and send it a confirmation link (24 hours)."""
        return await email_channel.set_address(
            key=email_channel.link_key(state.settings),
            municipality_id=principal.municipality_id,
            account_id=principal.account_id,
            address=data.address,
            language=data.language,
        )

    @post("/confirm", operation_id="confirmEmail", status_code=200, guards=[limit_confirmations])
    async def confirm(
        self, principal: NamedDependency[Principal], data: JSONBody[EmailConfirmBody]
    ) -> EmailStatus:
        """Confirm with the token of the link the confirmation email carried (the page the
        link opens POSTs it: opening a link never changes anything)."""
        return await email_channel.confirm(principal.account_id, data.token)

    @patch("/", operation_id="setEmailNotify")
    async def set_notify(
        self, principal: NamedDependency[Principal], data: JSONBody[EmailNotifyBody]
    ) -> EmailStatus:
        return await email_channel.set_notify(principal.account_id, data.notify)

    @delete("/", operation_id="removeEmail", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, principal: NamedDependency[Principal]) -> None:
        if not await email_channel.remove(principal.account_id):
            raise NotFound(email_channel.NO_ADDRESS_YET)


UnsubscribeToken = Annotated[
    str,
    QueryParameter(
        name="token",
        pattern=r"^[1-9][0-9]{0,9}\.[A-Za-z0-9_-]{24}$",
        description="The token of a notice email's List-Unsubscribe link",
    ),
]
UNKNOWN_LINK = Text(
    "この配信停止リンクは使えません。アプリの設定から変更してください。",
    "This unsubscribe link cannot be used. Change it in the app's settings.",
)


class EmailUnsubscribeController(Controller):
    """One-click unsubscribe (RFC 8058) from a notice's email.

    A mail app's "unsubscribe" button POSTs ``List-Unsubscribe=One-Click`` to the URL in
    the ``List-Unsubscribe`` header, from the mail provider's servers: no cookie, no Origin,
    no CSRF token of ours. So this route asks for no session and is spared the CSRF token
    (``opt={"csrf": False}``); the authority is the token in the URL, an HMAC with a key
    outside the database that names one address and can do one thing, stop notices to it.
    The middleware still refuses a POST whose Origin is another site (a page elsewhere
    cannot unsubscribe anyone with a form), and a GET (a person opening the link) only
    redirects to the app's page with a button: opening a link never writes."""

    path = "/api/email/unsubscribe"
    tags = ["notices"]

    @post("/", operation_id="unsubscribeEmail", status_code=200, opt={"csrf": False})
    async def unsubscribe(self, state: State, token: UnsubscribeToken) -> Unsubscribed:
        if not await email_channel.unsubscribe(email_channel.link_key(state.settings), token):
            raise NotFound(UNKNOWN_LINK)
        return Unsubscribed(unsubscribed=True)

    @get("/", operation_id="openUnsubscribeLink", status_code=HTTP_303_SEE_OTHER)
    async def open_link(self, token: UnsubscribeToken) -> Redirect:
        return Redirect(
            path=f"/account/email/unsubscribe#token={token}", status_code=HTTP_303_SEE_OTHER
        )
