"""WebAuthn ceremonies with py_webauthn: challenges kept server-side, single use, short-lived
and bound to the browser that asked for them; user verification always required."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import msgspec
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from todoke import clock
from todoke.codes import b64url_decode, b64url_encode, secret_hash
from todoke.db import write_transaction
from todoke.errors import InvalidInput, Text
from todoke.identity.schemas import AssertionResult, CeremonyData, StoredPasskey, TakenCeremony
from todoke.registry.schemas import MunicipalityRead
from todoke.settings import Settings

CEREMONY_MINUTES = 5
# A confirmation with the passkey is made on the spot: an assertion older than this is stale.
STEP_UP_MINUTES = 2
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]

REFUSED = InvalidInput(
    Text(
        "パスキーを確認できませんでした。もう一度お試しください。",
        "The passkey could not be verified. Please try again.",
    )
)


def relying_party(settings: Settings, municipality: MunicipalityRead) -> tuple[str, list[str]]:
    """Whom a passkey is made for and where it may be used: a municipality reached at its
    own origin is its own relying party (a passkey made at one never signs in at another);
    the others share the deployment's (TODOKE_RP_ID, TODOKE_PUBLIC_ORIGINS)."""
    if municipality.origin:
        return urlsplit(municipality.origin).hostname or "", [municipality.origin]
    return settings.rp_id, list(settings.public_origins)


def decoded(text: Any) -> bytes:
    """base64url from the browser; anything else (or absurdly long) is ``REFUSED``."""
    if not isinstance(text, str) or len(text) > 4096:
        raise REFUSED
    try:
        return b64url_decode(text)
    except ValueError:
        raise REFUSED from None


def binding_hash(binding: str) -> str:
    return secret_hash(binding)


async def _store(
    municipality_id: int,
    purpose: str,
    challenge: bytes,
    binding: str,
    account: int | None,
    data: CeremonyData,
    minutes: int = CEREMONY_MINUTES,
) -> None:
    now = clock.now()
    async with write_transaction() as sql:
        # Expired ceremonies are worthless: clear them as new ones are made.
        await sql.execute("DELETE FROM ceremony WHERE expires_at < ?", [now - timedelta(hours=1)])
        await sql.execute(
            "INSERT INTO ceremony (municipality, challenge, purpose, binding_hash, account, data, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                municipality_id,
                b64url_encode(challenge),
                purpose,
                binding_hash(binding),
                account,
                msgspec.json.encode(data).decode(),
                now,
                now + timedelta(minutes=minutes),
            ],
        )


async def registration_options(
    *,
    municipality_id: int,
    rp_id: str,
    rp_name: str,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    exclude: list[str],
    purpose: str,
    binding: str,
    account: int | None = None,
    data: CeremonyData | None = None,
) -> msgspec.Raw:
    """Options for navigator.credentials.create(): a discoverable credential, user
    verification required, no attestation, the account's passkeys excluded."""
    challenge = secrets.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=CEREMONY_MINUTES * 60_000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=decoded(c)) for c in exclude],
        supported_pub_key_algs=ALGORITHMS,
    )
    data = msgspec.structs.replace(data or CeremonyData(), user_handle=b64url_encode(user_handle))
    await _store(municipality_id, purpose, challenge, binding, account, data)
    return _as_json(options_to_json(options))


def _as_json(options: str) -> msgspec.Raw:
    # py_webauthn writes the standard JSON form itself; re-encoded compact (and UTF-8
    # rather than \u escapes), as every other answer of the API.
    return msgspec.Raw(msgspec.json.encode(msgspec.json.decode(options)))


async def authentication_options(*, municipality_id: int, rp_id: str, binding: str) -> msgspec.Raw:
    """Options for navigator.credentials.get(): usernameless (no allowCredentials), UV required."""
    return await _request_options(
        municipality_id, rp_id, binding, purpose="authenticate", minutes=CEREMONY_MINUTES
    )


async def step_up_options(
    *,
    municipality_id: int,
    rp_id: str,
    binding: str,
    account: int,
    credential_ids: list[str],
    bound_to: str,
) -> msgspec.Raw:
    """Options for navigator.credentials.get() that confirm one action (``bound_to``) with
    the signed-in account's own passkey, user verification required, within
    STEP_UP_MINUTES: only that account's credentials are offered."""
    return await _request_options(
        municipality_id,
        rp_id,
        binding,
        purpose="step_up",
        minutes=STEP_UP_MINUTES,
        account=account,
        allowed=credential_ids,
        data=CeremonyData(bound_to=bound_to),
    )


async def _request_options(
    municipality_id: int,
    rp_id: str,
    binding: str,
    *,
    purpose: str,
    minutes: int,
    account: int | None = None,
    allowed: list[str] | None = None,
    data: CeremonyData | None = None,
) -> msgspec.Raw:
    """navigator.credentials.get() options with user verification required, their challenge
    stored as a ceremony of ``purpose`` that lasts ``minutes``."""
    challenge = secrets.token_bytes(32)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=minutes * 60_000,
        user_verification=UserVerificationRequirement.REQUIRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=decoded(c)) for c in allowed or []],
    )
    await _store(
        municipality_id, purpose, challenge, binding, account, data or CeremonyData(), minutes
    )
    return _as_json(options_to_json(options))


def _client_challenge(credential: dict[str, Any]) -> str:
    response = credential.get("response")
    if not isinstance(response, dict):
        raise REFUSED
    try:
        client_data = msgspec.json.decode(decoded(response.get("clientDataJSON", "")))
        challenge = client_data["challenge"]
    except (ValueError, KeyError, TypeError):  # msgspec.DecodeError is a ValueError
        raise REFUSED from None
    if not isinstance(challenge, str):
        raise REFUSED
    return challenge


class _Ceremony(msgspec.Struct, frozen=True):
    challenge: str
    account: int | None
    data: dict[str, Any]


async def take_ceremony(
    municipality_id: int, credential: dict[str, Any], purpose: str, binding: str
) -> TakenCeremony:
    """Use up the ceremony this credential answers: it must exist, be unused, unexpired,
    for this purpose and this browser. A replay finds it used."""
    challenge = _client_challenge(credential)
    now = clock.now()
    async with write_transaction() as sql:
        taken = await sql.row(
            _Ceremony,
            "UPDATE ceremony SET used_at = ? WHERE municipality = ? AND challenge = ? "
            "AND purpose = ? AND binding_hash = ? AND used_at IS NULL AND expires_at > ? "
            "RETURNING challenge, account, data",
            [now, municipality_id, challenge, purpose, binding_hash(binding), now],
        )
    if taken is None:
        raise InvalidInput(
            Text(
                "確認の有効期限が切れたか、すでに使われています。最初からやり直してください。",
                "This sign-in request expired or was already used. Please start again.",
            )
        )
    return TakenCeremony(
        challenge=decoded(taken.challenge),
        account=taken.account,
        data=msgspec.convert(taken.data or {}, CeremonyData),
    )


def verify_registration(
    credential: dict[str, Any],
    *,
    challenge: bytes,
    rp_id: str,
    origins: list[str],
    user_handle: str,
) -> StoredPasskey:
    """The new passkey's stored form, or ``REFUSED``."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    # Any failure, including malformed input py_webauthn reports with its own exception types.
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError):
        raise REFUSED from None
    transports = credential.get("response", {}).get("transports") or []
    return StoredPasskey(
        credential_id=b64url_encode(verified.credential_id),
        public_key=b64url_encode(verified.credential_public_key),
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backup_eligible=verified.credential_device_type.value == "multi_device",
        backup_state=verified.credential_backed_up,
        transports=[t for t in transports if isinstance(t, str)][:8],
        user_handle=user_handle,
    )


async def finish_registration(
    credential: dict[str, Any],
    *,
    municipality_id: int,
    purpose: str,
    binding: str,
    rp_id: str,
    origins: list[str],
) -> tuple[TakenCeremony, StoredPasskey]:
    """Use up the ceremony and verify the new credential: (ceremony, stored passkey)."""
    ceremony = await take_ceremony(municipality_id, credential, purpose, binding)
    stored = verify_registration(
        credential,
        challenge=ceremony.challenge,
        rp_id=rp_id,
        origins=origins,
        user_handle=ceremony.data.user_handle,
    )
    return ceremony, stored


class SignCountRegression(Exception):
    """The authenticator's counter did not move forward: possibly a cloned authenticator."""


def verify_assertion(
    credential: dict[str, Any],
    *,
    challenge: bytes,
    rp_id: str,
    origins: list[str],
    public_key: str,
    sign_count: int,
) -> AssertionResult:
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=decoded(public_key),
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except InvalidAuthenticationResponse as problem:
        if "sign count" in str(problem).lower():
            raise SignCountRegression from None
        raise REFUSED from None
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError):
        raise REFUSED from None
    return AssertionResult(
        sign_count=verified.new_sign_count, backup_state=verified.credential_backed_up
    )


def credential_id_of(credential: dict[str, Any]) -> str:
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        raise REFUSED
    return b64url_encode(decoded(raw))
