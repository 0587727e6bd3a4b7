"""Identity routes: passkey sign-up and sign-in, the signed-in account (its passkeys,
identity verification, consents, access log) and delegations. Staff work on identity
(invites, letters, counter checks) lives under ``staff/``."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke import clock
from todoke.audit import service as audit_service
from todoke.codes import b64url_decode
from todoke.errors import (
    InvalidInput,
    Text,
    TooManyRequests,
)
from todoke.identity import access_log as access_log_service
from todoke.identity import delegations, passkeys, service
from todoke.identity.auth import session_cookie_name
from todoke.identity.ratelimit import check, hit, rate_limit
from todoke.identity.schemas import (
    AccessLogEntry,
    AccountRead,
    CeremonyData,
    ConsentChange,
    Consents,
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
    SessionState,
    SignedIn,
    VerificationCode,
    VerificationDone,
)
from todoke.identity.service import ConsentListeners, recovery_hold
from todoke.notices import service as notices
from todoke.principal import Principal
from todoke.registry.schemas import MunicipalityRead
from todoke.settings import Settings
from todoke.web.forwarded import client_address, rate_key
from todoke.web.guards import residents_only, signed_in
from todoke.web.inputs import RowId
from todoke.web.routing import delete, get, patch, post

CEREMONY_COOKIE = "todoke_ceremony"
# Sign-in ceremonies run before there is a session: the middleware checks their Origin,
# not a CSRF token (a stale session cookie must not block signing in again).
NO_SESSION_YET = {"csrf": False}


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


def _per_client(name: str, factor: int = 1) -> Callable[..., Awaitable[None]]:
    """``auth_rate_limit`` × ``factor`` calls a minute per client address."""
    return rate_limit(name, limit=lambda settings: settings.auth_rate_limit * factor)


# Codes are short: guessing them is held back to a few tries per ten minutes, per account
# and per client address (many accounts from one address, or one from many).
VERIFICATION_LIMIT = rate_limit(
    "verify",
    limit=lambda settings: settings.verification_rate_limit,
    window_seconds=600,
    per=("account", "client"),
)
DELEGATION_LIMIT = rate_limit(
    "delegation",
    limit=lambda settings: settings.verification_rate_limit,
    window_seconds=600,
    per=("account", "client"),
)


async def _signed_in(
    request: Request[Any, Any, Any],
    settings: Settings,
    municipality_id: int,
    account_id: int,
    kind: str,
    status: int,
    **extra: Any,
) -> Response[SignedIn]:
    token, csrf = await service.start_session(
        account_id,
        municipality_id=municipality_id,
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
    async def session(self, optional_principal: NamedDependency[Principal | None]) -> SessionState:
        """Always 200, so a signed-out page load is not an error in the browser's console."""
        principal = optional_principal
        if principal is None:
            return SessionState(signed_in=False)
        return SessionState(signed_in=True, account=await service.describe_account(principal))

    @post(
        "/registration/options",
        operation_id="registrationOptions",
        status_code=HTTP_200_OK,
        opt=NO_SESSION_YET,
        guards=[_per_client("register-options", OPTIONS_FACTOR)],
    )
    async def registration_options(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[RegistrationStart],
    ) -> Response[msgspec.Raw]:
        settings: Settings = state.settings
        display_name = data.display_name.strip()[:100] or "とどけ利用者"
        if data.invite:
            # An invite link is a code too: wrong ones are held back like activation codes
            # (per address; there is no account yet). Only misses count: a desk signing up
            # many staff from one address is not slowed.
            key = f"invite:{rate_key(client_address(request))}"
            limit = {"limit": settings.verification_rate_limit, "window_seconds": 600}
            await check(municipality.id, key, **limit)
            try:
                invite = await service.open_staff_invite(municipality.id, data.invite)
            except InvalidInput:
                await hit(municipality.id, key, **limit)
                raise
            display_name = invite.display_name
        binding = secrets.token_urlsafe(24)
        rp_id, _ = passkeys.relying_party(settings, municipality)
        options = await passkeys.registration_options(
            municipality_id=municipality.id,
            rp_id=rp_id,
            rp_name=settings.rp_name,
            user_handle=secrets.token_bytes(32),
            user_name=display_name,
            display_name=display_name,
            exclude=[],
            purpose="register",
            binding=binding,
            data=CeremonyData(display_name=display_name, invite=data.invite),
        )
        return Response(options, cookies=[_ceremony_cookie(settings, binding)])

    @post(
        "/registration",
        operation_id="register",
        status_code=HTTP_201_CREATED,
        opt=NO_SESSION_YET,
        guards=[_per_client("register")],
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[CredentialBody],
    ) -> Response[SignedIn]:
        settings: Settings = state.settings
        rp_id, origins = passkeys.relying_party(settings, municipality)
        ceremony, stored = await passkeys.finish_registration(
            data.credential,
            municipality_id=municipality.id,
            purpose="register",
            binding=_binding(request),
            rp_id=rp_id,
            origins=origins,
        )
        invite = None
        if ceremony.data.invite:
            invite = await service.open_staff_invite(municipality.id, ceremony.data.invite)
        account_id = await service.create_account_with_passkey(
            municipality_id=municipality.id,
            user_handle=ceremony.data.user_handle,
            display_name=ceremony.data.display_name,
            stored=stored,
            passkey_name=data.name.strip() or "パスキー",
            invite=invite,
        )
        kind = "staff" if invite else "resident"
        return await _signed_in(
            request, settings, municipality.id, account_id, kind, HTTP_201_CREATED
        )

    @post(
        "/login/options",
        operation_id="loginOptions",
        status_code=HTTP_200_OK,
        opt=NO_SESSION_YET,
        guards=[_per_client("login-options", OPTIONS_FACTOR)],
    )
    async def login_options(
        self, state: State, municipality: NamedDependency[MunicipalityRead]
    ) -> Response[msgspec.Raw]:
        settings: Settings = state.settings
        binding = secrets.token_urlsafe(24)
        rp_id, _ = passkeys.relying_party(settings, municipality)
        options = await passkeys.authentication_options(
            municipality_id=municipality.id, rp_id=rp_id, binding=binding
        )
        return Response(options, cookies=[_ceremony_cookie(settings, binding)])

    @post(
        "/login",
        operation_id="login",
        status_code=HTTP_200_OK,
        opt=NO_SESSION_YET,
        guards=[_per_client("login")],
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        state: State,
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[CredentialBody],
    ) -> Response[SignedIn]:
        settings: Settings = state.settings
        try:
            ceremony = await passkeys.take_ceremony(
                municipality.id, data.credential, "authenticate", _binding(request)
            )
            rp_id, origins = passkeys.relying_party(settings, municipality)
            account_id = await service.sign_in_with_passkey(
                data.credential,
                municipality_id=municipality.id,
                challenge=ceremony.challenge,
                rp_id=rp_id,
                origins=origins,
            )
        except (InvalidInput, TooManyRequests):
            await audit_service.record(
                municipality_id=municipality.id,
                actor_kind="anonymous",
                action="identity.sign_in_failed",
                purpose="sign-in",
                detail={"client": client_address(request)},
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
        return await _signed_in(request, settings, municipality.id, account_id, kind, HTTP_200_OK)

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


class MeController(Controller):
    """The signed-in account: only ever its own data."""

    path = "/api/me"
    tags = ["account"]
    # Before any route guard: a signed-out call is refused without counting toward a limit.
    guards = [signed_in]

    @get("/", operation_id="getMe")
    async def me(self, principal: NamedDependency[Principal]) -> AccountRead:
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
        return await service.list_passkeys(principal.account_id)

    @post(
        "/passkeys/options",
        operation_id="addPasskeyOptions",
        status_code=HTTP_200_OK,
        guards=[_per_client("add-passkey")],
    )
    async def add_passkey_options(
        self,
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
    ) -> Response[msgspec.Raw]:
        settings: Settings = state.settings
        handle, display_name = await service.account_handle(principal.account_id)
        binding = secrets.token_urlsafe(24)
        rp_id, _ = passkeys.relying_party(settings, municipality)
        options = await passkeys.registration_options(
            municipality_id=municipality.id,
            rp_id=rp_id,
            rp_name=settings.rp_name,
            user_handle=b64url_decode(handle),
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

    @post(
        "/passkeys",
        operation_id="addPasskey",
        status_code=HTTP_201_CREATED,
        guards=[_per_client("add-passkey")],
    )
    async def add_passkey(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[CredentialBody],
    ) -> PasskeyRead:
        settings: Settings = state.settings
        rp_id, origins = passkeys.relying_party(settings, municipality)
        ceremony, stored = await passkeys.finish_registration(
            data.credential,
            municipality_id=municipality.id,
            purpose="add_passkey",
            binding=_binding(request),
            rp_id=rp_id,
            origins=origins,
        )
        if ceremony.account != principal.account_id:
            raise passkeys.REFUSED
        passkey_id = await service.add_passkey(principal, stored, data.name.strip() or "パスキー")
        rows = await service.list_passkeys(principal.account_id)
        return next(r for r in rows if r.id == passkey_id)

    @patch("/passkeys/{passkey_id:int}", operation_id="renamePasskey")
    async def rename_passkey(
        self,
        principal: NamedDependency[Principal],
        passkey_id: RowId,
        data: JSONBody[PasskeyRename],
    ) -> list[PasskeyRead]:
        await service.rename_passkey(principal.account_id, passkey_id, data.name)
        return await service.list_passkeys(principal.account_id)

    @delete(
        "/passkeys/{passkey_id:int}", operation_id="removePasskey", status_code=HTTP_204_NO_CONTENT
    )
    async def remove_passkey(
        self,
        principal: NamedDependency[Principal],
        passkey_id: RowId,
    ) -> None:
        await service.remove_passkey(principal.account_id, passkey_id)

    @post(
        "/verification",
        operation_id="verifyIdentity",
        status_code=HTTP_200_OK,
        guards=[residents_only, VERIFICATION_LIMIT],
    )
    async def verify_identity(
        self,
        state: State,
        principal: NamedDependency[Principal],
        consent_listeners: NamedDependency[ConsentListeners],
        data: JSONBody[VerificationCode],
    ) -> VerificationDone:
        try:
            result = await service.redeem_activation_code(
                principal, data.code, recovery_hold=recovery_hold(state.settings)
            )
        except service.VerificationLocked as locked:
            seconds = (locked.until - clock.now()).total_seconds()
            raise TooManyRequests(
                Text(
                    "確認コードの入力に続けて失敗したため、しばらく入力できません。",
                    "Too many wrong codes: verification is locked for a while.",
                ),
                retry_after=int(seconds) + 1,
            ) from None
        if not result.recovered:  # consents given before verifying reach the person now
            await service.pass_consents_on(result.account_id, consent_listeners.listeners)
        return VerificationDone(verified=True, recovered=result.recovered, next=result.next_path)

    @delete(
        "/recovery-codes",
        operation_id="cancelRecoveryCodes",
        summary="Void the unused recovery letters issued for the signed-in resident",
        status_code=HTTP_204_NO_CONTENT,
        guards=[residents_only],
    )
    async def cancel_recovery_codes(self, principal: NamedDependency[Principal]) -> None:
        await service.cancel_recovery_codes(principal)

    @post(
        "/counter-code",
        operation_id="counterCode",
        status_code=HTTP_201_CREATED,
        guards=[_per_client("counter-code")],
    )
    async def counter_code(self, principal: NamedDependency[Principal]) -> CounterCode:
        return await service.issue_counter_code(principal)

    @get("/consents", operation_id="getConsents")
    async def get_consents(self, principal: NamedDependency[Principal]) -> Consents:
        return await service.consents(principal.account_id)

    @post("/consents", operation_id="setConsent", status_code=HTTP_200_OK)
    async def set_consent(
        self,
        principal: NamedDependency[Principal],
        consent_listeners: NamedDependency[ConsentListeners],
        data: JSONBody[ConsentChange],
    ) -> Consents:
        """A new grant is passed to the listeners the app wires in (consent to matching:
        every active programme the resident matches tells them before this answers)."""
        return await service.set_consent(
            principal, data.purpose, data.granted, consent_listeners.listeners
        )

    @get("/access-log", operation_id="getAccessLog", summary="Who did what with my data, and why")
    async def access_log(
        self,
        principal: NamedDependency[Principal],
        actor: Annotated[
            str | None,
            Parameter(pattern="^staff$", description="Only what staff did (the newest 200)"),
        ] = None,
    ) -> list[AccessLogEntry]:
        """The newest 200 events about the resident: staff by role and department (never by
        name), why as a code the app has words for."""
        return await access_log_service.access_log(principal, actor)


class DelegationController(Controller):
    path = "/api/me/delegations"
    tags = ["account"]
    guards = [signed_in]

    @get("/", operation_id="listDelegations")
    async def list_delegations(self, principal: NamedDependency[Principal]) -> DelegationList:
        return DelegationList(items=await delegations.list_for(principal))

    @post(
        "/",
        operation_id="offerDelegation",
        status_code=HTTP_201_CREATED,
        guards=[residents_only],
    )
    async def offer(
        self, principal: NamedDependency[Principal], data: JSONBody[DelegationCreate]
    ) -> DelegationOffer:
        return await delegations.offer(principal, data.scope, data.days)

    @post(
        "/accept",
        operation_id="acceptDelegation",
        status_code=HTTP_200_OK,
        guards=[residents_only, DELEGATION_LIMIT],
    )
    async def accept(
        self, principal: NamedDependency[Principal], data: JSONBody[DelegationAccept]
    ) -> DelegationRead:
        delegation_id = await delegations.accept(principal, data.code)
        return next(d for d in await delegations.list_for(principal) if d.id == delegation_id)

    @delete("/{delegation_id:int}", operation_id="revokeDelegation", status_code=204)
    async def revoke(self, principal: NamedDependency[Principal], delegation_id: RowId) -> None:
        await delegations.revoke(principal, delegation_id)
