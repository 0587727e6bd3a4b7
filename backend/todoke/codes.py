"""One-time codes typed by people (activation letters, counter checks, delegations,
assisted filings), and base64url as the web standards use it.

One alphabet, one canonical form, one hash: a code printed by one part of the service
is read back the same way by every other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import unicodedata

# No 0/O, 1/I/L: codes are read from paper, said aloud at a counter and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUP = 4


def new_code(groups: int = 3) -> str:
    """A fresh code of ``groups`` groups of four characters, e.g. ``K7QP-3MZX-9TRA``."""
    return canonical_code("".join(secrets.choice(ALPHABET) for _ in range(groups * GROUP)))


def canonical_code(code: str) -> str:
    """The code as stored and compared: full-width folded, upper case, anything but
    letters and digits dropped, in hyphenated groups of four."""
    folded = unicodedata.normalize("NFKC", code).upper()
    cleaned = "".join(c for c in folded if c.isascii() and c.isalnum())
    return "-".join(cleaned[i : i + GROUP] for i in range(0, len(cleaned), GROUP))


def code_hash(code: str) -> str:
    """What the database keeps of a code (never the code itself)."""
    return secret_hash(canonical_code(code))


def secret_hash(secret: str) -> str:
    """SHA-256 of a random secret (session tokens, invites): these carry enough entropy
    that a plain hash is the right store; codes go through ``code_hash``."""
    return hashlib.sha256(secret.encode()).hexdigest()


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as WebAuthn and Web Push write it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without its padding; ``ValueError`` for anything else
    (other alphabets, whitespace, wrong padding, an impossible length)."""
    if not isinstance(text, str):
        raise ValueError("not base64url")
    unpadded = text.rstrip("=")
    if not _B64URL.fullmatch(unpadded) or (text != unpadded and len(text) % 4):
        raise ValueError("not base64url")
    if len(unpadded) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error
