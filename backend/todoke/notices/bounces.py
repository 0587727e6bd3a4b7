"""Bounces that come back later: a mail server that first accepted a notice email may
return it hours after, as a delivery status notification (DSN, RFC 3464) to the envelope
sender. The mail system hands each returned message to ``todoke mail-bounce`` (Postfix: a
``pipe`` transport for the sender address, see deploy/README.md), which marks the address
bounced exactly as a 5xx at sending time does: nothing more is mailed to it until the
resident enters it again.

Anyone can send a message that looks like a DSN to the bounce address, so a report counts
only when it returns the ``Message-ID`` of an email we sent (made with the outbox's secret
key, so it cannot be guessed) and names that email's own recipient as failed for good
(``Action: failed``, a ``5.x.x`` status). Delays, warnings and anything else change nothing.
"""

from __future__ import annotations

import email
import email.policy
import logging
from email.message import Message

import msgspec

from todoke import clock
from todoke.db import write_transaction

logger = logging.getLogger("todoke.mail")


class Failure(msgspec.Struct, frozen=True):
    """One recipient a DSN reports as failed for good, and the email it returns."""

    recipient: str
    status: str
    diagnostic: str
    message_id: str


def permanent_failures(raw: bytes) -> list[Failure]:
    """The permanent failures a DSN reports (none for anything that is not a DSN)."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    if report.get_content_type() != "multipart/report":
        return []
    if str(report.get_param("report-type") or "").lower() != "delivery-status":
        return []
    returned = _returned_message_id(report)
    if not returned:
        return []
    failures = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        # The first block is about the message; each further one is about one recipient.
        for block in blocks[1:]:
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            address = recipient.partition(";")[2].strip().strip("<>")
            if action == "failed" and status.startswith("5.") and address:
                diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
                failures.append(Failure(address, status, diagnostic[:250], returned))
    return failures


def _returned_message_id(report: Message) -> str:
    """The Message-ID of the returned email, from its headers (text/rfc822-headers) or the
    whole returned message (message/rfc822)."""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            headers = email.message_from_bytes(
                payload if isinstance(payload, bytes) else b"", policy=email.policy.compat32
            )
            found = headers.get("Message-ID")
        elif kind == "message/rfc822":
            inner = part.get_payload()
            returned = inner[0] if isinstance(inner, list) and inner else None
            found = returned.get("Message-ID") if isinstance(returned, Message) else None
        else:
            continue
        if found:
            return str(found).strip()
    return ""


async def record_bounces(raw: bytes) -> int:
    """Mark bounced the address of each email a DSN returns as failed for good; returns how
    many addresses were marked. Queued emails to a bounced address are cancelled."""
    marked = 0
    now = clock.now()
    for failure in permanent_failures(raw):
        async with write_transaction() as sql:
            found = await sql.fetch(
                "SELECT d.id, a.id, a.address FROM email_delivery d "
                "JOIN email_address a ON a.id = d.email_address WHERE d.message_id = ?",
                [failure.message_id],
            )
            if not found:
                logger.info("a bounce for an email we did not send: ignored")
                continue
            delivery_id, address_id, address = found[0]
            if address.lower() != failure.recipient.lower():
                logger.info("a bounce naming another recipient than the email's: ignored")
                continue
            reason = f"{failure.status} {failure.diagnostic}".strip()[:300]
            await sql.execute(
                "UPDATE email_delivery SET status = 'bounced', last_error = ? "
                "WHERE id = ? AND status = 'sent'",
                [reason, delivery_id],
            )
            updated = await sql.fetch(
                "UPDATE email_address SET bounced_at = ?, bounce_reason = ?, updated_at = ? "
                "WHERE id = ? AND address = ? AND bounced_at IS NULL RETURNING id",
                [now, reason, now, address_id, address],
            )
            await sql.execute(
                "UPDATE email_delivery SET status = 'cancelled', claimed_until = NULL, "
                "last_error = 'the address bounced' WHERE email_address = ? AND status = 'queued'",
                [address_id],
            )
            marked += len(updated)
    return marked
