"""Every moment the resident app shows is in Japan's time, whatever the device's zone: the
receipt's time, the access log and the staff app's record of the same event read alike."""

from __future__ import annotations

import pytest

PHONE = {"width": 390, "height": 844}

FORMAT = """(iso) => import(
  document.querySelector('link[rel=modulepreload][href$="/js/i18n.js"]').href
    .replace(/i18n\\.js$/, 'ui/feedback.js')
).then(({ dateTimeValue, timeValue }) => ({
  full: dateTimeValue(iso),
  day: dateTimeValue(iso, { time: false }),
  time: timeValue(new Date(iso)),
}))"""


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Asia/Tokyo"])
def test_a_moment_reads_in_japan_time_on_a_phone_set_to_another_zone(browser, live_server, zone):
    context = browser.new_context(
        viewport=PHONE, locale="ja-JP", base_url=live_server, timezone_id=zone
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.locator("h1").wait_for()
        # 18:38 UTC on 15 January is 03:38 on 16 January in Japan.
        shown = page.evaluate(FORMAT, "2026-01-15T18:38:00Z")
        assert shown["full"]["ja"] == "2026年1月16日 3:38"
        assert shown["full"]["en"] == "16 January 2026 at 3:38"
        assert shown["day"]["ja"] == "2026年1月16日"
        # Not today in Japan: the time comes with its day.
        assert shown["time"]["ja"] == "1月16日 3:38"
    finally:
        context.close()
