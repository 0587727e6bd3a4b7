"""A software WebAuthn authenticator for API tests: discoverable ES256 passkeys, no browser.

It plays both the authenticator and the browser's part of a ceremony: it takes the options JSON
a relying party sends (what py_webauthn's ``options_to_json`` produces) and returns the
credential JSON a browser would post back (``PublicKeyCredential.toJSON()``), base64url without
padding throughout.

Unlike a browser it never refuses on the relying party's behalf: it signs for whatever origin it
is given, reports a missing user verification honestly instead of failing, and can hash another
RP ID (``rp_id_override``), so hostile tests can check that the server does the refusing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "CredentialInfo",
    "InvalidStateError",
    "NoCredentialError",
    "NotSupportedError",
    "SoftAuthenticator",
    "b64url_decode",
    "b64url_encode",
    "tamper_signature",
]

ES256 = -7
MAX_SIGN_COUNT = 2**32 - 1

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40


class SoftAuthenticatorError(Exception):
    """Base of the ceremony errors, named after the DOMExceptions a browser raises."""


class InvalidStateError(SoftAuthenticatorError):
    """create(): a credential in excludeCredentials is already on this authenticator."""


class NotSupportedError(SoftAuthenticatorError):
    """create(): the relying party offers no algorithm this authenticator has (it has ES256)."""


class NoCredentialError(SoftAuthenticatorError):
    """get(): no credential on this authenticator matches the RP ID and allowCredentials."""


class CredentialInfo(NamedTuple):
    """One stored credential, as listed by ``SoftAuthenticator.credentials``."""

    credential_id: str
    rp_id: str
    user_handle: str
    sign_count: int


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url, with or without padding."""
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tamper_signature(response: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an authentication response with one signature byte flipped.

    The last byte changes, so the DER structure still parses and only the check fails.
    """
    tampered = copy.deepcopy(response)
    signature = bytearray(b64url_decode(tampered["response"]["signature"]))
    signature[-1] ^= 0x01
    tampered["response"]["signature"] = b64url_encode(bytes(signature))
    return tampered


@dataclass
class _Credential:
    credential_id: bytes
    rp_id: str
    user_handle: bytes
    private_key: ec.EllipticCurvePrivateKey
    sign_count: int = 0


def _rp_id_from_origin(origin: str) -> str:
    host = urlsplit(origin).hostname
    if not host:
        raise ValueError(f"origin {origin!r} has no host to default the RP ID to")
    return host


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    # Member order as browsers write it (WebAuthn §5.8.1.2, limited verification algorithm).
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def _cose_ec2(public_key: ec.EllipticCurvePublicKey) -> bytes:
    numbers = public_key.public_numbers()
    # kty EC2, alg ES256, crv P-256, x, y (RFC 9053 §7.1.1).
    return cbor2.dumps(
        {
            1: 2,
            3: ES256,
            -1: 1,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        },
        canonical=True,
    )


class SoftAuthenticator:
    """A platform authenticator holding any number of discoverable ES256 credentials."""

    def __init__(
        self,
        *,
        user_verification: bool = True,
        counting: bool = True,
        backup_eligible: bool = False,
        backup_state: bool = False,
        aaguid: bytes = bytes(16),
    ) -> None:
        """Configure the flags and counter behaviour every ceremony reports.

        ``counting=False`` always reports a sign count of 0, as synced passkeys do.
        ``backup_state`` without ``backup_eligible`` is allowed, for hostile tests.
        """
        if len(aaguid) != 16:
            raise ValueError("aaguid must be 16 bytes")
        self.user_verification = user_verification
        self.counting = counting
        self.backup_eligible = backup_eligible
        self.backup_state = backup_state
        self.aaguid = aaguid
        self._credentials: list[_Credential] = []

    tamper_signature = staticmethod(tamper_signature)

    @property
    def credentials(self) -> list[CredentialInfo]:
        """The stored credentials, oldest first."""
        return [
            CredentialInfo(
                b64url_encode(c.credential_id), c.rp_id, b64url_encode(c.user_handle), c.sign_count
            )
            for c in self._credentials
        ]

    def set_counter(self, credential_id: str, value: int) -> None:
        """Set a credential's stored counter; the next counting assertion reports value + 1.

        Setting it below what the server last saw simulates a cloned authenticator.
        """
        if not 0 <= value < MAX_SIGN_COUNT:
            raise ValueError("sign count must fit in 32 bits")
        self._find(b64url_decode(credential_id)).sign_count = value

    def create(
        self, options: dict[str, Any], origin: str, *, rp_id_override: str | None = None
    ) -> dict[str, Any]:
        """Answer PublicKeyCredentialCreationOptions JSON with a registration response JSON.

        Attestation "none". A credential for the same RP ID and user handle is replaced, as a
        CTAP2 authenticator does with resident credentials.
        """
        rp_id = options.get("rp", {}).get("id") or _rp_id_from_origin(origin)
        user_handle = b64url_decode(options["user"]["id"])
        algs = [p.get("alg") for p in options.get("pubKeyCredParams", [])]
        if algs and ES256 not in algs:
            raise NotSupportedError(f"no ES256 among pubKeyCredParams {algs}")
        for descriptor in options.get("excludeCredentials") or []:
            excluded = b64url_decode(descriptor["id"])
            if any(c.credential_id == excluded and c.rp_id == rp_id for c in self._credentials):
                raise InvalidStateError(
                    "a credential in excludeCredentials is on this authenticator"
                )

        credential = _Credential(
            credential_id=secrets.token_bytes(32),
            rp_id=rp_id,
            user_handle=user_handle,
            private_key=ec.generate_private_key(ec.SECP256R1()),
        )
        public_key = credential.private_key.public_key()
        cose_key = _cose_ec2(public_key)
        attested = (
            self.aaguid
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + cose_key
        )
        auth_data = self._auth_data(rp_id_override or rp_id, 0, FLAG_AT) + attested
        attestation_object = cbor2.dumps(
            {"fmt": "none", "attStmt": {}, "authData": auth_data}, canonical=True
        )
        client_data = _client_data("webauthn.create", options["challenge"], origin)

        self._credentials = [
            c for c in self._credentials if (c.rp_id, c.user_handle) != (rp_id, user_handle)
        ]
        self._credentials.append(credential)

        credential_id = b64url_encode(credential.credential_id)
        spki = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "attestationObject": b64url_encode(attestation_object),
                "transports": ["internal"],
                # The Level 3 convenience members browsers add to toJSON().
                "authenticatorData": b64url_encode(auth_data),
                "publicKey": b64url_encode(spki),
                "publicKeyAlgorithm": ES256,
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        credential_id: str | None = None,
        rp_id_override: str | None = None,
    ) -> dict[str, Any]:
        """Answer PublicKeyCredentialRequestOptions JSON with an authentication response JSON.

        Picks ``credential_id`` if given, else the most recent credential for the RP ID (within
        allowCredentials when that is not empty). Signs with ES256 over
        authenticatorData || SHA-256(clientDataJSON).
        """
        rp_id = options.get("rpId") or _rp_id_from_origin(origin)
        candidates = [c for c in self._credentials if c.rp_id == rp_id]
        allowed = {b64url_decode(d["id"]) for d in options.get("allowCredentials") or []}
        if allowed:
            candidates = [c for c in candidates if c.credential_id in allowed]
        if credential_id is not None:
            wanted = b64url_decode(credential_id)
            candidates = [c for c in candidates if c.credential_id == wanted]
        if not candidates:
            raise NoCredentialError(f"no credential for RP ID {rp_id!r} matches")
        credential = candidates[-1]

        if self.counting:
            if credential.sign_count >= MAX_SIGN_COUNT:
                raise ValueError("sign count would overflow 32 bits")
            credential.sign_count += 1
        auth_data = self._auth_data(
            rp_id_override or rp_id, credential.sign_count if self.counting else 0, 0
        )
        client_data = _client_data("webauthn.get", options["challenge"], origin)
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )

        cid = b64url_encode(credential.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
                "userHandle": b64url_encode(credential.user_handle),
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def _auth_data(self, rp_id: str, sign_count: int, extra_flags: int) -> bytes:
        flags = FLAG_UP | extra_flags
        if self.user_verification:
            flags |= FLAG_UV
        if self.backup_eligible:
            flags |= FLAG_BE
        if self.backup_state:
            flags |= FLAG_BS
        rp_id_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_id_hash + struct.pack(">BI", flags, sign_count)

    def _find(self, credential_id: bytes) -> _Credential:
        for credential in self._credentials:
            if credential.credential_id == credential_id:
                return credential
        raise NoCredentialError("no such credential on this authenticator")
