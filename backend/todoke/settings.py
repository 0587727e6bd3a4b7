"""Settings: read once from ``TODOKE_*`` environment variables into one Struct."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from todoke.web.forwarded import FORWARDED_HEADERS, parse_networks

ENV_PREFIX = "TODOKE_"
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an operator can set. Field ``x`` is read from ``TODOKE_X``."""

    data_dir: str = "var"
    # Empty means the embedded SQLite database at ``<data_dir>/todoke.sqlite3``.
    database_url: str = ""
    # Origins the browser may use to reach us; the first is the canonical one.
    public_origins: tuple[str, ...] = ("http://localhost:8000",)
    # WebAuthn relying party id: the registrable domain of the public origin.
    rp_id: str = "localhost"
    rp_name: str = "Todoke"
    host: str = "127.0.0.1"
    port: int = 8000
    # The municipality this deployment serves first (全国地方公共団体コード).
    municipality_code: str = ""
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    log_level: str = "INFO"
    # Attempts per client address: sign-up, sign-in and passkey ceremonies per minute,
    # activation codes per ten minutes (on top of the per-account lock after five misses).
    auth_rate_limit: int = 30
    verification_rate_limit: int = 10
    # Reverse proxies (addresses or networks, e.g. 127.0.0.1,10.0.0.0/8) whose forwarded
    # headers are believed; empty: none are, and the client is the connection's peer.
    trusted_proxies: tuple[str, ...] = ()
    # The header those proxies write the client into: x-forwarded-for or forwarded.
    forwarded_header: str = "x-forwarded-for"
    # A recovery letter's code works only this many hours after it was issued; the account
    # it would take over is told at once and may cancel it meanwhile.
    recovery_hold_hours: int = 72
    # JSON request bodies; registry files sent over the API have their own, larger cap.
    max_body_bytes: int = 1_048_576
    max_import_bytes: int = 64 * 1_048_576
    # A resident's attachment (a scan or a photo of a document).
    max_attachment_bytes: int = 10 * 1_048_576
    # What one account may store per day (Japan time): files and bytes, counted in the database.
    upload_daily_files: int = 50
    upload_daily_bytes: int = 50 * 1_048_576
    # Web push: the contact push services see in every VAPID token (mailto: or https:).
    vapid_subject: str = "mailto:todoke-operators@example.jp"
    # Run the delivery worker inside the web process (the embedded default); production
    # runs `todoke worker` processes instead and sets this to false.
    embedded_worker: bool = True
    # Non-urgent pushes wait out these hours (Japan time); the inbox is updated at once.
    quiet_hours: str = "21:00-08:00"
    push_max_attempts: int = 8
    # How long a worker holds claimed deliveries; a dead worker's claims expire after it.
    push_lease_seconds: int = 120
    push_ttl_seconds: int = 4 * 24 * 3600
    # Plain-http push endpoints on loopback (the tests' local push service only).
    push_allow_http: bool = False
    # An HTTP proxy between us and the push services (http://[user:password@]host:port),
    # where the municipality's network reaches the internet only through one.
    push_proxy: str = ""
    # The push services browsers subscribe with. An endpoint elsewhere is refused: otherwise
    # anyone who can subscribe could make the server POST to an address of their choosing.
    letter_font: str = ""  # outreach letters' Japanese font file; empty: the system's IPAex/Noto
    push_service_hosts: tuple[str, ...] = (
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        ".push.services.mozilla.com",
        "web.push.apple.com",
        ".notify.windows.com",
    )
    # Email: the SMTP server notices are mailed through: smtp://host[:25] (plain),
    # smtp+starttls://host[:587], smtps://host[:465] (TLS from the start), each with an
    # optional user:password@. Empty (the demo): every message is written to
    # <data_dir>/mail/*.eml and to the log instead of being sent.
    smtp_url: str = ""
    # The From address; empty means todoke@<host of the canonical origin>.
    mail_from: str = ""
    # Tries before an email that keeps failing for a passing reason is given up (dead).
    mail_max_attempts: int = 8
    # The bearer token a Prometheus scraper sends for GET /metrics; empty: no metrics (404).
    metrics_token: str = ""
    # The platform operator's bearer token for /api/platform (add a municipality, list those
    # served; nothing of theirs); empty: that API is off (every call 401).
    platform_token: str = ""
    # Send a Server-Timing header (database time and statements, session lookup) with
    # every answer: for the HTTP benchmark and staging, not production (it tells any
    # caller how long the database took).
    server_timing: bool = False

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def database_path(self) -> Path:
        return self.data_path / "todoke.sqlite3"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def serves_https(self) -> bool:
        return urlsplit(self.public_origins[0]).scheme == "https"

    @property
    def mail_sender(self) -> str:
        host = urlsplit(self.public_origins[0]).hostname or "localhost"
        return self.mail_from or f"todoke@{host}"

    def mail_sender_for(self, origin: str | None) -> str:
        """The From address of a municipality's email: at its own origin's host when it has
        one (ひがし町's mail never comes from とどけ市's domain), else the deployment's."""
        if not origin:
            return self.mail_sender
        local = self.mail_from.rpartition("@")[0] or "todoke"
        return f"{local}@{urlsplit(origin).hostname}"


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from the environment (or ``environ``), then apply ``overrides``.

    Raises ``ValueError`` naming the variable when a value does not parse, so a
    mistyped deployment fails at start rather than at the first request.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        value = env.get(ENV_PREFIX + field.name.upper())
        if value is None or value == "":
            continue
        if field.name == "public_origins":
            raw[field.name] = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        elif field.name == "push_service_hosts":
            raw[field.name] = [h.strip().lower() for h in value.split(",") if h.strip()]
        elif field.name == "trusted_proxies":
            raw[field.name] = [p.strip() for p in value.split(",") if p.strip()]
        else:
            raw[field.name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if "rp_id" not in raw and "public_origins" in raw:
        # The RP ID is the host of the canonical origin unless told otherwise.
        origins = raw["public_origins"]
        first = origins[0] if isinstance(origins, list | tuple) and origins else ""
        raw["rp_id"] = urlsplit(str(first)).hostname or "localhost"
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid TODOKE_* setting: {exc}") from exc
    if not settings.public_origins:
        raise ValueError("TODOKE_PUBLIC_ORIGINS must name at least one origin")
    if settings.database_url and not (
        settings.is_postgres or settings.database_url.startswith("sqlite:///")
    ):
        raise ValueError("TODOKE_DATABASE_URL must be postgresql://… or sqlite:///path")
    try:
        parse_networks(settings.trusted_proxies)
    except ValueError as exc:
        raise ValueError(f"TODOKE_TRUSTED_PROXIES: {exc}") from exc
    if settings.forwarded_header not in FORWARDED_HEADERS:
        raise ValueError(f"TODOKE_FORWARDED_HEADER must be one of {', '.join(FORWARDED_HEADERS)}")
    if settings.smtp_url:
        parts = urlsplit(settings.smtp_url)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:  # not a number, or out of range
            port_ok = False
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname or not port_ok:
            raise ValueError(
                "TODOKE_SMTP_URL must be smtp://, smtp+starttls:// or "
                "smtps://[user:password@]host[:port]"
            )
    if settings.mail_from and (
        settings.mail_from.count("@") != 1 or any(c in settings.mail_from for c in " <>\r\n")
    ):
        raise ValueError("TODOKE_MAIL_FROM must be one plain address (name@domain)")
    return settings
