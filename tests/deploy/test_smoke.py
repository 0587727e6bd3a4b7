"""The production layout of deploy/, brought up on this machine and used as a resident would.

What systemd would start is started directly, with the same environment file
(``deploy/todoke.env.example`` with this machine's values) and nginx with ``deploy/nginx.conf``
rendered for loopback (free ports, a self-signed certificate made with openssl):

    todoke migrate → todoke init-municipality → a registry import → an activation code
    → nginx (TLS, HTTP/2) → todoke serve ×2 → todoke worker ×2, all on a fresh PostgreSQL database

Then, over HTTPS through nginx: /readyz answers; a resident registers with a passkey, is
verified by the activation code, signs out and in again, subscribes to push, and files a
procedure (its retry with the same Idempotency-Key is the same filing); a worker delivers
the notice to the (local) push service; /metrics is refused from outside and, on the
loopback scrape port, counts the requests of both web processes. Everything is torn down.

Run it: ``bash deploy/smoke.sh`` (needs nginx, openssl and PostgreSQL at 127.0.0.1:5432;
another server: TODOKE_SMOKE_POSTGRES=postgresql://user@host:port/postgres).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from layout import (
    ADMIN_DSN,
    DEPLOY,
    MUNICIPALITY_CODE,
    Layout,
    activation_codes,
    admin_sql,
    filing,
    free_port,
    prepare_deployment,
    render_env,
    server_dsn,
    sign_up,
    wait_until,
)
from layout import say as _say
from push_double import PushDouble

METRICS_TOKEN = "smoke-metrics-token-" + os.urandom(8).hex()

pytestmark = pytest.mark.deploy


def say(message: str) -> None:
    _say(message, tag="smoke")


def render_nginx(folder: Path, ports: dict[str, int], cert: Path, key: Path) -> Path:
    """deploy/nginx.conf for loopback; each substitution must hit, or the file changed
    in a way this rendering no longer follows (and the smoke would test something else)."""
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    rules = [
        (r"server 127\.0\.0\.1:8001;", f"server 127.0.0.1:{ports['web1']};"),
        (r"server 127\.0\.0\.1:8002;", f"server 127.0.0.1:{ports['web2']};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;"),
        (r"listen \[::\]:443 ssl http2;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{ports['http']};"),
        (r"listen \[::\]:80;\n", ""),
        (r"listen 127\.0\.0\.1:9180;", f"listen 127.0.0.1:{ports['scrape']};"),
        (r"ssl_certificate +/etc/letsencrypt/\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key +/etc/letsencrypt/\S+;", f"ssl_certificate_key {key};"),
        (r"server_name todoke\.city\.example\.jp;", "server_name localhost;"),
    ]
    for pattern, replacement in rules:
        site, hits = re.subn(pattern, replacement, site)
        assert hits, f"deploy/nginx.conf no longer has {pattern!r}"
    (folder / "site.conf").write_text(site, encoding="utf-8")
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # nobody could not read the temp dirs
    main = f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    path = folder / "nginx-main.conf"
    path.write_text(main, encoding="utf-8")
    return path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[Layout]:
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is not installed (apt-get install nginx openssl)")
    running = Layout(tmp_path, prefix="todoke_smoke", tag="smoke")
    admin_sql(f"CREATE DATABASE {running.database}")
    try:
        yield running
    finally:
        running.stop()
        admin_sql(f"DROP DATABASE IF EXISTS {running.database} WITH (FORCE)")
        say("torn down: processes stopped, database dropped")


def test_the_production_layout_serves_a_resident_through_nginx(layout: Layout) -> None:
    started = time.monotonic()
    folder = layout.folder
    ports = {name: free_port() for name in ("https", "http", "scrape", "web1", "web2")}
    origin = f"https://localhost:{ports['https']}"
    cert, key = make_certificate(folder)

    with PushDouble() as push:
        env_file = render_env(
            folder,
            {
                "TODOKE_DATABASE_URL": server_dsn(ADMIN_DSN, layout.database),
                "TODOKE_DATA_DIR": str(folder / "data"),
                "TODOKE_PUBLIC_ORIGINS": origin,
                "TODOKE_MUNICIPALITY_CODE": MUNICIPALITY_CODE,
                "TODOKE_METRICS_TOKEN": METRICS_TOKEN,
                "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
                "TODOKE_LOG_LEVEL": "WARNING",
            },
            extra={
                # This machine's push service is the local double (plain http on loopback).
                "TODOKE_PUSH_ALLOW_HTTP": "true",
                # Never quiet: the push of the filing must not wait for 08:00 in Japan
                # (the smoke would fail whenever it runs between 21:00 and 08:00 JST).
                "TODOKE_QUIET_HOURS": "00:00-00:00",
            },
        )
        layout.environment(env_file)
        say(f"environment file {env_file}, database {layout.database}")

        # What todoke-migrate.service and the runbook's first start do.
        adults = prepare_deployment(layout, persons=30)
        [code] = activation_codes(layout, adults[:1])

        # The processes systemd would start, and nginx.
        nginx_conf = render_nginx(folder, ports, cert, key)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        tested = subprocess.run(
            [nginx, "-t", "-c", str(nginx_conf), "-p", str(folder), "-e", "stderr"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert tested.returncode == 0, tested.stderr
        layout.start(
            "nginx",
            [nginx, "-c", str(nginx_conf), "-p", str(folder), "-e", "stderr", "-g", "daemon off;"],
        )
        for name in ("web1", "web2"):
            layout.start_todoke(name, "serve", "--host", "127.0.0.1", "--port", str(ports[name]))
        for n in (1, 2):
            layout.start_todoke(f"worker{n}", "worker", "--name", f"smoke-{n}", "--idle", "0.2")

        web = httpx.Client(
            base_url=origin, verify=ssl.create_default_context(cafile=str(cert)), timeout=20
        )

        def ready() -> bool:
            return (
                all(
                    httpx.get(f"http://127.0.0.1:{ports[n]}/readyz", timeout=2).status_code == 200
                    for n in ("web1", "web2")
                )
                and web.get("/readyz").status_code == 200
            )

        wait_until("both web processes ready behind nginx", ready, 90, layout)
        answer = web.get("/readyz")
        assert answer.json() == {"status": "ready"}
        assert answer.headers.get_list("strict-transport-security") == [
            "max-age=63072000; includeSubDomains"
        ]
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])  # nginx's id
        say(f"/readyz through nginx: {answer.status_code} {answer.json()}")
        if shutil.which("curl"):
            version = subprocess.run(
                [
                    "curl",
                    "--http2",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_version}",
                    "--cacert",
                    str(cert),
                    f"{origin}/healthz",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert version == "2", version
            say("HTTP/2 negotiated (curl)")
        redirect = httpx.get(f"http://localhost:{ports['http']}/inbox", follow_redirects=False)
        assert redirect.status_code == 301
        assert redirect.headers["location"] == "https://localhost/inbox"

        # A resident: a passkey, the activation letter's code, sign out, sign in.
        resident = sign_up(web, origin, code)
        authenticator, headers = resident.authenticator, resident.headers
        assert web.post("/api/auth/logout", headers=headers).status_code in (200, 204)
        assert web.get("/api/me").status_code == 401
        login_options = web.post("/api/auth/login/options")
        assert login_options.status_code == 200, login_options.text
        signed_in = web.post(
            "/api/auth/login", json={"credential": authenticator.get(login_options.json(), origin)}
        )
        assert signed_in.status_code == 200, signed_in.text
        headers = {"x-csrf-token": signed_in.json()["csrf_token"]}
        me = web.get("/api/me")
        assert me.status_code == 200 and me.json()["verified"] is True, me.text
        say("resident registered with a passkey, verified by letter code, signed out and in")

        subscription = push.subscribe()
        subscribed = web.put(
            "/api/push/subscription", json={**subscription, "language": "ja"}, headers=headers
        )
        assert subscribed.status_code == 204, subscribed.text

        # A filing, and its retry with the same Idempotency-Key (wherever nginx sends it).
        body = filing(web)
        key = {**headers, "idempotency-key": "smoke-" + os.urandom(8).hex()}
        filed = web.post("/api/applications", json=body, headers=key)
        assert filed.status_code == 201, filed.text
        again = web.post("/api/applications", json=body, headers=key)
        assert again.status_code in (200, 201), again.text
        assert again.json()["id"] == filed.json()["id"]
        mine = web.get("/api/applications")
        assert mine.status_code == 200, mine.text
        say(f"procedure filed: application {filed.json()['id']} (its retry is the same one)")

        # The worker delivers the notice of the filing to the resident's push service.
        [delivery] = push.wait_for(1, timeout=30)
        payload = json.loads(delivery.payload)
        assert payload["id"] > 0 and payload["link"].startswith("/")
        assert push.rejected() == []
        inbox = web.get("/api/me/inbox")
        assert inbox.status_code == 200, inbox.text
        say(f"a worker delivered notice {payload['id']} by web push (decrypted by the double)")

        # Metrics: not from outside; on the loopback scrape port, every process's counts.
        assert web.get("/metrics").status_code == 404
        scrape_url = f"http://127.0.0.1:{ports['scrape']}/metrics"
        assert httpx.get(scrape_url).status_code == 401
        for name, times in (("web1", 3), ("web2", 5)):
            for _ in range(times):
                httpx.get(f"http://127.0.0.1:{ports[name]}/healthz")
        bearer = {"authorization": f"Bearer {METRICS_TOKEN}"}

        def delivered_counted() -> bool:
            text = httpx.get(scrape_url, headers=bearer).text
            return metric(text, "todoke_deliveries", channel="push", state="delivered") == 1

        wait_until("the delivery counted as delivered", delivered_counted, 15, layout)
        text = httpx.get(scrape_url, headers=bearer).text
        # 3 + 5 direct /healthz requests, on two processes, summed by whichever answered.
        assert metric(text, "todoke_http_requests_total", route="/healthz", status="200") >= 8
        filed_count = metric(
            text, "todoke_http_requests_total", route="/api/applications", method="POST"
        )
        assert filed_count == 2
        assert metric(text, "todoke_database_up") == 1
        assert metric(text, "todoke_matching_runs_total", result="ok") >= 1  # the workers'
        assert metric(text, "todoke_registry_import_rows_total", outcome="created") >= 30
        say("metrics: 404 through nginx, 401 without the token; with it, both processes counted")
        layout.alive()
    say(f"smoke passed in {time.monotonic() - started:.1f} s")
