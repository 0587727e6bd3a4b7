"""What the journey suite (test_journeys.py) checks on every screen, at both sizes: axe finds
nothing, the visible words hold no dictionary key and no raw code (screen_text.problems), and
a screenshot is taken to look at."""

from __future__ import annotations

import re

from screen_text import problems
from test_resident_identity import _shoot_whole
from test_staff_identity import assert_no_axe_violations
from viewports import DESKTOP, PHONE

from conftest import screenshot

# Everything a person meets on the page: the visible text, the page title, and the words
# given to assistive technology or shown inside fields (one per line).
VISIBLE_WORDS = """() => {
  const attributes = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
  const words = [document.title, document.body.innerText];
  for (const node of document.querySelectorAll(attributes.map((a) => `[${a}]`).join(','))) {
    for (const name of attributes) {
      const value = node.getAttribute(name);
      if (value) words.push(value);
    }
  }
  return words.join('\\n');
}"""


def visible_words(page) -> str:
    return page.evaluate(VISIBLE_WORDS)


def check_screen(page, name: str, language: str) -> None:
    """axe, the words, a screenshot: at the phone size, then at the desktop size, then back
    to the size the page had. language: "ja", "easy", "en" or "staff-ja"."""
    walked_at = page.viewport_size
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        where = f"{name} ({language}, {size})"
        # The picture first: a failing check below can then be looked at.
        shot = f"journey-{language}-{name}-{size}"
        if page.locator("[data-scroller]").count():
            _shoot_whole(page, screenshot, shot)  # the resident app scrolls in a frame
        else:
            screenshot(page, shot)
        assert_no_axe_violations(page, where)
        words = visible_words(page)
        found = problems(words, language)
        assert found == [], f"{where}: {found} in {_lines_with(words, found)}"
    page.set_viewport_size(walked_at)


def _lines_with(words: str, found: list[str]) -> list[str]:
    """The lines that hold what was found, to say where it is on the screen."""
    tokens = [item.split(": ", 1)[1] for item in found]
    return [line for line in words.splitlines() if any(token in line for token in tokens)]


def as_staff(page, method: str, path: str, body=None) -> dict:
    """Call the API as the page's signed-in staff member; {"status", "body"}."""
    return page.evaluate(
        """async ([method, path, body]) => {
          const me = await (await fetch('/api/me')).json();
          const response = await fetch(path, {
            method,
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: body === null ? undefined : JSON.stringify(body),
          });
          const text = await response.text();
          return { status: response.status, body: text ? JSON.parse(text) : null };
        }""",
        [method, path, body],
    )


def number_in(url: str) -> int:
    """The application id in an /applications/:id address."""
    match = re.search(r"/applications/(\d+)", url)
    assert match, url
    return int(match.group(1))
