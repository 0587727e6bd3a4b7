"""Search of the published catalogue: what a resident types in the search box against
every procedure's titles, summaries, department and keywords in all three languages.

Both sides are folded alike (jp.fold_for_search: width, case, hiragana/katakana,
iteration marks, long-vowel mark, spaces). Each word of the query must be found; a word
that contains a word of synonyms.SYNONYMS is also found as any other word of its group.
The catalogue is small and kept in memory (published.py): a scan per request is enough.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from todoke import jp
from todoke.procedures.schemas import Localized, ProcedureSummary
from todoke.procedures.synonyms import SYNONYMS

# A query of many words each in many groups could expand without bound: past this many
# spellings of one word, the word is searched as spelt so far.
MAX_SPELLINGS = 64


def _folded_groups(groups: Iterable[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    folded = []
    for group in groups:
        words = sorted({jp.fold_for_search(word) for word in group} - {""}, key=len, reverse=True)
        folded.append(tuple(words))
    return tuple(folded)


_GROUPS = _folded_groups(SYNONYMS)

# Part of the ETag of a search's answer: a change of the rules changes what a query
# finds although the catalogue is the same, so a browser's kept answer must not match.
RULES = hashlib.blake2b(repr(_GROUPS).encode(), digest_size=6).hexdigest()


def spellings(term: str) -> frozenset[str]:
    """``term`` (folded) and its spellings with each synonym it contains swapped for the
    other words of that synonym's group; the longest synonym of a group wins."""
    found = {term}
    for group in _GROUPS:
        variant = next((w for w in group if any(w in s for s in found)), None)
        if variant is None:
            continue
        more = {s.replace(variant, other) for s in found if variant in s for other in group}
        if len(found) + len(more) > MAX_SPELLINGS:
            break
        found |= more
    return frozenset(found)


def _texts(summary: ProcedureSummary) -> Iterable[str]:
    localized: tuple[Localized, ...] = (summary.title, summary.summary, summary.department.name)
    for text in localized:
        yield text.ja
        yield text.easy
        yield text.en
    yield from summary.keywords


def searched_text(summary: ProcedureSummary) -> str:
    """The procedure's searchable text, folded; one line per field so a word never
    spans two of them."""
    return "\n".join(jp.fold_for_search(text) for text in _texts(summary))


def search(summaries: list[ProcedureSummary], query: str) -> list[ProcedureSummary]:
    """The procedures that contain every word of ``query`` (some spelling of it), in
    catalogue order; all of them for a query with no words."""
    wanted = [spellings(term) for term in jp.search_terms(query)]
    if not wanted:
        return summaries
    found = []
    for summary in summaries:
        text = searched_text(summary)
        if all(any(s in text for s in term) for term in wanted):
            found.append(summary)
    return found
