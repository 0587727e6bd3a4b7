"""Notices routes: the resident's inbox, the VAPID public key the PWA subscribes with, and
this device's subscription (created and refreshed at each app start, removed on sign-out)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from todoke.errors import NotFound, Text
from todoke.notices import push, service
from todoke.notices.schemas import Inbox, PublicKey, SubscriptionBody, Unsubscribe
from todoke.notices.worker import vapid_keys
from todoke.principal import Principal
from todoke.settings import Settings
from todoke.web.inputs import RowId


class PushController(Controller):
    path = "/api/push"
    tags = ["notices"]

    @get("/public-key", operation_id="pushPublicKey", cache=3600)
    async def public_key(self, state: State) -> PublicKey:
        return PublicKey(public_key=vapid_keys(state.settings).public_key_b64url)

    @put(
        "/subscription",
        operation_id="subscribePush",
        status_code=HTTP_204_NO_CONTENT,
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
