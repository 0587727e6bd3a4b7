"""Identity routes: passkey sign-up and sign-in, the signed-in account, and the staff side
of identity (invites, activation letters, counter verification)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.audit import service as audit_service
from todoke.db import MAX_ID
from todoke.errors import (
    InvalidInput,
    Text,
    TooManyRequests,
)
from todoke.identity import delegations, passkeys, ratelimit, service
from todoke.identity.auth import session_cookie_name
from todoke.identity.schemas import (
    ConsentChange,
    CounterCode,
    CredentialBody,
    DelegationAccept,
    DelegationCreate,
    DelegationList,
    DelegationOffer,
    DelegationRead,
    PasskeyRead,
    PasskeyRename,
    RegistrationStart,
    SignedIn,
    VerificationCode,
)
from todoke.notices import service as notices
from todoke.principal import Principal
from todoke.registry.schemas import MunicipalityRead
from todoke.settings import Settings

CEREMONY_COOKIE = "todoke_ceremony"
# Sign-in ceremonies run before there is a session: the middleware checks their Origin,
# not a CSRF token (a stale session cookie must not block signing in again).
NO_SESSION_YET = {"csrf": False}


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _session_cookie(settings: Settings, token: str) -> Cookie:
    return Cookie(
        key=session_cookie_name(settings),
        value=token,
        httponly=True,
        secure=settings.serves_https,
        samesite="lax",
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )


def _ceremony_cookie(settings: Settings, binding: str) -> Cookie:
    return Cookie(
        key=CEREMONY_COOKIE,
        value=binding,
        httponly=True,
        secure=settings.serves_https,
        samesite="strict",
        path="/api/auth",
        max_age=passkeys.CEREMONY_MINUTES * 60,
    )


def _binding(request: Request[Any, Any, Any]) -> str:
    binding = request.cookies.get(CEREMONY_COOKIE, "")
    if not binding or len(binding) > 100:
        raise InvalidInput(
            Text(
                "確認の有効期限が切れました。最初からやり直してください。",
                "The sign-in request expired. Please start again.",
            )
        )
    return binding


# Fetching options is cheap and happens on every signed-out visit (autofill sign-in), often
# from many residents behind one address: it gets a larger budget than the ceremonies.
OPTIONS_FACTOR = 4


async def _limit(request: Request[Any, Any, Any], name: str, factor: int = 1) -> None:
    limit = request.app.state.settings.auth_rate_limit * factor
    await ratelimit.hit(f"{name}:{_client(request)}", limit=limit, window_seconds=60)


async def _signed_in(
    request: Request[Any, Any, Any],
    settings: Settings,
    account_id: int,
    kind: str,
    status: int,
    **extra: Any,
) -> Response[SignedIn]:
    token, csrf = await service.start_session(
        account_id,
        absolute_hours=settings.session_absolute_hours,
        user_agent=request.headers.get("user-agent", ""),
    )
    response = Response(
        SignedIn(account_id=account_id, kind=kind, csrf_token=csrf, **extra),
        status_code=status,
        cookies=[_session_cookie(settings, token)],
    )
    response.delete_cookie(CEREMONY_COOKIE, path="/api/auth")
    return response


class AuthController(Controller):
    """Sign-up and sign-in ceremonies. Everything here is rate limited per client."""

    path = "/api/auth"
    tags = ["identity"]

    @get("/session", operation_id="getSession", summary="Whether this browser is signed in")
    async def session(
        self, optional_principal: NamedDependency[Principal | None]
    ) -> dict[str, Any]:
        """Always 200, so a signed-out page load is not an error in the browser's console."""
        principal = optional_principal
        if principal is None:
            return {"signed_in": False}
        return {"signed_in": True, "account": await service.describe_account(principal)}

    @post(
        "/registration/options",
        operation_id="registrationOptions",
        status_code=HTTP_200_OK,
        opt=NO_SESSION_YET,
    )
    async def registration_options(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[RegistrationStart],
    ) -> Response[dict[str, Any]]:
        await _limit(request, "register-options", OPTIONS_FACTOR)
        settings: Settings = state.settings
        extra: dict[str, Any] = {}
        display_name = data.display_name.strip()[:100] or "とどけ利用者"
        if data.invite:
            invite = await service.open_staff_invite(municipality.id, data.invite)
            extra["invite"] = data.invite
            display_name = invite["display_name"]
        binding = secrets.token_urlsafe(24)
        options = await passkeys.registration_options(
            rp_id=settings.rp_id,
            rp_name=settings.rp_name,
            user_handle=secrets.token_bytes(32),
            user_name=display_name,
            display_name=display_name,
            exclude=[],
            purpose="register",
            binding=binding,
            data={"display_name": display_name, **extra},
        )
        return Response(options, cookies=[_ceremony_cookie(settings, binding)])

    @post(
        "/registration", operation_id="register", status_code=HTTP_201_CREATED, opt=NO_SESSION_YET
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[CredentialBody],
    ) -> Response[SignedIn]:
        await _limit(request, "register")
        settings: Settings = state.settings
        ceremony, stored = await passkeys.finish_registration(
            data.credential,
            purpose="register",
            binding=_binding(request),
            rp_id=settings.rp_id,
            origins=list(settings.public_origins),
        )
        invite = None
        if ceremony["data"].get("invite"):
            invite = await service.open_staff_invite(municipality.id, ceremony["data"]["invite"])
        account_id = await service.create_account_with_passkey(
            municipality_id=municipality.id,
            user_handle=ceremony["data"]["user_handle"],
            display_name=ceremony["data"]["display_name"],
            stored=stored,
            passkey_name=data.name.strip() or "パスキー",
            invite=invite,
        )
        kind = "staff" if invite else "resident"
        return await _signed_in(request, settings, account_id, kind, HTTP_201_CREATED)

    @post(
        "/login/options", operation_id="loginOptions", status_code=HTTP_200_OK, opt=NO_SESSION_YET
    )
    async def login_options(
        self, request: Request[Any, Any, Any], state: State
    ) -> Response[dict[str, Any]]:
        await _limit(request, "login-options", OPTIONS_FACTOR)
        settings: Settings = state.settings
        binding = secrets.token_urlsafe(24)
        options = await passkeys.authentication_options(rp_id=settings.rp_id, binding=binding)
        return Response(options, cookies=[_ceremony_cookie(settings, binding)])

    @post("/login", operation_id="login", status_code=HTTP_200_OK, opt=NO_SESSION_YET)
    async def login(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[CredentialBody],
    ) -> Response[SignedIn]:
        await _limit(request, "login")
        settings: Settings = state.settings
        try:
            ceremony = await passkeys.take_ceremony(
                data.credential, "authenticate", _binding(request)
            )
            account_id = await service.sign_in_with_passkey(
                data.credential,
                challenge=ceremony["challenge"],
                rp_id=settings.rp_id,
                origins=list(settings.public_origins),
            )
        except (InvalidInput, TooManyRequests):
            await audit_service.record(
                municipality_id=municipality.id,
                actor_kind="anonymous",
                action="identity.sign_in_failed",
                purpose="sign-in",
                detail={"client": _client(request)},
            )
            raise
        kind = await service.account_kind(account_id)
        await audit_service.record(
            municipality_id=municipality.id,
            actor_kind=kind,
            actor_account=account_id,
            subject_account=account_id,
            action="identity.signed_in",
            purpose="sign-in",
        )
        return await _signed_in(request, settings, account_id, kind, HTTP_200_OK)

    @post(
        "/logout",
        operation_id="logout",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def logout(self, state: State, principal: NamedDependency[Principal]) -> Response[None]:
        await service.end_session(principal.session_id)
        await notices.forget_device(principal.session_id)
        response = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(session_cookie_name(state.settings))
        return response

    @post(
        "/logout-everywhere",
        operation_id="logoutEverywhere",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def logout_everywhere(
        self, state: State, principal: NamedDependency[Principal]
    ) -> Response[None]:
        await service.end_all_sessions(principal.account_id)
        await notices.forget_devices_of(principal.account_id)
        response = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(session_cookie_name(state.settings))
        return response


def _passkey_read(row: dict[str, Any]) -> PasskeyRead:
    return PasskeyRead(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        synced=row["device_type"] == "multi_device" or bool(row["backup_state"]),
        clone_suspected=row["clone_suspected_at"] is not None,
    )


class MeController(Controller):
    """The signed-in account: only ever its own data."""

    path = "/api/me"
    tags = ["account"]

    @get("/", operation_id="getMe")
    async def me(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return await service.describe_account(principal)

    @post(
        "/second-passkey-suggested",
        operation_id="secondPasskeySuggested",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def second_passkey_suggested(self, principal: NamedDependency[Principal]) -> None:
        await service.mark_second_passkey_suggested(principal.account_id)

    @get("/passkeys", operation_id="listPasskeys")
    async def list_passkeys(self, principal: NamedDependency[Principal]) -> list[PasskeyRead]:
        return [_passkey_read(r) for r in await service.list_passkeys(principal.account_id)]

    @post("/passkeys/options", operation_id="addPasskeyOptions", status_code=HTTP_200_OK)
    async def add_passkey_options(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Response[dict[str, Any]]:
        await _limit(request, "add-passkey")
        settings: Settings = state.settings
        handle, display_name = await service.account_handle(principal.account_id)
        binding = secrets.token_urlsafe(24)
        options = await passkeys.registration_options(
            rp_id=settings.rp_id,
            rp_name=settings.rp_name,
            user_handle=passkeys.unb64url(handle),
            user_name=display_name,
            display_name=display_name,
            exclude=await service.account_credentials(principal.account_id),
            purpose="add_passkey",
            binding=binding,
            account=principal.account_id,
        )
        cookie = _ceremony_cookie(settings, binding)
        cookie.path = "/api/me"
        return Response(options, cookies=[cookie])

    @post("/passkeys", operation_id="addPasskey", status_code=HTTP_201_CREATED)
    async def add_passkey(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
        data: JSONBody[CredentialBody],
    ) -> PasskeyRead:
        await _limit(request, "add-passkey")
        settings: Settings = state.settings
        ceremony, stored = await passkeys.finish_registration(
            data.credential,
            purpose="add_passkey",
            binding=_binding(request),
            rp_id=settings.rp_id,
            origins=list(settings.public_origins),
        )
        if ceremony["account"] != principal.account_id:
            raise passkeys.REFUSED
        passkey_id = await service.add_passkey(principal, stored, data.name.strip() or "パスキー")
        rows = await service.list_passkeys(principal.account_id)
        return _passkey_read(next(r for r in rows if r["id"] == passkey_id))

    @patch("/passkeys/{passkey_id:int}", operation_id="renamePasskey")
    async def rename_passkey(
        self,
        principal: NamedDependency[Principal],
        passkey_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
        data: JSONBody[PasskeyRename],
    ) -> list[PasskeyRead]:
        await service.rename_passkey(principal.account_id, passkey_id, data.name)
        return [_passkey_read(r) for r in await service.list_passkeys(principal.account_id)]

    @delete(
        "/passkeys/{passkey_id:int}", operation_id="removePasskey", status_code=HTTP_204_NO_CONTENT
    )
    async def remove_passkey(
        self,
        principal: NamedDependency[Principal],
        passkey_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
    ) -> None:
        await service.remove_passkey(principal.account_id, passkey_id)

    @post("/verification", operation_id="verifyIdentity", status_code=HTTP_200_OK)
    async def verify_identity(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[VerificationCode],
    ) -> dict[str, Any]:
        await ratelimit.hit(
            f"verify:{_client(request)}",
            limit=request.app.state.settings.verification_rate_limit,
            window_seconds=600,
        )
        try:
            result = await service.redeem_activation_code(principal, data.code)
        except service.VerificationLocked as locked:
            seconds = (locked.until - datetime.now(UTC)).total_seconds()
            raise TooManyRequests(
                Text(
                    "確認コードの入力に続けて失敗したため、しばらく入力できません。",
                    "Too many wrong codes: verification is locked for a while.",
                ),
                retry_after=int(seconds) + 1,
            ) from None
        return {"verified": True, "recovered": result.recovered}

    @post("/counter-code", operation_id="counterCode", status_code=HTTP_201_CREATED)
    async def counter_code(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> CounterCode:
        await _limit(request, "counter-code")
        issued = await service.issue_counter_code(principal)
        return CounterCode(code=issued["code"], expires_at=issued["expires_at"])

    @get("/consents", operation_id="getConsents")
    async def get_consents(self, principal: NamedDependency[Principal]) -> dict[str, bool]:
        return await service.consents(principal.account_id)

    @post("/consents", operation_id="setConsent", status_code=HTTP_200_OK)
    async def set_consent(
        self, principal: NamedDependency[Principal], data: JSONBody[ConsentChange]
    ) -> dict[str, bool]:
        return await service.set_consent(principal, data.purpose, data.granted)

    @get("/access-log", operation_id="getAccessLog", summary="Who did what with my data, and why")
    async def access_log(self, principal: NamedDependency[Principal]) -> list[dict[str, Any]]:
        return await audit_service.events_about(principal.person_id, principal.account_id)


Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]


class DelegationController(Controller):
    path = "/api/me/delegations"
    tags = ["account"]

    @get("/", operation_id="listDelegations")
    async def list_delegations(self, principal: NamedDependency[Principal]) -> DelegationList:
        return DelegationList(items=await delegations.list_for(principal))

    @post("/", operation_id="offerDelegation", status_code=HTTP_201_CREATED)
    async def offer(
        self, principal: NamedDependency[Principal], data: JSONBody[DelegationCreate]
    ) -> DelegationOffer:
        return DelegationOffer(**await delegations.offer(principal, data.scope, data.days))

    @post("/accept", operation_id="acceptDelegation", status_code=HTTP_200_OK)
    async def accept(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[DelegationAccept],
    ) -> DelegationRead:
        settings: Settings = request.app.state.settings
        await ratelimit.hit(
            f"delegation:{principal.account_id}",
            limit=settings.verification_rate_limit,
            window_seconds=600,
        )
        delegation_id = await delegations.accept(principal, data.code)
        found = [d for d in await delegations.list_for(principal) if d["id"] == delegation_id]
        return DelegationRead(**found[0])

    @delete("/{delegation_id:int}", operation_id="revokeDelegation", status_code=204)
    async def revoke(self, principal: NamedDependency[Principal], delegation_id: Id) -> None:
        await delegations.revoke(principal, delegation_id)
