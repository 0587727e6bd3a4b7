"""A standard catalogue: the departments and procedures residents use most.

A municipality starts from these and edits them as data. Online modes follow the law
(see JAPAN-FACTS): 転居届 needs the person at the counter, so online it is a pre-filled
visit booking; 児童扶養手当 needs an interview before a decision.
"""

from __future__ import annotations

from todoke.procedures.schemas import Localized as L
from todoke.procedures.schemas import ProcedureDefinition
from todoke.registry.schemas import DepartmentSeed

DEPARTMENTS = [
    DepartmentSeed("citizens", {"ja": "市民課", "easy": "しみんか", "en": "Citizens Division"}),
    DepartmentSeed(
        "child-support",
        {"ja": "子育て支援課", "easy": "こそだて しえんか", "en": "Child Support Division"},
    ),
    DepartmentSeed("nursery", {"ja": "保育課", "easy": "ほいくか", "en": "Nursery Division"}),
    DepartmentSeed(
        "waste", {"ja": "ごみ対策課", "easy": "ごみ たいさくか", "en": "Waste Management Division"}
    ),
    DepartmentSeed(
        "health",
        {"ja": "生活衛生課", "easy": "せいかつ えいせいか", "en": "Public Health Division"},
    ),
    DepartmentSeed(
        "welfare",
        {"ja": "福祉相談課", "easy": "ふくし そうだんか", "en": "Welfare Consultation Division"},
    ),
    DepartmentSeed(
        "elderly",
        {"ja": "高齢者支援課", "easy": "こうれいしゃ しえんか", "en": "Elderly Support Division"},
    ),
    DepartmentSeed("tax", {"ja": "税務課", "easy": "ぜいむか", "en": "Taxation Division"}),
]

PROCEDURES = [
    ProcedureDefinition(
        slug="residence-certificate",
        department="citizens",
        title=L(
            ja="住民票の写しの請求",
            easy="じゅうみんひょうを もらう",
            en="Request a certificate of residence",
        ),
        summary=L(
            ja="住民票の写しをオンラインで請求し、郵送で受け取れます。手数料は1通300円です。",
            easy="じゅうみんひょうを たのむことが できます。"
            "ゆうびんで とどきます。1まい 300えんです。",
            en="Request copies of your certificate of residence online and receive them by post. "
            "The fee is 300 yen a copy.",
        ),
        online="full",
        service_days=3,
        identity="verified",
        keywords=("住民票", "じゅうみんひょう", "証明書", "certificate"),
    ),
    ProcedureDefinition(
        slug="move-within-city",
        department="citizens",
        title=L(
            ja="転居届（市内での引っ越し）",
            easy="しの なかで ひっこす",
            en="Moving within the city",
        ),
        summary=L(
            ja="市内で引っ越したときの届出です。法律により窓口での手続きが必要なため、"
            "オンラインでは来庁予約と事前入力ができます。引っ越しから14日以内に届け出てください。",
            easy="しの なかで ひっこしたときの とどけです。まどぐちに きてください。"
            "オンラインで よやくと にゅうりょくが できます。14にち いないに とどけてください。",
            en="Notify a move within the city. The law requires a counter visit, so online you "
            "book the visit with everything pre-filled. File within 14 days of moving.",
        ),
        online="booking",
        service_days=1,
        identity="verified",
        keywords=("転居", "てんきょ", "引越し", "ひっこし", "住所変更", "moving", "address"),
    ),
    ProcedureDefinition(
        slug="child-allowance",
        department="child-support",
        title=L(
            ja="児童手当 認定請求", easy="じどう てあての しんせい", en="Child allowance claim"
        ),
        summary=L(
            ja="高校生年代までのお子さんを養育している方が受け取れる手当です。所得制限はありません。"
            "出生や転入から15日以内に請求すると、翌月分から支給されます。",
            easy="こどもを そだてている ひとが もらえる おかねです。"
            "こどもが うまれてから 15にち いないに しんせいしてください。",
            en="An allowance for everyone raising children up to high-school age, with no income "
            "limit. Claim within 15 days of a birth or move-in to be paid from the next month.",
        ),
        online="full",
        service_days=14,
        identity="verified",
        keywords=("児童手当", "じどうてあて", "子ども", "こども", "allowance"),
    ),
    ProcedureDefinition(
        slug="child-rearing-allowance",
        department="child-support",
        title=L(
            ja="児童扶養手当 認定請求",
            easy="ひとりおやの かていの てあて",
            en="Child-rearing allowance (single-parent families)",
        ),
        summary=L(
            ja="ひとり親家庭などでお子さんを育てている方への手当です。"
            "オンラインで事前に請求内容を入力し、面談の予約をしてください。代理人による請求はできません。",
            easy="ひとりおやで こどもを そだてている ひとの ための おかねです。"
            "オンラインで にゅうりょくして、めんだんを よやくしてください。",
            en="An allowance for single parents and others raising children alone. Fill in the "
            "claim online and book the required interview; a proxy cannot claim for you.",
        ),
        online="partial",
        service_days=30,
        identity="verified",
        keywords=(
            "児童扶養手当",
            "じどうふようてあて",
            "ひとり親",
            "母子",
            "父子",
            "single parent",
        ),
    ),
    ProcedureDefinition(
        slug="nursery-admission",
        department="nursery",
        title=L(
            ja="保育所等 入所申込", easy="ほいくえんに はいる もうしこみ", en="Nursery admission"
        ),
        summary=L(
            ja="保育所・認定こども園などへの入所と、保育の必要性の認定を申し込みます。"
            "希望する施設を順位をつけて選べます。",
            easy="ほいくえんに こどもを あずけたい ときの もうしこみです。"
            "いきたい ほいくえんを えらべます。",
            en="Apply for a place at a nursery or certified centre, with the childcare-need "
            "certification. Rank the facilities you would like.",
        ),
        online="full",
        service_days=30,
        identity="verified",
        keywords=("保育園", "ほいくえん", "保育所", "こども園", "nursery", "daycare"),
    ),
    ProcedureDefinition(
        slug="oversized-garbage",
        department="waste",
        title=L(
            ja="粗大ごみ収集申込",
            easy="おおきな ごみの しゅうしゅう",
            en="Oversized garbage collection",
        ),
        summary=L(
            ja="家具や家電などの粗大ごみの収集を申し込みます。受付番号と収集日をお知らせします。"
            "処理手数料券をお店で買って貼ってください。",
            easy="おおきな ごみを とりに きてもらう もうしこみです。"
            "おみせで けんを かって、ごみに はってください。",
            en="Book a collection of furniture and other oversized items. You get a reference "
            "number and a date; buy fee stickers at a shop and attach one to each item.",
        ),
        online="full",
        service_days=7,
        identity="none",
        keywords=("粗大ごみ", "そだいごみ", "家具", "ごみ", "garbage"),
    ),
    ProcedureDefinition(
        slug="dog-registration",
        department="health",
        title=L(ja="犬の登録", easy="いぬの とうろく", en="Dog registration"),
        summary=L(
            ja="生後91日以上の犬は、飼い始めてから30日以内に登録が必要です（生涯1回、手数料3,000円）。"
            "狂犬病予防注射は毎年受けてください。",
            easy="いぬを かいはじめたら 30にち いないに とうろくしてください。"
            "まいとし ちゅうしゃが ひつようです。",
            en="Register a dog aged 91 days or more within 30 days of taking it in (once in its "
            "life, fee 3,000 yen). Rabies shots are due every year.",
        ),
        online="full",
        service_days=7,
        identity="verified",
        keywords=("犬", "いぬ", "狂犬病", "ペット", "dog"),
    ),
    ProcedureDefinition(
        slug="consultation-booking",
        department="welfare",
        title=L(ja="相談予約", easy="そうだんの よやく", en="Book a consultation"),
        summary=L(
            ja="暮らし、お金、子育て、介護などの困りごとを相談員に相談できます。"
            "窓口、電話、オンラインから選べます。",
            easy="こまっている ことを そうだん できます。"
            "まどぐち、でんわ、オンラインから えらべます。",
            en="Talk to a counsellor about money, housing, childcare, care or anything that "
            "worries you — at the counter, by phone or online.",
        ),
        online="full",
        service_days=3,
        identity="none",
        keywords=("相談", "そうだん", "困りごと", "consultation", "help"),
    ),
]
