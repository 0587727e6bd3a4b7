"""First load of the resident app, this tree against a git ref, measured in the same run.

For each tree a `todoke demo` of its own (its code and its pwa/), a resident signed up with
a passkey and verified by letter (so the inbox and the access log hold entries), then each
path loaded in a fresh browser context with an empty cache and the service worker blocked:
bytes on the wire (CDP encodedDataLength: compressed bodies plus headers) and requests.

    PYTHONPATH=$PWD/backend .venv/bin/python tests/benchmarks/bench_first_load.py --base main

DESIGN.md's bar: first load under 100 KB compressed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "support")]

from test_resident_identity import (  # noqa: E402
    PERSON_SQL,
    Authenticator,
    _activation_code,
    _say,
    _sign_up,
    _without_autofill,
)

from conftest import CHROMIUM, CHROMIUM_ARGS, running_demo  # noqa: E402

PHONE = {"width": 390, "height": 844}
PATHS = [("/", False), ("/", True), ("/inbox", True), ("/account/access-log", True)]
# What each path shows once its data is in (or says there is none).
DRAWN = {
    "/": "main h1",
    "/inbox": "main .inbox-item, main .empty-state",
    "/account/access-log": "main .access-log__entry, main .empty-state, main .notice",
}


class Folders:
    """What running_demo needs of pytest's tmp_path_factory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))


def export(ref: str, into: Path) -> Path:
    """The tree at ref, as files (no worktree: nothing in the repository changes)."""
    archive = into / "base.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "base", filter="data")
    return into / "base"


def measure(browser, url: str, path: str, state: dict | None) -> tuple[int, int]:
    context = browser.new_context(
        viewport=PHONE, locale="ja-JP", base_url=url, service_workers="block", storage_state=state
    )
    page = context.new_page()
    _without_autofill(page)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    finished: dict[str, int] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: finished.__setitem__(event["requestId"], int(event["encodedDataLength"])),
    )
    page.goto(path, wait_until="networkidle")
    page.locator(DRAWN[path]).first.wait_for()
    page.wait_for_load_state("networkidle")
    context.close()
    return sum(finished.values()), len(finished)


def measure_tree(browser, folders: Folders, tree: Path, label: str) -> dict:
    os.environ["PYTHONPATH"] = str(tree / "backend")
    with running_demo(folders, label) as demo:
        person = demo.query(PERSON_SQL.format(n=31))[0]
        context = browser.new_context(viewport=PHONE, locale="ja-JP", base_url=demo.url)
        page = context.new_page()
        _without_autofill(page)
        Authenticator(page)
        _sign_up(page, "はかる")
        page.goto("/account/verify")
        code = _activation_code(demo, person["registry_id"])
        page.locator("main").get_by_role("textbox", name="確認コード").fill(code)
        page.locator("main").get_by_role("button", name="確認する", exact=True).click()
        _say(page, "本人確認ができました")
        state = context.storage_state()
        context.close()
        return {
            (path, signed_in): measure(browser, demo.url, path, state if signed_in else None)
            for path, signed_in in PATHS
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref to compare with (default main)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        folders = Folders(Path(scratch))
        base = export(args.base, Path(scratch))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = {
            args.base: measure_tree(browser, folders, base, "base"),
            "this tree": measure_tree(browser, folders, ROOT, "this"),
        }
        browser.close()
    print(f"{'path':<32}" + "".join(f"{name:>22}" for name in results))
    for path, signed_in in PATHS:
        row = f"{path + (' (signed in)' if signed_in else ' (signed out)'):<32}"
        for measured in results.values():
            size, requests = measured[(path, signed_in)]
            row += f"{size / 1024:>12.1f} KB {requests:>3} req"
        print(row)


if __name__ == "__main__":
    main()
