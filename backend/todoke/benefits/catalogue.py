"""The seeded programs: realistic rules (JAPAN-FACTS §B). They become the platform's
programme templates (templates.py); a municipality adopts them submitted and waiting for a
staff member's approval — nobody is contacted until a person at the municipality says so."""

from __future__ import annotations

from typing import Any


def _l(ja: str, easy: str, en: str) -> dict[str, str]:
    return {"ja": ja, "easy": easy, "en": en}


PROGRAMS: list[dict[str, Any]] = [
    {
        "slug": "child-rearing-allowance",
        "department": "child-support",
        "title": _l("児童扶養手当", "ひとりおやの かていの てあて", "Child-rearing allowance"),
        "summary": _l(
            "ひとり親家庭などでお子さんを育てている方に、月額最大46,690円（第1子）が支給されます。",
            "ひとりおやで こどもを そだてている ひとが もらえる おかねです。",
            "A monthly allowance of up to 46,690 yen (first child) for parents raising "
            "children alone.",
        ),
        "action": _l(
            "事前入力済みの請求書を確認して、面談を予約してください。",
            "にゅうりょく された しょるいを みて、めんだんを よやく して ください。",
            "Check the pre-filled claim and book the interview.",
        ),
        "delivery": "invite",
        "procedure_slug": "child-rearing-allowance",
        # Not opened in two weeks: the email, then the letter (if the approver records
        # the letters' basis).
        "fallback_days": 14,
    },
    {
        "slug": "child-allowance",
        "department": "child-support",
        "title": _l("児童手当", "じどう てあて", "Child allowance"),
        "summary": _l(
            "高校生年代までのお子さんを育てている方に支給されます（所得制限なし）。",
            "こうこうせい までの こどもが いる ひとが もらえる おかねです。",
            "Paid to everyone raising children up to high-school age (no income limit).",
        ),
        "action": _l(
            "事前入力済みの認定請求書を確認して申請してください。",
            "にゅうりょく された しょるいを みて しんせい して ください。",
            "Check the pre-filled claim and send it.",
        ),
        "delivery": "invite",
        "procedure_slug": "child-allowance",
        # The parent who supports the family claims (生計中心者), not a grandparent head.
        "tells": "claimant",
        "fallback_days": 14,
    },
    {
        "slug": "flu-shot-65",
        "department": "health",
        "title": _l(
            "高齢者インフルエンザ予防接種の助成",
            "65さい いじょうの インフルエンザ よぼうせっしゅ",
            "Flu shot subsidy for people 65 and over",
        ),
        "summary": _l(
            "65歳以上の方は、10月1日から1月31日まで、自己負担1,500円で接種できます。",
            "65さい いじょうの ひとは 1,500えんで よぼうせっしゅが できます。",
            "People aged 65 and over get the flu shot for 1,500 yen from 1 October to 31 January.",
        ),
        "action": _l(
            "市内の協力医療機関に予約して、接種のときに保険証を見せてください。",
            "びょういんに よやく して ください。",
            "Book at a participating clinic and show your health insurance card.",
        ),
        "delivery": "inform",
        "procedure_slug": "",
    },
    {
        "slug": "birth-support",
        "department": "child-support",
        "title": _l(
            "出産・子育て応援給付金",
            "あかちゃんが うまれる ひとへの おかね",
            "Birth and childcare support payment",
        ),
        "summary": _l(
            "妊娠届出後と出生後に、それぞれ5万円を支給します。",
            "にんしん したときと うまれた あとに 5まんえん ずつ もらえます。",
            "50,000 yen after the pregnancy is reported and 50,000 yen after the birth.",
        ),
        "action": _l(
            "保健師との面談のときに申請書をお渡しします。",
            "ほけんしと はなす ときに しょるいを わたします。",
            "You receive the form at your interview with the public health nurse.",
        ),
        "delivery": "inform",
        "procedure_slug": "",
    },
    {
        "slug": "tax-exempt-benefit",
        "department": "welfare",
        "title": _l(
            "住民税非課税世帯への給付金",
            "ぜいきんが かからない せたいへの おかね",
            "Benefit for resident-tax-exempt households",
        ),
        "summary": _l(
            "世帯全員の住民税が非課税の世帯に、1世帯3万円を支給します。申請は不要です。",
            "かぞく ぜんいんの ぜいきんが かからない せたいに 3まんえんを わたします。",
            "30,000 yen per household where every member is exempt from resident tax. No "
            "application is needed.",
        ),
        "action": _l(
            "登録済みの口座に振り込みます。口座を変える場合は福祉相談課へご連絡ください。",
            "ぎんこうに ふりこみます。",
            "We pay into your registered account; contact the Welfare Division to change it.",
        ),
        "delivery": "grant",
        "procedure_slug": "",
        # Paid to the household (its head, whom the rule matches); every adult of it is
        # told, so a spouse with the app hears too. The letter goes once, to the head.
        "tells": "adults",
    },
]
