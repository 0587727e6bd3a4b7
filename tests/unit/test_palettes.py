"""Every palette a municipality may pick keeps WCAG AA contrast (issue 16).

A palette remaps the key colour scale in pwa/assets/css/tokens.css. The pairs checked are
the ones the screens draw with it (app.css, staff.css): key text and links on the page's
backgrounds and the key tints, white text on the key fills (buttons, the header, hovers),
key-1200 text on key-300 (a selected chip), and key-800 as a non-text colour (3:1). The
palettes the server knows (registry/branding.py) are exactly those the CSS defines, each
with its key-900 as the theme colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from todoke.registry.branding import DEFAULT_PALETTE, PALETTES

TOKENS = Path(__file__).resolve().parents[2] / "pwa" / "assets" / "css" / "tokens.css"
STEPS = (50, 100, 200, 300, 800, 900, 1000, 1100, 1200)
WHITE, GRAY_50 = "#ffffff", "#f2f2f2"  # --color-background-primary, -secondary


def _css() -> str:
    return TOKENS.read_text(encoding="utf-8")


def _root_values(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\n\}", css, re.S)
    assert root
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", root.group(1)))


def _resolve(values: dict[str, str], name: str) -> str:
    value = values[name].strip()
    while value.startswith("var("):
        value = values[value[4:-1].strip()].strip()
    return value.lower()


def palette_scale(name: str) -> dict[int, str]:
    """The key scale under the palette: the :root default overridden by its block."""
    css = _css()
    values = _root_values(css)
    block = re.search(rf'\n\[data-palette="{re.escape(name)}"\]\s*\{{(.*?)\}}', css, re.S)
    assert block, f"tokens.css has no palette {name}"
    values |= dict(re.findall(r"(--[\w-]+):\s*([^;]+);", block.group(1)))
    return {step: _resolve(values, f"--color-key-{step}") for step in STEPS}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", "#ffffff") < 4.5  # the guard: a colour just too light fails


def test_the_server_knows_exactly_the_palettes_the_css_defines():
    defined = re.findall(r'\n\[data-palette="([\w-]+)"\]', _css())
    assert sorted(defined) == sorted(PALETTES) and DEFAULT_PALETTE in defined
    for name, theme in PALETTES.items():
        assert palette_scale(name)[900] == theme.lower(), name


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_every_pair_the_screens_draw_passes_aa(name):
    key = palette_scale(name)
    text_pairs = {
        "key text on white": (key[900], WHITE),
        "key text on grey": (key[900], GRAY_50),
        "key text on the key tint": (key[900], key[50]),
        "key text on the hover tint": (key[900], key[100]),
        "link on white": (key[1000], WHITE),
        "link on grey": (key[1000], GRAY_50),
        "link on the key tint": (key[1000], key[50]),
        "white on the key fill": (WHITE, key[900]),
        "white on hover": (WHITE, key[1000]),
        "white on pressed": (WHITE, key[1200]),
        "key-1100 on the key tint": (key[1100], key[50]),
        "key-1200 on a selected chip": (key[1200], key[300]),
        "key-1200 on the light tint": (key[1200], key[200]),
    }
    failing = {k: round(contrast(*pair), 2) for k, pair in text_pairs.items()}
    failing = {k: v for k, v in failing.items() if v < 4.5}
    assert failing == {}, f"{name}: {failing}"
    # Borders and icons: 3:1 against what they sit on.
    for background in (WHITE, GRAY_50, key[50]):
        assert contrast(key[800], background) >= 3, f"{name}: key-800 on {background}"
