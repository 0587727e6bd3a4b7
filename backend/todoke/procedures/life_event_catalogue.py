"""The standard life events (issue 17), seeded for every municipality like the procedure
catalogue and edited by staff as new versions: 引越し (within the city, into it, out of it),
出生, 結婚, おくやみ and 65歳になったら.

Deadlines follow the law where it sets one (JAPAN-FACTS.md): 転居届・転入届 14 days after the
move (住基法 §22–23), 児童手当 15 days after a birth or move-in (to be paid from the next month),
出生届 14 days (戸籍法 §49), 死亡届 7 days (戸籍法 §86), 世帯主変更届 and 国民健康保険 14 days,
犬の登録事項の変更 30 days, 国民年金の死亡届 14 days. Where the law sets none, no date is shown.
"""

from __future__ import annotations

from todoke.procedures.catalogue import _SIZES, _VISIT_TIMES
from todoke.procedures.life_event_schemas import EventItem, EventQuestion, LifeEventDefinition
from todoke.procedures.schemas import Localized as L
from todoke.procedures.schemas import Option, ShowIf


def _yes_no(qid: str, label: L, *, known: str = "", show_if: ShowIf | None = None) -> EventQuestion:
    return EventQuestion(id=qid, kind="yes_no", label=label, known=known, show_if=show_if)  # type: ignore[arg-type]


def _when(question: str, *values: str) -> ShowIf:
    return ShowIf(field=question, values=values)


YES = ("yes",)
POLICE = L(
    ja="警察署・運転免許センター", easy="けいさつしょ", en="Police station or licence centre"
)
PENSION_OFFICE = L(ja="年金事務所", easy="ねんきん じむしょ", en="Pension office")
POST_OFFICE = L(ja="日本郵便（郵便局）", easy="ゆうびんきょく", en="Japan Post")
EMPLOYER = L(
    ja="勤務先（健康保険組合）", easy="はたらいて いる かいしゃ", en="Your employer's insurer"
)

PHONE = EventQuestion(
    id="phone", kind="phone", label=L(ja="電話番号", easy="でんわ ばんごう", en="Phone number")
)
CHILD = _yes_no(
    "child",
    L(
        ja="中学生までの子ども（15歳未満）がいますか",
        easy="15さいより したの こどもが いますか",
        en="Is there a child under 15 in the household?",
    ),
    known="child_under_15",
)
NHI = _yes_no(
    "nhi",
    L(
        ja="国民健康保険に入っていますか",
        easy="こくみん けんこう ほけんに はいって いますか",
        en="Are you in the National Health Insurance?",
    ),
)
DOG = _yes_no(
    "dog",
    L(ja="犬を飼っていますか", easy="いぬを かって いますか", en="Do you keep a dog?"),
    known="dog",
)
LICENCE = _yes_no(
    "licence",
    L(
        ja="運転免許証を持っていますか",
        easy="うんてん めんきょしょうが ありますか",
        en="Do you hold a driving licence?",
    ),
)


# An online item the event does not fill completely: the review shows its form with what the
# event already knows (the phone number asked once) for the resident to complete there.
_PHONE_FILL = {"phone": "answer:phone"}
# After a death, 児童扶養手当's reason is the death of the other parent.
_REARING_AFTER_DEATH = {"phone": "answer:phone", "reason": "value:death"}


def _event_date(label: L) -> EventQuestion:
    return EventQuestion(id="event_date", kind="date", label=label)


def _consultation(topic: str, detail: str) -> dict[str, str]:
    """A consultation-booking filled from the event: the resident's name, phone and day."""
    return {
        "topic": f"value:{topic}",
        "detail": f"value:{detail}",
        "preferred_date": "answer:consult_date",
        "preferred_time": "answer:consult_time",
        "way": "value:counter",
        "name": "registry:full_name",
        "phone": "answer:phone",
    }


CONSULT_TIMES = (
    Option("morning", L(ja="午前", easy="ごぜん", en="Morning")),
    Option("afternoon", L(ja="午後", easy="ごご", en="Afternoon")),
)


def _consult_questions(label: L) -> tuple[EventQuestion, ...]:
    ask = _yes_no("consult", label)
    return (
        ask,
        EventQuestion(
            id="consult_date",
            kind="date",
            label=L(ja="相談の希望日", easy="そうだん したい ひ", en="Preferred day"),
            show_if=_when("consult", "yes"),
        ),
        EventQuestion(
            id="consult_time",
            kind="choice",
            label=L(ja="希望の時間帯", easy="じかん", en="Preferred time"),
            options=CONSULT_TIMES,
            show_if=_when("consult", "yes"),
        ),
    )


# --- 引越し ---------------------------------------------------------------------------------

WITHIN, INTO, OUT = "within", "into", "out"

MOVING = LifeEventDefinition(
    slug="moving",
    title=L(ja="引越し", easy="ひっこし", en="Moving house"),
    summary=L(
        ja="市内での引っ越し、市への転入、市外への転出で必要な手続きをまとめて確かめ、"
        "オンラインの手続きは一度に申請、窓口の手続きは1回の来庁にまとめて予約できます。",
        easy="ひっこしの てつづきを まとめて しらべます。オンラインの てつづきは いっかいで "
        "しんせい、まどぐちの てつづきは いっかいの よやくに まとめます。",
        en="Find every procedure a move needs: file the online ones at once and book the "
        "counter ones as one visit.",
    ),
    questions=(
        EventQuestion(
            id="move_kind",
            kind="choice",
            label=L(ja="どの引っ越しですか", easy="どんな ひっこし ですか", en="Which move?"),
            options=(
                Option(WITHIN, L(ja="市内での引っ越し", easy="しの なかで", en="Within the city")),
                Option(
                    INTO, L(ja="ほかの市区町村から", easy="ほかの まちから", en="Into the city")
                ),
                Option(OUT, L(ja="ほかの市区町村へ", easy="ほかの まちへ", en="Out of the city")),
            ),
        ),
        _event_date(L(ja="引っ越しの日", easy="ひっこす ひ", en="Date of the move")),
        EventQuestion(
            id="movers",
            kind="members",
            label=L(ja="引っ越す人", easy="ひっこす ひと", en="Who moves"),
            known="household",
            show_if=_when("move_kind", WITHIN, OUT),
        ),
        EventQuestion(
            id="new_postal_code",
            kind="postal_code",
            label=L(
                ja="新しい住所の郵便番号", easy="あたらしい ゆうびん ばんごう", en="New postal code"
            ),
            show_if=_when("move_kind", WITHIN),
        ),
        EventQuestion(
            id="new_address",
            kind="text",
            label=L(ja="新しい住所", easy="あたらしい じゅうしょ", en="New address"),
            show_if=_when("move_kind", WITHIN),
        ),
        PHONE,
        EventQuestion(
            id="visit_date",
            kind="date",
            label=L(ja="窓口に来る日", easy="まどぐちに くる ひ", en="Day of your counter visit"),
            help=L(
                ja="転居届は窓口での手続きです。引っ越した日から14日以内の日を選んでください。",
                easy="ひっこした ひから 14にち いないの ひを えらんで ください。",
                en="The law wants you at the counter: choose a day within 14 days of the move.",
            ),
            show_if=_when("move_kind", WITHIN),
        ),
        EventQuestion(
            id="visit_time",
            kind="choice",
            label=L(ja="来庁希望時間", easy="くる じかん", en="Time of the visit"),
            options=_VISIT_TIMES,
            show_if=_when("move_kind", WITHIN),
        ),
        CHILD,
        _yes_no(
            "nursery",
            L(
                ja="保育所に通っている、または入りたい子どもがいますか",
                easy="ほいくえんに いく こどもが いますか",
                en="Does a child attend, or need, a nursery place?",
            ),
            show_if=_when("child", "yes"),
        ),
        NHI,
        DOG,
        LICENCE,
        _yes_no(
            "garbage",
            L(
                ja="引っ越しで粗大ごみを出しますか",
                easy="ひっこしで おおきな ごみを だしますか",
                en="Will you put out oversized garbage?",
            ),
            show_if=_when("move_kind", WITHIN, OUT),
        ),
        EventQuestion(
            id="garbage_item",
            kind="text",
            label=L(ja="出すもの（品目）", easy="だす もの", en="What you put out"),
            show_if=_when("garbage", "yes"),
        ),
        EventQuestion(
            id="garbage_size",
            kind="choice",
            label=L(ja="大きさ", easy="おおきさ", en="Size"),
            options=_SIZES,
            show_if=_when("garbage", "yes"),
        ),
    ),
    items=(
        EventItem(
            id="move-within",
            title=L(ja="転居届", easy="てんきょ とどけ", en="Notice of a move within the city"),
            mode="counter_booking",
            procedure="move-within-city",
            deadline_days=14,
            when=(_when("move_kind", WITHIN),),
            fill={
                "notifier_name": "registry:full_name",
                "notifier_kana": "registry:full_name_kana",
                "notifier_role": "value:self",
                "phone": "answer:phone",
                "current_postal_code": "registry:postal_code",
                "current_address": "registry:address",
                "move_date": "answer:event_date",
                "new_postal_code": "answer:new_postal_code",
                "new_address": "answer:new_address",
                "household_members": "answer:movers",
                "household_change": "value:same",
                "visit_date": "answer:visit_date",
                "visit_time": "answer:visit_time",
                "related_procedures": "related:list",
                "declaration": "value:true",
            },
        ),
        EventItem(
            id="move-in",
            title=L(ja="転入届", easy="てんにゅう とどけ", en="Notice of moving in"),
            mode="counter_booking",
            procedure="move-in",
            deadline_days=14,
            when=(_when("move_kind", INTO),),
        ),
        EventItem(
            id="move-out",
            title=L(ja="転出届", easy="てんしゅつ とどけ", en="Notice of moving out"),
            mode="counter_booking",
            procedure="move-out",
            note=L(
                ja="マイナポータルでも届け出られます（引っ越しの30日前から）。",
                easy="マイナポータルでも できます。",
                en="Also possible on Mynaportal, from 30 days before the move.",
            ),
            when=(_when("move_kind", OUT),),
        ),
        EventItem(
            id="nhi",
            title=L(
                ja="国民健康保険の届出（住所変更・加入・脱退）",
                easy="こくみん けんこう ほけんの とどけ",
                en="National Health Insurance: change, join or leave",
            ),
            mode="counter_only",
            deadline_days=14,
            when=(_when("nhi", "yes"),),
            related="health_insurance",
        ),
        EventItem(
            id="child-allowance-change",
            title=L(
                ja="児童手当の住所変更",
                easy="じどう てあての じゅうしょ へんこう",
                en="Child allowance: change of address",
            ),
            mode="counter_only",
            deadline_days=15,
            when=(_when("move_kind", WITHIN), _when("child", "yes")),
            related="child_allowance",
        ),
        EventItem(
            id="medical-certificate",
            title=L(
                ja="子ども医療証の住所変更",
                easy="こどもの いりょうしょうの じゅうしょ へんこう",
                en="Children's medical certificate: change of address",
            ),
            mode="counter_only",
            deadline_days=14,
            when=(_when("move_kind", WITHIN), _when("child", "yes")),
            related="medical_certificate",
        ),
        EventItem(
            id="child-allowance-claim",
            title=L(
                ja="児童手当の認定請求", easy="じどう てあての しんせい", en="Child allowance claim"
            ),
            mode="online",
            procedure="child-allowance",
            fill=_PHONE_FILL,
            deadline_days=15,
            when=(_when("move_kind", INTO), _when("child", "yes")),
        ),
        EventItem(
            id="nursery-admission",
            title=L(ja="保育所の入所申込", easy="ほいくえんの もうしこみ", en="Nursery admission"),
            mode="online",
            procedure="nursery-admission",
            fill=_PHONE_FILL,
            when=(_when("move_kind", INTO), _when("nursery", "yes")),
        ),
        EventItem(
            id="nursery-change",
            title=L(
                ja="保育所の住所変更",
                easy="ほいくえんに じゅうしょが かわった ことを つたえる",
                en="Nursery: change of address",
            ),
            mode="counter_only",
            when=(_when("move_kind", WITHIN), _when("nursery", "yes")),
        ),
        EventItem(
            id="dog-change",
            title=L(
                ja="犬の登録事項の変更",
                easy="いぬの とうろくの へんこう",
                en="Dog registration: change of address",
            ),
            mode="counter_only",
            deadline_days=30,
            when=(_when("move_kind", WITHIN), _when("dog", "yes")),
            related="dog",
        ),
        EventItem(
            id="dog-registration",
            title=L(ja="犬の登録", easy="いぬの とうろく", en="Dog registration"),
            mode="online",
            procedure="dog-registration",
            fill=_PHONE_FILL,
            deadline_days=30,
            when=(_when("move_kind", INTO), _when("dog", "yes")),
        ),
        EventItem(
            id="garbage",
            title=L(
                ja="粗大ごみ収集申込", easy="おおきな ごみの もうしこみ", en="Oversized garbage"
            ),
            mode="online",
            procedure="oversized-garbage",
            deadline_days=-1,
            when=(_when("garbage", "yes"),),
            fill={
                "applicant_name": "registry:full_name",
                "postal_code": "registry:postal_code",
                "address": "registry:address",
                "phone": "answer:phone",
                "item_kinds": "value:1",
                "item_1": "answer:garbage_item",
                "item_1_size": "answer:garbage_size",
                "item_1_count": "value:1",
                "place": "value:entrance",
                "declaration": "value:true",
            },
        ),
        EventItem(
            id="licence",
            title=L(
                ja="運転免許証の住所変更",
                easy="うんてん めんきょしょうの じゅうしょ へんこう",
                en="Driving licence: change of address",
            ),
            mode="other_organisation",
            organisation=POLICE,
            when=(_when("licence", "yes"),),
        ),
        EventItem(
            id="post",
            title=L(
                ja="郵便物の転送届（e転居）",
                easy="ゆうびんの てんそう",
                en="Mail forwarding (e-tenkyo)",
            ),
            mode="other_organisation",
            organisation=POST_OFFICE,
        ),
    ),
)

# --- 出生 -----------------------------------------------------------------------------------

BIRTH = LifeEventDefinition(
    slug="birth",
    title=L(ja="出生", easy="こどもが うまれた", en="A birth"),
    summary=L(
        ja="赤ちゃんが生まれたときの届出と手当をまとめて確かめます。",
        easy="あかちゃんが うまれた ときの てつづきを まとめて しらべます。",
        en="The notices and allowances after a baby is born, in one list.",
    ),
    questions=(
        _event_date(L(ja="生まれた日", easy="うまれた ひ", en="Date of birth")),
        PHONE,
        NHI,
        _yes_no(
            "nursery",
            L(
                ja="保育所に入りたいですか",
                easy="ほいくえんに いれたい ですか",
                en="Will you need a nursery place?",
            ),
        ),
        *_consult_questions(
            L(
                ja="保健師の子育て相談（新生児訪問）を予約しますか",
                easy="こそだての そうだんを よやく しますか",
                en="Book a childcare consultation (newborn visit)?",
            )
        ),
    ),
    items=(
        EventItem(
            id="birth-notice",
            title=L(ja="出生届", easy="しゅっしょう とどけ", en="Birth notice"),
            mode="counter_only",
            deadline_days=14,
        ),
        EventItem(
            id="child-allowance",
            title=L(
                ja="児童手当の認定請求", easy="じどう てあての しんせい", en="Child allowance claim"
            ),
            mode="online",
            procedure="child-allowance",
            fill=_PHONE_FILL,
            deadline_days=15,
        ),
        EventItem(
            id="medical-certificate",
            title=L(
                ja="子ども医療証の申請",
                easy="こどもの いりょうしょう",
                en="Children's medical certificate",
            ),
            mode="counter_only",
        ),
        EventItem(
            id="nhi",
            title=L(
                ja="国民健康保険の加入", easy="こくみん けんこう ほけんに はいる", en="Join the NHI"
            ),
            mode="counter_only",
            deadline_days=14,
            when=(_when("nhi", "yes"),),
        ),
        EventItem(
            id="birth-grant",
            title=L(
                ja="出産育児一時金",
                easy="しゅっさん いくじ いちじきん",
                en="Childbirth lump-sum grant",
            ),
            mode="other_organisation",
            organisation=EMPLOYER,
            when=(_when("nhi", "no"),),
        ),
        EventItem(
            id="nursery",
            title=L(ja="保育所の入所申込", easy="ほいくえんの もうしこみ", en="Nursery admission"),
            mode="online",
            procedure="nursery-admission",
            fill=_PHONE_FILL,
            when=(_when("nursery", "yes"),),
        ),
        EventItem(
            id="consultation",
            title=L(ja="子育て相談の予約", easy="こそだての そうだん", en="Childcare consultation"),
            mode="online",
            procedure="consultation-booking",
            when=(_when("consult", "yes"),),
            fill=_consultation("childcare", "出生に伴う子育て相談（新生児訪問）"),
        ),
    ),
)

# --- 結婚 -----------------------------------------------------------------------------------

MARRIAGE = LifeEventDefinition(
    slug="marriage",
    title=L(ja="結婚", easy="けっこん", en="Marriage"),
    summary=L(
        ja="結婚したときの届出と、氏名・住所が変わる手続きをまとめて確かめます。",
        easy="けっこん した ときの てつづきを まとめて しらべます。",
        en="The notices after a marriage, and what changes with a new name or address.",
    ),
    questions=(
        _event_date(L(ja="結婚する日（届出の日）", easy="けっこん する ひ", en="Date of marriage")),
        PHONE,
        _yes_no(
            "move",
            L(
                ja="一緒に住むために市内で引っ越しますか",
                easy="いっしょに すむ ために しの なかで ひっこしますか",
                en="Will you move within the city to live together?",
            ),
        ),
        _yes_no(
            "name_change",
            L(
                ja="名字が変わりますか",
                easy="みょうじが かわりますか",
                en="Does your surname change?",
            ),
        ),
        NHI,
        LICENCE,
        CHILD,
    ),
    items=(
        EventItem(
            id="marriage-notice",
            title=L(ja="婚姻届", easy="こんいん とどけ", en="Marriage notice"),
            mode="counter_only",
        ),
        EventItem(
            id="move",
            title=L(ja="転居届", easy="てんきょ とどけ", en="Notice of a move within the city"),
            mode="counter_booking",
            procedure="move-within-city",
            deadline_days=14,
            when=(_when("move", "yes"),),
        ),
        EventItem(
            id="nhi",
            title=L(
                ja="国民健康保険の届出", easy="こくみん けんこう ほけんの とどけ", en="NHI notice"
            ),
            mode="counter_only",
            deadline_days=14,
            when=(_when("nhi", "yes"),),
        ),
        EventItem(
            id="pension",
            title=L(
                ja="国民年金の種別変更（第3号被保険者など）",
                easy="ねんきんの とどけ",
                en="National pension: change of category",
            ),
            mode="other_organisation",
            organisation=PENSION_OFFICE,
            deadline_days=14,
        ),
        EventItem(
            id="licence",
            title=L(
                ja="運転免許証の記載事項変更",
                easy="めんきょしょうの へんこう",
                en="Driving licence update",
            ),
            mode="other_organisation",
            organisation=POLICE,
            when=(_when("licence", "yes"), _when("name_change", "yes")),
        ),
        EventItem(
            id="child-allowance",
            title=L(
                ja="児童手当の届出", easy="じどう てあての とどけ", en="Child allowance notice"
            ),
            mode="online",
            procedure="child-allowance",
            fill=_PHONE_FILL,
            deadline_days=15,
            when=(_when("child", "yes"),),
        ),
    ),
)

# --- おくやみ ---------------------------------------------------------------------------------

BEREAVEMENT = LifeEventDefinition(
    slug="bereavement",
    title=L(ja="おくやみ", easy="かぞくが なくなった", en="A death in the household"),
    summary=L(
        ja="ご家族が亡くなられたときの手続きを、課をまたいでまとめてご案内します。"
        "おくやみコーナーで1回の来庁にまとめられます。",
        easy="かぞくが なくなった ときの てつづきを まとめて しらべます。",
        en="Every task across the divisions after a death in the household, and one visit to "
        "the bereavement desk (おくやみコーナー).",
    ),
    questions=(
        _event_date(L(ja="亡くなった日", easy="なくなった ひ", en="Date of death")),
        EventQuestion(
            id="deceased",
            kind="members",
            label=L(ja="亡くなった方", easy="なくなった ひと", en="Who died"),
            known="household",
        ),
        PHONE,
        _yes_no(
            "head",
            L(
                ja="世帯主でしたか",
                easy="せたいぬし でしたか",
                en="Were they the head of household?",
            ),
        ),
        _yes_no(
            "nhi",
            L(
                ja="国民健康保険に入っていましたか",
                easy="こくみん けんこう ほけんに はいって いましたか",
                en="Were they in the National Health Insurance?",
            ),
        ),
        _yes_no(
            "care",
            L(
                ja="65歳以上でしたか（介護保険）",
                easy="65さい いじょう でしたか",
                en="Were they 65 or older (long-term care insurance)?",
            ),
        ),
        _yes_no(
            "pension",
            L(
                ja="年金を受け取っていましたか",
                easy="ねんきんを もらって いましたか",
                en="Did they receive a pension?",
            ),
        ),
        _yes_no(
            "surviving_parent",
            L(
                ja="18歳までの子どもを、残された親がひとりで育てますか",
                easy="のこった おやが ひとりで こどもを そだてますか",
                en="Does a surviving parent now raise a child under 18 alone?",
            ),
        ),
        *_consult_questions(
            L(
                ja="おくやみコーナーを予約しますか",
                easy="おくやみ コーナーを よやく しますか",
                en="Book a visit to the bereavement desk?",
            )
        ),
    ),
    items=(
        EventItem(
            id="death-notice",
            title=L(ja="死亡届", easy="しぼう とどけ", en="Death notice"),
            mode="counter_only",
            deadline_days=7,
            note=L(
                ja="多くの場合、葬儀社が代わりに届け出ます。",
                easy="そうぎしゃが かわりに とどける ことが おおいです。",
                en="Often filed by the funeral company for you.",
            ),
        ),
        EventItem(
            id="head-change",
            title=L(
                ja="世帯主変更届", easy="せたいぬしの へんこう", en="Change of head of household"
            ),
            mode="counter_only",
            related="desk",
            deadline_days=14,
            when=(_when("head", "yes"),),
        ),
        EventItem(
            id="nhi",
            title=L(
                ja="国民健康保険の資格喪失と葬祭費",
                easy="こくみん けんこう ほけんの とどけ と そうさいひ",
                en="NHI: end of cover and the funeral grant",
            ),
            mode="counter_only",
            related="desk",
            deadline_days=14,
            when=(_when("nhi", "yes"),),
        ),
        EventItem(
            id="care",
            title=L(
                ja="介護保険の資格喪失",
                easy="かいご ほけんの とどけ",
                en="Long-term care insurance: end",
            ),
            mode="counter_only",
            related="desk",
            deadline_days=14,
            when=(_when("care", "yes"),),
        ),
        EventItem(
            id="pension",
            title=L(
                ja="年金の受給停止と未支給年金",
                easy="ねんきんの とどけ",
                en="Pension: stop and unpaid amounts",
            ),
            mode="other_organisation",
            organisation=PENSION_OFFICE,
            deadline_days=14,
            when=(_when("pension", "yes"),),
        ),
        EventItem(
            id="certificate",
            title=L(
                ja="住民票の写し（除票）の請求",
                easy="じゅうみんひょうを もらう",
                en="Certificate of residence (of the deceased)",
            ),
            mode="online",
            procedure="residence-certificate",
            fill=_PHONE_FILL,
            note=L(
                ja="年金や保険、相続の手続きで求められることがあります。",
                easy="ねんきんや ほけんの てつづきで いる ことが あります。",
                en="Pension, insurance and inheritance procedures often ask for it.",
            ),
        ),
        EventItem(
            id="child-rearing-allowance",
            title=L(
                ja="児童扶養手当の認定請求",
                easy="ひとりおやの かていの てあて",
                en="Child-rearing allowance claim",
            ),
            mode="online",
            procedure="child-rearing-allowance",
            fill=_REARING_AFTER_DEATH,
            when=(_when("surviving_parent", "yes"),),
        ),
        EventItem(
            id="desk",
            title=L(
                ja="おくやみコーナーの予約",
                easy="おくやみ コーナーの よやく",
                en="Bereavement desk visit",
            ),
            mode="counter_booking",
            procedure="consultation-booking",
            when=(_when("consult", "yes"),),
            fill={**_consultation("other", ""), "detail": "related:text"},
        ),
    ),
)

# --- 65歳になったら ------------------------------------------------------------------------------

TURNING_65 = LifeEventDefinition(
    slug="turning-65",
    title=L(ja="65歳になったら", easy="65さいに なったら", en="Turning 65"),
    summary=L(
        ja="65歳になると変わること（介護保険、年金、予防接種）をまとめて確かめます。",
        easy="65さいに なると かわる ことを まとめて しらべます。",
        en="What changes at 65 — care insurance, pension, vaccinations — in one list.",
    ),
    questions=(
        _event_date(L(ja="65歳の誕生日", easy="65さいの たんじょうび", en="Your 65th birthday")),
        PHONE,
        _yes_no(
            "pension_claimed",
            L(
                ja="年金の請求は済みましたか",
                easy="ねんきんの しんせいは おわりましたか",
                en="Have you claimed your pension?",
            ),
        ),
        *_consult_questions(
            L(
                ja="地域包括支援センターの相談を予約しますか",
                easy="こうれいしゃの そうだんを よやく しますか",
                en="Book a talk with the community care centre?",
            )
        ),
    ),
    items=(
        EventItem(
            id="care-card",
            title=L(
                ja="介護保険被保険者証の受け取り",
                easy="かいご ほけんしょうを うけとる",
                en="Receive your long-term care insurance card",
            ),
            mode="counter_only",
            note=L(
                ja="誕生月に郵送します。届かないときは窓口へ。",
                easy="たんじょうびの つきに ゆうびんで おくります。",
                en="Posted in your birthday month; ask at the counter if it does not arrive.",
            ),
        ),
        EventItem(
            id="pension",
            title=L(
                ja="老齢年金の請求", easy="ねんきんの しんせい", en="Claim your old-age pension"
            ),
            mode="other_organisation",
            organisation=PENSION_OFFICE,
            when=(_when("pension_claimed", "no"),),
        ),
        EventItem(
            id="flu",
            title=L(
                ja="高齢者インフルエンザ予防接種（10月〜1月）",
                easy="インフルエンザの ちゅうしゃ",
                en="Subsidised flu shot (October to January)",
            ),
            mode="other_organisation",
            organisation=L(ja="市内の医療機関", easy="びょういん", en="A clinic in the city"),
        ),
        EventItem(
            id="consultation",
            title=L(
                ja="地域包括支援センターの相談",
                easy="こうれいしゃの そうだん",
                en="Community care consultation",
            ),
            mode="online",
            procedure="consultation-booking",
            when=(_when("consult", "yes"),),
            fill=_consultation("elderly_care", "65歳を迎えての相談"),
        ),
    ),
)

STANDARD_EVENTS = [MOVING, BIRTH, MARRIAGE, BEREAVEMENT, TURNING_65]
