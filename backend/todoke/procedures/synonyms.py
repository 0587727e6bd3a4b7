"""Words residents search with that mean the same: each group is one meaning, written the
ways people type it (kanji with or without okurigana, kana, plain Japanese, English).

Data only; procedures/search.py reads it. A search word that contains one of a group's
words also finds text with any other word of the group: 引越し, 引っ越し and ひっこし all
find 転居届（市内での引っ越し）. Width, case, hiragana/katakana and the long-vowel mark are
folded before comparing (jp.fold_for_search), so a group needs no ｶﾀｶﾅ or ＡＢＣ spellings.
Stems (引越, 引っ越) rather than whole words where the word is conjugated: 引っ越す,
引っ越した and 引っ越し all contain 引っ越.
"""

from __future__ import annotations

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("引越し", "引っ越し", "引越", "引っ越", "ひっこし", "ひっこす", "moving"),
    ("子ども", "子供", "こども", "children", "child"),
    ("住民票", "じゅうみんひょう", "residence certificate", "certificate of residence"),
    ("申し込み", "申込み", "申込", "申し込", "もうしこみ", "もうしこむ", "apply"),
    ("届け出", "届出", "届け", "とどけで", "とどけ"),
    ("手続き", "手続", "てつづき", "procedure"),
    ("保育園", "保育所", "ほいくえん", "ほいくしょ", "nursery", "daycare"),
    ("ごみ", "塵", "garbage", "rubbish", "trash"),
    ("犬", "いぬ", "dog"),
    ("手当", "てあて", "allowance"),
    ("相談", "そうだん", "consultation"),
    ("証明書", "しょうめいしょ", "certificate"),
    ("ひとり親", "一人親", "ひとりおや", "single parent"),
)
