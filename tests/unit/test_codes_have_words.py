"""No raw code reaches a screen (issue 15): every code the API sends for the PWA to word —
registry relations, timeline lines, the access log's actors and reasons — has words in
Japanese, やさしい日本語 and English. The screens build these keys from the codes at run time
(``field.household.relation.${code}``), which the static key finder cannot see: a code the
server adds without words would otherwise reach residents as it is ("head")."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from todoke.identity.schemas import ActorKind, Why
from todoke.registry.importer import RELATIONS

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "pwa" / "assets" / "i18n"
LANGUAGES = ("ja", "easy", "en")
# What home's timeline can say (procedures/home.py writes these, schemas documents them).
TIMELINE_WHATS = (
    "info_requested",
    "in_progress",
    "draft_expires",
    "status_report",
    "appointment",
    "notice",
    "life_event",
)


def _words(language: str) -> dict[str, str]:
    return json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))


def _expected() -> list[str]:
    keys = [f"field.household.relation.{code}" for code in sorted(set(RELATIONS.values()))]
    keys += [f"home.timeline.what.{what}" for what in TIMELINE_WHATS]
    keys += [f"accessLog.why.{why}" for why in typing.get_args(Why)]
    return keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_the_api_sends_has_words(language):
    words = _words(language)
    missing = [key for key in _expected() if not words.get(key, "").strip()]
    assert missing == [], f"{language}.json lacks words for {missing}"


def test_the_timeline_sends_no_code_the_list_above_does_not_know():
    source = (ROOT / "backend/todoke/procedures/home.py").read_text(encoding="utf-8")
    written = {
        token
        for line in source.splitlines()
        if "what=" in line
        for token in re.findall(r'"(\w+)"', line)
    }
    assert written and written <= set(TIMELINE_WHATS), written - set(TIMELINE_WHATS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_actor_kind_has_words(language):
    """Each kind of actor the access log sends has its words (a substring search of the
    screen's source, as before, could not fail: "you" is in any comment)."""
    words = _words(language)
    kinds = list(typing.get_args(ActorKind))
    missing = [k for k in kinds if not words.get(f"accessLog.actor.{k}", "").strip()]
    assert kinds and missing == [], f"{language}.json lacks words for actor kinds {missing}"
