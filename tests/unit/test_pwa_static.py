"""Static checks of the PWA's files, no browser needed.

- the three languages (ja, easy, en) have the same keys, the same {placeholders}, no
  empty message;
- every i18n key the resident app's markup and scripts name exists (the staff app under
  pwa/staff/ and assets named staff* has dictionaries of its own);
- the strict Content-Security-Policy holds: no inline <script> body, no style= attribute,
  <style> element or on…= handler in HTML; no innerHTML (or its relatives) in scripts;
- the service worker precaches every asset of the resident app, and lists no missing file;
- every relative import and every modulepreload points at a file that exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

PWA = Path(__file__).resolve().parents[2] / "pwa"
ASSETS = PWA / "assets"
LANGUAGES = ("ja", "easy", "en")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL_SUFFIXES = ("zero", "one", "two", "few", "many", "other")


def _is_staff(path: Path) -> bool:
    """The staff app (pwa/staff/, files named staff*) is built and checked on its own."""
    relative = path.relative_to(PWA)
    return relative.parts[0] == "staff" or any(part.startswith("staff") for part in relative.parts)


def _files(*suffixes: str, include_staff: bool = True) -> list[Path]:
    return sorted(
        p
        for p in PWA.rglob("*")
        if p.is_file() and p.suffix in suffixes and (include_staff or not _is_staff(p))
    )


def _dictionaries() -> dict[str, dict[str, str]]:
    return {
        code: json.loads((ASSETS / "i18n" / f"{code}.json").read_text(encoding="utf-8"))
        for code in LANGUAGES
    }


def _strip_js_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$", "", text)


# --- languages ---------------------------------------------------------------------------


def test_every_language_has_the_same_keys():
    dictionaries = _dictionaries()
    reference = set(dictionaries["ja"])
    for code in ("easy", "en"):
        keys = set(dictionaries[code])
        assert keys == reference, (
            f"{code}.json differs from ja.json: missing {sorted(reference - keys)}, "
            f"extra {sorted(keys - reference)}"
        )


# The municipality's own words, given to every message (i18n.js setCommonParams): a
# language may name the municipality where another leaves it understood.
COMMON_PARAMS = {"municipality", "kind", "Kind", "office"}


def test_placeholders_match_and_no_message_is_empty():
    dictionaries = _dictionaries()
    problems = []
    for key, message in dictionaries["ja"].items():
        expected = sorted(set(PLACEHOLDER.findall(message)) - COMMON_PARAMS)
        for code in LANGUAGES:
            text = dictionaries[code].get(key)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{code}: {key} is empty or not text")
                continue
            found = sorted(set(PLACEHOLDER.findall(text)) - COMMON_PARAMS)
            if found != expected:
                problems.append(f"{code}: {key} has {found}, ja has {expected}")
    assert problems == []


def _used_keys() -> dict[str, set[str]]:
    """Every i18n key named in HTML (data-i18n*) and in scripts (any quoted string shaped
    like a key whose first part is a namespace the dictionaries use), by file."""
    namespaces = {key.split(".")[0] for key in _dictionaries()["ja"]}
    key_literal = re.compile(r"""['"]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+)['"]""")
    attribute = re.compile(r"""data-i18n(?:-[\w-]+)?=["']([\w.]+)["']""")
    used: dict[str, set[str]] = {}
    # The staff app has dictionaries of its own.
    for path in _files(".html", ".js", include_staff=False):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".js":
            text = _strip_js_comments(text)
        keys = set(attribute.findall(text))
        if path.suffix == ".js":
            for literal in key_literal.findall(text):
                if literal.split(".")[0] in namespaces and not literal.endswith((".js", ".json")):
                    keys.add(literal)
        keys.discard("params")  # data-i18n-params holds JSON, not a key
        used[str(path.relative_to(PWA))] = keys
    return used


def test_every_key_used_exists():
    messages = _dictionaries()["ja"]
    missing = []
    for name, keys in _used_keys().items():
        for key in keys:
            plural = any(f"{key}.{suffix}" in messages for suffix in PLURAL_SUFFIXES)
            if key not in messages and not plural:
                missing.append(f"{name}: {key}")
    assert missing == []


def test_the_key_finder_finds_keys():
    """Guard for the test above: it must see the keys the resident screens use."""
    used = _used_keys()
    assert "nav.account" in used["index.html"]
    # A screen's own folder too (account.js draws its sections from screens/account/).
    assert "account.signIn.button" in used["assets/js/screens/account/signed-out.js"]
    assert "verify.code.label" in used["assets/js/screens/verify.js"]
    assert "verify.code.invalidFormat" in used["assets/js/ui/code-entry.js"]


# --- Content-Security-Policy: nothing inline -------------------------------------------------


def test_html_has_no_inline_script_style_or_handler():
    problems = []
    for path in _files(".html"):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PWA)
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, flags=re.S | re.I):
            if "src=" not in match.group(1) or match.group(2).strip():
                problems.append(f"{name}: inline <script>")
        if re.search(r"<style\b", text, flags=re.I):
            problems.append(f"{name}: <style> element")
        if re.search(r"""\sstyle\s*=\s*["']""", text, flags=re.I):
            problems.append(f"{name}: style= attribute")
        if re.search(r"""\son[a-z]+\s*=\s*["']""", text, flags=re.I):
            problems.append(f"{name}: inline event handler")
    assert problems == []


def test_scripts_never_parse_markup_or_write_inline_styles():
    forbidden = re.compile(
        r"\.innerHTML\b|\.outerHTML\s*=|insertAdjacentHTML|document\.write|"
        r"createContextualFragment|setAttribute\(\s*['\"]style['\"]"
        r"|\beval\(|new Function\("
    )
    problems = []
    for path in _files(".js"):
        for number, line in enumerate(
            _strip_js_comments(path.read_text(encoding="utf-8")).splitlines(), 1
        ):
            if forbidden.search(line):
                problems.append(f"{path.relative_to(PWA)}:{number}: {line.strip()}")
    assert problems == []


# --- service worker and module graph -------------------------------------------------------


def _served_service_worker() -> str:
    from todoke.web.pwa import PwaBundle

    return PwaBundle(PWA).entries["/sw.js"].body.decode("utf-8")


def test_service_worker_precaches_every_resident_asset_and_no_staff_one():
    """The server writes the precache list from the files it serves: a new screen is cached
    for offline use without anyone remembering to list it; the staff app's files are not."""
    served = _served_service_worker()
    block = re.search(r"const ASSET_FILES = (\[.*?\]);", served, flags=re.S)
    assert block, "the served sw.js has no ASSET_FILES list"
    listed = set(json.loads(block.group(1)))
    files = {
        str(p.relative_to(ASSETS)) for p in ASSETS.rglob("*") if p.is_file() and not _is_staff(p)
    }
    assert listed == files
    assert not [name for name in listed if "staff" in name]
    assert "__BUILD__" not in served and "__PRECACHE__" not in served
    # The field renderers (one module per type) load with every form, offline too.
    renderers = {f"js/ui/fields/{p.name}" for p in (ASSETS / "js/ui/fields").glob("*.js")}
    assert "js/ui/fields/registry.js" in renderers and renderers <= listed


def test_the_staff_dictionary_cannot_reword_the_field_renderers():
    """The staff app lends itself ja.json for the designer's preview, its own keys winning:
    none of the keys the residents' form code names may be a staff key, or the preview would
    show staff words where residents see theirs."""
    staff = json.loads((ASSETS / "i18n/staff-ja.json").read_text(encoding="utf-8"))
    used = _used_keys()
    shared = [name for name in used if name.startswith("assets/js/ui/fields/")]
    assert "assets/js/ui/fields/text.js" in shared
    shared += ["assets/js/ui/form-fields.js", "assets/js/answers.js", "assets/js/jp.js"]
    clashes = sorted({key for name in shared for key in used[name]} & set(staff))
    assert clashes == []
    # Keys made at run time (field.household.relation.${code}…) are all under field.
    assert not [key for key in staff if key.startswith("field.")]


def test_every_import_and_preload_resolves():
    problems = []
    for path in _files(".js"):
        text = _strip_js_comments(path.read_text(encoding="utf-8"))
        for target in re.findall(r"""(?:from\s+|import\(\s*)['"](\.{1,2}/[^'"]+)['"]""", text):
            if not (path.parent / target).resolve().is_file():
                problems.append(f"{path.relative_to(PWA)} imports missing {target}")
    for path in _files(".html"):
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r'(?:href|src)="/assets/__BUILD__/([^"]+)"', text):
            if not (ASSETS / target).is_file():
                problems.append(f"{path.relative_to(PWA)} names missing /assets/{target}")
    assert problems == []


def test_routes_point_at_screens_that_exist():
    text = (ASSETS / "js" / "routes.js").read_text(encoding="utf-8")
    screens = re.findall(r"import\('\./(screens/[\w-]+\.js)'\)", text)
    assert screens, "no screens found in routes.js"
    for screen in screens:
        assert (ASSETS / "js" / screen).is_file(), screen


def test_bottom_navigation_has_at_most_five_items():
    text = (PWA / "index.html").read_text(encoding="utf-8")
    items = re.findall(r'class="app-nav__link"[^>]*data-nav="(\w+)"', text)
    assert len(items) == len(set(items)) <= 5, items
    assert {"inbox", "account"} <= set(items)


@pytest.mark.parametrize("code", LANGUAGES)
def test_dictionaries_are_flat_text(code):
    dictionary = _dictionaries()[code]
    assert all(isinstance(v, str) for v in dictionary.values())


def test_the_access_log_has_words_for_every_why_and_kind_of_reason():
    """The API's closed sets (why an entry happened; the kinds of a written reason) each
    have a message on the resident's access-log screen, in every language."""
    from todoke.identity.access_log import WHY_CODES
    from todoke.staff.purposes import REASON_CATEGORIES

    script = (ASSETS / "js" / "screens" / "access-log.js").read_text(encoding="utf-8")
    dictionaries = _dictionaries()
    for code, prefix in [(c, "why") for c in WHY_CODES] + [
        (c, "category") for c in REASON_CATEGORIES
    ]:
        key = f"accessLog.{prefix}.{code}"
        assert f"  {code}: '{key}'," in script, key
        for language in LANGUAGES:
            assert dictionaries[language].get(key), (language, key)


def test_dressed_files_are_kept_for_the_municipalities_served_most_recently(monkeypatch):
    """One dressed shell per municipality is kept, the least recently served going first,
    so a deployment of more municipalities than are kept still serves its busy ones from
    memory (the same object, not made again)."""
    from todoke.web import pwa

    monkeypatch.setattr(pwa, "DRESSED_KEPT", 3)
    bundle = pwa.PwaBundle(PWA)

    def dressing(n: int) -> pwa.Dressing:
        return pwa.Dressing(palette="blue", theme_color="#0017c1", name=f"町{n}",
                            municipality=b"{}")  # fmt: skip

    busy = bundle.dressed("/", dressing(0))
    assert "町0" in busy.body.decode()
    for n in range(1, 6):
        bundle.dressed("/", dressing(n))
        assert bundle.dressed("/", dressing(0)) is busy  # served each time: kept
    assert len(bundle._dressed) == 3
    assert bundle.dressed("/", dressing(1)) is not None  # evicted long ago: made again
