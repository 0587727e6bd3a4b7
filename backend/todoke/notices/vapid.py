"""VAPID key rotation (``todoke rotate-vapid``) and the keyring the push worker signs with.

A browser's push subscription is bound to the application server key it was made with: a
push service refuses a push signed with any other key (FCM and Apple with 403, Mozilla with
401). So a rotation keeps the old key, and the worker goes on signing with it for the
subscriptions made before the rotation, until those devices resubscribe — which the app does
by itself the next time it starts (``pwa/assets/js/push.js`` compares the key it subscribed
with to ``/api/push/public-key`` and subscribes again when they differ). New subscriptions
get the new key at once: ``/api/push/public-key`` reads the key file on every request.

The data folder's ``vapid/`` then holds:

- ``private_key.pem``: the current key;
- ``retired/<UTC time>.pem``: each earlier key, named by when it was retired: a
  subscription made before that time (and after the one before) was made with it;
- ``first_key.pem``: the deployment's first key, from which the secrets keyed on the VAPID
  key (email links, push topics) are derived, so that they outlive rotations. Never delete
  it; a retired key can go once no subscription older than its retirement remains (the
  runbook has the query).

Which key a subscription was made with is read from its ``created_at``. A browser that
subscribed after the rotation with a public key it fetched (or had cached) before it gets a
push signed with the wrong key; the push service refuses it (401/403) and the worker tries
the keyring's other keys at once, so that costs one extra request per push until the
device's next start, and nothing is lost.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from todoke import clock
from todoke.notices.webpush import VapidKeys, VapidSigner

RETIRED = "retired"
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Rotation:
    retired_public_key: str
    new_public_key: str
    retired_at: datetime
    retired_file: Path


def rotate(folder: Path) -> Rotation:
    """Retire the current key (kept under ``retired/``), keep the first key for derived
    secrets, and put a new key in place (replaced atomically: a process reading the key
    file sees the old key or the new one, never a half-written file)."""
    current = VapidKeys.load_or_create(folder)
    first = folder / VapidKeys.FIRST_FILE_NAME
    if not first.exists():
        _write(first, (folder / VapidKeys.FILE_NAME).read_bytes(), replace=False)
    retired_at = clock.now().astimezone(UTC)
    retired_dir = folder / RETIRED
    retired_dir.mkdir(mode=0o700, exist_ok=True)
    retired_file = retired_dir / f"{retired_at.strftime(_STAMP)}.pem"
    _write(retired_file, current.to_pem(), replace=False)
    new = VapidKeys.generate()
    _write(folder / VapidKeys.FILE_NAME, new.to_pem(), replace=True)
    return Rotation(
        retired_public_key=current.public_key_b64url,
        new_public_key=new.public_key_b64url,
        retired_at=retired_at,
        retired_file=retired_file,
    )


def _write(path: Path, data: bytes, *, replace: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:  # mkstemp made it 0600
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # never over an existing file
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class Keyring:
    """The current key and the retired ones, as signers: ``signer_for(created_at)`` is the
    signer of the key a subscription made at ``created_at`` is bound to. ``reload_if_rotated``
    (a stat of the key file) lets a running worker follow a rotation without a restart."""

    def __init__(self, folder: Path, subject: str) -> None:
        self.folder = folder
        self.subject = subject
        self._load()

    def _load(self) -> None:
        self.current = VapidKeys.load_or_create(self.folder)
        self.signer = VapidSigner(self.current, self.subject)
        retired: list[tuple[datetime, VapidSigner]] = []
        for path in sorted((self.folder / RETIRED).glob("*.pem")):
            with contextlib.suppress(ValueError):  # not one of ours: ignored
                at = datetime.strptime(path.stem, _STAMP).replace(tzinfo=UTC)
                retired.append((at, VapidSigner(VapidKeys.from_pem(path.read_bytes()),
                                                self.subject)))  # fmt: skip
        self._retired_at = [at for at, _ in retired]
        self._retired = [signer for _, signer in retired]
        self._stamp = self._key_stamp()

    def _key_stamp(self) -> tuple[int, int]:
        found = (self.folder / VapidKeys.FILE_NAME).stat()  # a rotation: new inode and time
        return found.st_ino, found.st_mtime_ns

    def reload_if_rotated(self) -> bool:
        try:
            changed = self._key_stamp() != self._stamp
        except FileNotFoundError:
            return False
        if changed:
            self._load()
        return changed

    def signers(self) -> list[VapidSigner]:
        """Every key, the current first, then the retired ones from the newest."""
        return [self.signer, *reversed(self._retired)]

    def signer_for(self, created_at: datetime | str | None) -> VapidSigner:
        """The key current when the subscription was made: the first retired after it."""
        if not self._retired or created_at is None:
            return self.signer
        if isinstance(created_at, str):  # SQLite hands back the stored text
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        index = bisect.bisect_right(self._retired_at, created_at)
        return self._retired[index] if index < len(self._retired) else self.signer
