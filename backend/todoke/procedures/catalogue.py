"""A standard catalogue: the departments and procedures residents use most.

A municipality starts from these and edits them as data. Online modes follow the law
(see JAPAN-FACTS): 転居届 needs the person at the counter, so online it is a pre-filled
visit booking; 児童扶養手当 needs an interview before a decision.
"""

from __future__ import annotations

from todoke.procedures.schemas import (
    AddressEffect,
    FieldSpec,
    FieldType,
    FormSchema,
    Option,
    PrefillSource,
    ProcedureDefinition,
    Section,
    ShowIf,
    WorkflowStep,
)
from todoke.procedures.schemas import Localized as L
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

# --- building blocks shared by the forms ---------------------------------------------------

REGISTRY_LOCK = L(
    ja="住民基本台帳の情報です。違う場合は『この情報が違う』からお知らせください。",
    easy="じゅうみんひょうの じょうほうです。ちがう ときは 「この じょうほうが ちがう」から "
    "おしらせ ください。",
    en="From the basic resident register. If it is wrong, tell us with “This is wrong”.",
)
ADDRESS_LOCK = L(
    ja="住民基本台帳に登録されている住所です。違う場合は『この情報が違う』からお知らせください。"
    "住所が変わった場合は、先に転居届などの手続きが必要です。",
    easy="じゅうみんひょうの じゅうしょです。ちがう ときは 「この じょうほうが ちがう」から "
    "おしらせ ください。ひっこした ときは さきに ひっこしの とどけを してください。",
    en="Your address in the basic resident register. If it is wrong, tell us with “This is "
    "wrong”; if you have moved, file the moving notification first.",
)
DECLARATION = L(
    ja="記載内容に誤りがないことを誓約します",
    easy="かいた ことに まちがいは ありません",
    en="I declare that what I have entered is true and correct",
)
PHONE_HELP = L(
    ja="日中に連絡がとれる電話番号を入力してください。内容を確認するときに使います。",
    easy="ひるま に でんわが できる ばんごうを かいてください。"
    "ききたい ことが ある とき でんわします。",
    en="A number we can reach you on during the day, in case we need to check something.",
)
BIRTH_YEAR_MIN = 1900  # dates: min / max are years
WISH_YEAR_MIN = 2024  # wished dates lie ahead; the year bound only stops typos


def _opt(value: str, ja: str, easy: str, en: str) -> Option:
    return Option(value=value, label=L(ja=ja, easy=easy, en=en))


YES_NO = (
    _opt("yes", "はい", "はい", "Yes"),
    _opt("no", "いいえ", "いいえ", "No"),
)


def _locked(
    name: str,
    type: FieldType,
    prefill: PrefillSource,
    label: L,
    reason: L = REGISTRY_LOCK,
    help: L | None = None,
) -> FieldSpec:
    """A value from the registry that this form shows but does not let the resident change."""
    return FieldSpec(
        name=name,
        type=type,
        label=label,
        help=help,
        prefill=prefill,
        locked=True,
        lock_reason=reason,
    )


def _full_name(name: str, label: L | None = None) -> FieldSpec:
    return _locked(name, "text", "full_name", label or L(ja="氏名", easy="なまえ", en="Full name"))


def _full_name_kana(name: str) -> FieldSpec:
    return _locked(
        name,
        "kana",
        "full_name_kana",
        L(ja="フリガナ", easy="なまえの よみかた", en="Name in katakana"),
    )


def _birth_date(name: str) -> FieldSpec:
    return _locked(
        name, "date", "birth_date", L(ja="生年月日", easy="うまれた ひ", en="Date of birth")
    )


def _sex(name: str) -> FieldSpec:
    """性別 as the registry holds it: "male" / "female"."""
    return FieldSpec(
        name=name,
        type="choice",
        widget="radio",
        label=L(ja="性別", easy="せいべつ", en="Sex"),
        options=(
            _opt("male", "男", "おとこ", "Male"),
            _opt("female", "女", "おんな", "Female"),
        ),
        prefill="sex",
        locked=True,
        lock_reason=REGISTRY_LOCK,
    )


def _postal_code(name: str, reason: L = ADDRESS_LOCK) -> FieldSpec:
    return _locked(
        name,
        "postal_code",
        "postal_code",
        L(ja="郵便番号", easy="ゆうびん ばんごう", en="Postal code"),
        reason,
    )


def _address(name: str, label: L | None = None, reason: L = ADDRESS_LOCK) -> FieldSpec:
    return _locked(
        name,
        "text",
        "address",
        label or L(ja="住所", easy="じゅうしょ", en="Address"),
        reason,
    )


def _phone(name: str = "phone", help: L = PHONE_HELP) -> FieldSpec:
    return FieldSpec(
        name=name,
        type="phone",
        label=L(ja="電話番号", easy="でんわ ばんごう", en="Phone number"),
        help=help,
        required=True,
    )


def _declaration(label: L = DECLARATION, help: L | None = None, required: bool = True) -> FieldSpec:
    return FieldSpec(name="declaration", type="consent", label=label, help=help, required=required)


def _confirm_section(*fields: FieldSpec) -> Section:
    return Section(
        id="confirm",
        title=L(ja="確認", easy="さいごの かくにん", en="Confirmation"),
        fields=fields,
    )


# --- 住民票の写しの請求 ------------------------------------------------------------------------

RESIDENCE_CERTIFICATE_FORM = FormSchema(
    sections=(
        Section(
            id="request",
            title=L(ja="請求の内容", easy="たのむ もの", en="What you need"),
            fields=(
                FieldSpec(
                    name="scope",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="必要な人",
                        easy="だれの じゅうみんひょうが ひつようですか",
                        en="Who should be on it",
                    ),
                    required=True,
                    options=(
                        _opt(
                            "household",
                            "世帯全員",
                            "いっしょに すむ かぞく ぜんいん",
                            "The whole household",
                        ),
                        _opt("self", "本人のみ", "じぶん だけ", "Only me"),
                        _opt(
                            "some",
                            "世帯の一部の人",
                            "かぞくの なかの なんにんか",
                            "Some members of the household",
                        ),
                    ),
                ),
                FieldSpec(
                    name="members",
                    type="household_members",
                    label=L(ja="記載する人", easy="のせる ひと", en="People to include"),
                    required=True,
                    show_if=ShowIf(field="scope", values=("some",)),
                ),
                FieldSpec(
                    name="include_items",
                    type="choices",
                    widget="checkbox",
                    label=L(
                        ja="記載する項目（必要なものだけ）",
                        easy="のせる こと（ひつような ものだけ）",
                        en="Extra items to show (only if needed)",
                    ),
                    help=L(
                        ja="氏名・生年月日・性別・住所・住所を定めた日・前住所はいつも記載されます。"
                        "個人番号や住民票コードの記載が必要な場合は、窓口で請求してください。",
                        easy="なまえ、うまれた ひ、じゅうしょ などは いつも のります。"
                        "ほかに ひつような ものが あれば えらんでください。",
                        en="Name, date of birth, sex, address, the date you took it up and your "
                        "previous address are always shown. For an Individual Number or resident "
                        "record code, please ask at the counter.",
                    ),
                    options=(
                        _opt(
                            "head_relation",
                            "世帯主・続柄",
                            "せたいぬし と かぞくの かんけい",
                            "Head of household and relationship",
                        ),
                        _opt(
                            "domicile",
                            "本籍・筆頭者",
                            "ほんせき と ひっとうしゃ",
                            "Permanent domicile and head of the family register",
                        ),
                    ),
                ),
                FieldSpec(
                    name="copies",
                    type="number",
                    label=L(ja="通数", easy="なんまい ひつようですか", en="Number of copies"),
                    help=L(
                        ja="1通300円です。",
                        easy="1まい 300えんです。",
                        en="300 yen a copy.",
                    ),
                    required=True,
                    min=1,
                    max=10,
                ),
            ),
        ),
        Section(
            id="purpose",
            title=L(ja="使いみち", easy="なにに つかいますか", en="Purpose"),
            fields=(
                FieldSpec(
                    name="purpose",
                    type="choice",
                    widget="select",
                    label=L(ja="使用目的", easy="つかう りゆう", en="Purpose of use"),
                    required=True,
                    options=(
                        _opt(
                            "work",
                            "就職・勤務先への提出",
                            "しごとの ところに だす",
                            "For work or a new job",
                        ),
                        _opt(
                            "vehicle",
                            "自動車・運転免許",
                            "くるま や うんてん めんきょ",
                            "Car registration or driving licence",
                        ),
                        _opt(
                            "housing",
                            "住宅ローン・賃貸契約",
                            "いえを かりる・かう",
                            "Housing loan or tenancy",
                        ),
                        _opt(
                            "pension_insurance",
                            "年金・保険",
                            "ねんきん や ほけん",
                            "Pension or insurance",
                        ),
                        _opt("school", "学校", "がっこう", "School"),
                        _opt("other", "その他", "そのほか", "Other"),
                    ),
                ),
                FieldSpec(
                    name="purpose_other",
                    type="text",
                    label=L(
                        ja="その他の使用目的", easy="つかう りゆう（そのほか）", en="Other purpose"
                    ),
                    required=True,
                    max_length=100,
                    show_if=ShowIf(field="purpose", values=("other",)),
                ),
                FieldSpec(
                    name="submit_to",
                    type="text",
                    label=L(ja="提出先", easy="だす ところ", en="Where it will be submitted"),
                    max_length=100,
                ),
            ),
        ),
        Section(
            id="delivery",
            title=L(ja="送り先", easy="おくる ところ", en="Delivery"),
            help=L(
                ja="住民票は、住民基本台帳に登録されている住所にだけ郵送します。",
                easy="じゅうみんひょうは あなたの じゅうしょに ゆうびんで おくります。",
                en="The certificate is posted only to your address in the basic resident register.",
            ),
            fields=(
                _full_name(
                    "applicant_name",
                    L(ja="請求者の氏名", easy="たのむ ひとの なまえ", en="Applicant's name"),
                ),
                _postal_code("delivery_postal_code"),
                _address(
                    "delivery_address",
                    L(ja="送り先の住所", easy="おくる じゅうしょ", en="Delivery address"),
                ),
                _phone(),
            ),
        ),
        _confirm_section(_declaration()),
    )
)


# --- 転居届（来庁予約） -------------------------------------------------------------------------

CURRENT_ADDRESS_LOCK = L(
    ja="転居前の住所として住民基本台帳から表示しています。この届出では変更できません。"
    "違う場合は『この情報が違う』からお知らせください。",
    easy="いまの じゅうしょです。ここでは かえられません。ちがう ときは 「この じょうほうが "
    "ちがう」から おしらせ ください。",
    en="Your address before the move, from the basic resident register; it cannot be changed "
    "here. If it is wrong, tell us with “This is wrong”.",
)

MOVE_FORM = FormSchema(
    sections=(
        Section(
            id="notifier",
            title=L(ja="届出人", easy="とどける ひと", en="Person filing"),
            fields=(
                _full_name("notifier_name"),
                _full_name_kana("notifier_kana"),
                FieldSpec(
                    name="notifier_role",
                    type="choice",
                    widget="radio",
                    label=L(ja="届出人の立場", easy="あなたは だれですか", en="You are filing as"),
                    help=L(
                        ja="オンラインで予約できるのは本人か世帯主です。代理人が届け出る場合は、"
                        "委任状を持って窓口へお越しください。",
                        easy="よやく できるのは ひっこす ひと か せたいぬし です。"
                        "ほかの ひとは いにんじょうを もって まどぐちに きてください。",
                        en="Online, only the person moving or the head of household can book. "
                        "A proxy comes to the counter with a letter of authorisation.",
                    ),
                    required=True,
                    options=(
                        _opt("self", "本人（引っ越す人）", "ひっこす ひと", "The person moving"),
                        _opt("head", "世帯主", "せたいぬし", "The head of household"),
                    ),
                ),
                _phone(),
            ),
        ),
        Section(
            id="move",
            title=L(ja="引っ越しの内容", easy="ひっこしに ついて", en="The move"),
            fields=(
                _postal_code("current_postal_code", CURRENT_ADDRESS_LOCK),
                _address(
                    "current_address",
                    L(ja="今までの住所", easy="いままでの じゅうしょ", en="Previous address"),
                    CURRENT_ADDRESS_LOCK,
                ),
                FieldSpec(
                    name="move_date",
                    type="date",
                    label=L(
                        ja="引っ越した日（住み始めた日）",
                        easy="ひっこした ひ",
                        en="Date of the move",
                    ),
                    help=L(
                        ja="新しい住所に住み始めた日です。引っ越す前には届け出られません。"
                        "引っ越しから14日以内に届け出てください。",
                        easy="あたらしい いえに すみはじめた ひです。"
                        "ひっこしてから 14にち いないに とどけてください。",
                        en="The day you started living at the new address. You cannot file "
                        "before moving; file within 14 days.",
                    ),
                    required=True,
                    min=2000,
                ),
                FieldSpec(
                    name="new_postal_code",
                    type="postal_code",
                    label=L(
                        ja="新しい住所の郵便番号",
                        easy="あたらしい ゆうびん ばんごう",
                        en="New postal code",
                    ),
                    required=True,
                    fills_address="new_address",
                ),
                FieldSpec(
                    name="new_address",
                    type="text",
                    label=L(ja="新しい住所", easy="あたらしい じゅうしょ", en="New address"),
                    help=L(
                        ja="番地・建物名・部屋番号まで入力してください。",
                        easy="ばんち、たてものの なまえ、へやの ばんごうまで かいてください。",
                        en="Include the block and lot number, building name and room number.",
                    ),
                    required=True,
                ),
                FieldSpec(
                    name="household_members",
                    type="household_members",
                    label=L(ja="引っ越す人", easy="ひっこす ひと", en="People moving"),
                    help=L(
                        ja="一緒に引っ越す世帯の人を選んでください。",
                        easy="いっしょに ひっこす ひとを ぜんいん えらんでください。",
                        en="Choose everyone in your household who is moving.",
                    ),
                    required=True,
                    prefill="household",
                ),
                FieldSpec(
                    name="household_change",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="引っ越し後の世帯",
                        easy="ひっこした あとの かぞく",
                        en="Household after the move",
                    ),
                    required=True,
                    options=(
                        _opt(
                            "same",
                            "世帯はそのまま（世帯全員で引っ越し）",
                            "かぞく ぜんいんで ひっこす",
                            "Unchanged: the whole household moves",
                        ),
                        _opt(
                            "split",
                            "一部の人が新しい世帯をつくる",
                            "なんにんかが あたらしい せたいに なる",
                            "Some members start a new household",
                        ),
                        _opt(
                            "join",
                            "ほかの世帯に入る",
                            "ほかの せたいに はいる",
                            "Joining another household",
                        ),
                    ),
                ),
                FieldSpec(
                    name="new_head_name",
                    type="text",
                    label=L(
                        ja="引っ越し後の世帯主の氏名",
                        easy="ひっこした あとの せたいぬしの なまえ",
                        en="Head of household after the move",
                    ),
                    required=True,
                    max_length=64,
                    show_if=ShowIf(field="household_change", values=("split", "join")),
                ),
            ),
        ),
        Section(
            id="visit",
            title=L(ja="来庁の予約", easy="まどぐちに くる ひ", en="Counter visit"),
            help=L(
                ja="転居届は法律により窓口での手続きが必要です。本人確認書類と、引っ越す人全員の"
                "マイナンバーカード（暗証番号4桁が必要）をお持ちください。",
                easy="まどぐちに きて ください。みぶんしょうめいしょ と、ひっこす ひと ぜんいんの "
                "マイナンバーカードを もって きてください。",
                en="The law requires a visit to the counter. Bring photo ID and the My Number "
                "Cards of everyone moving (with their 4-digit PINs).",
            ),
            fields=(
                FieldSpec(
                    name="visit_date",
                    type="date",
                    appointment=True,
                    label=L(ja="来庁希望日", easy="きたい ひ", en="Preferred visit date"),
                    required=True,
                    min=WISH_YEAR_MIN,
                ),
                FieldSpec(
                    name="visit_time",
                    type="choice",
                    widget="select",
                    label=L(ja="来庁希望時間", easy="きたい じかん", en="Preferred time"),
                    required=True,
                    options=(
                        _opt("09-10", "9時〜10時", "9じ から 10じ", "9:00–10:00"),
                        _opt("10-11", "10時〜11時", "10じ から 11じ", "10:00–11:00"),
                        _opt("11-12", "11時〜12時", "11じ から 12じ", "11:00–12:00"),
                        _opt("13-14", "13時〜14時", "ごご 1じ から 2じ", "13:00–14:00"),
                        _opt("14-15", "14時〜15時", "ごご 2じ から 3じ", "14:00–15:00"),
                        _opt("15-16", "15時〜16時", "ごご 3じ から 4じ", "15:00–16:00"),
                        _opt("16-17", "16時〜17時", "ごご 4じ から 5じ", "16:00–17:00"),
                    ),
                ),
                FieldSpec(
                    name="related_procedures",
                    type="choices",
                    widget="checkbox",
                    label=L(
                        ja="あわせて住所変更が必要なもの",
                        easy="いっしょに じゅうしょを かえる もの",
                        en="Other records to update at the same visit",
                    ),
                    help=L(
                        ja="当日、同じ窓口でまとめて手続きできるよう準備します。",
                        easy="まどぐちで いっしょに てつづき できるように じゅんびします。",
                        en="We prepare them so you can do everything at one visit.",
                    ),
                    options=(
                        _opt(
                            "health_insurance",
                            "国民健康保険",
                            "こくみん けんこう ほけん",
                            "National Health Insurance",
                        ),
                        _opt("child_allowance", "児童手当", "じどう てあて", "Child allowance"),
                        _opt(
                            "child_rearing_allowance",
                            "児童扶養手当",
                            "ひとりおやの かていの てあて",
                            "Child-rearing allowance",
                        ),
                        _opt(
                            "medical_certificate",
                            "医療証（子ども・ひとり親など）",
                            "いりょうしょう",
                            "Medical expense certificates",
                        ),
                        _opt(
                            "long_term_care",
                            "介護保険",
                            "かいご ほけん",
                            "Long-term care insurance",
                        ),
                        _opt("dog", "犬の登録", "いぬの とうろく", "Dog registration"),
                    ),
                ),
                FieldSpec(
                    name="visit_note",
                    type="textarea",
                    label=L(
                        ja="窓口への連絡事項",
                        easy="まどぐちに つたえたい こと",
                        en="Anything we should know",
                    ),
                    max_length=1000,
                ),
            ),
        ),
        _confirm_section(_declaration()),
    )
)


# --- 転出届（来庁予約）と 転入届（来庁予約）: moving between municipalities ---------------------

MOVE_DATA_LOCK = L(
    ja="前の市区町村の転出データ（あなたが送ることに同意したもの）から表示しています。"
    "違う場合は窓口でお知らせください。",
    easy="まえの まちから とどいた じょうほうです（あなたが おくることに どういしました）。"
    "ちがう ときは まどぐちで いってください。",
    en="From your former municipality's move-out data, sent with your consent. If it is "
    "wrong, tell the counter.",
)
_VISIT_TIMES = (
    _opt("09-10", "9時〜10時", "9じ から 10じ", "9:00–10:00"),
    _opt("10-11", "10時〜11時", "10じ から 11じ", "10:00–11:00"),
    _opt("11-12", "11時〜12時", "11じ から 12じ", "11:00–12:00"),
    _opt("13-14", "13時〜14時", "ごご 1じ から 2じ", "13:00–14:00"),
    _opt("14-15", "14時〜15時", "ごご 2じ から 3じ", "14:00–15:00"),
    _opt("15-16", "15時〜16時", "ごご 3じ から 4じ", "15:00–16:00"),
    _opt("16-17", "16時〜17時", "ごご 4じ から 5じ", "16:00–17:00"),
)


def _visit_section(help: L) -> Section:
    return Section(
        id="visit",
        title=L(ja="来庁の予約", easy="まどぐちに くる ひ", en="Counter visit"),
        help=help,
        fields=(
            FieldSpec(
                name="visit_date",
                type="date",
                appointment=True,
                label=L(ja="来庁希望日", easy="きたい ひ", en="Preferred visit date"),
                required=True,
                min=WISH_YEAR_MIN,
            ),
            FieldSpec(
                name="visit_time",
                type="choice",
                widget="select",
                label=L(ja="来庁希望時間", easy="きたい じかん", en="Preferred time"),
                required=True,
                options=_VISIT_TIMES,
            ),
        ),
    )


def _move_date(help: L) -> FieldSpec:
    return FieldSpec(
        name="move_date",
        type="date",
        label=L(ja="引っ越しの日", easy="ひっこす ひ", en="Date of the move"),
        help=help,
        required=True,
        min=2000,
    )


MOVE_OUT_FORM = FormSchema(
    sections=(
        Section(
            id="notifier",
            title=L(ja="届出人", easy="とどける ひと", en="Person filing"),
            fields=(
                _full_name("notifier_name"),
                _full_name_kana("notifier_kana"),
                _phone(),
            ),
        ),
        Section(
            id="move",
            title=L(ja="転出の内容", easy="ひっこしに ついて", en="The move"),
            fields=(
                _postal_code("current_postal_code", CURRENT_ADDRESS_LOCK),
                _address(
                    "current_address",
                    L(ja="今の住所", easy="いまの じゅうしょ", en="Current address"),
                    CURRENT_ADDRESS_LOCK,
                ),
                FieldSpec(
                    name="destination",
                    type="text",
                    label=L(ja="転出先の市区町村", easy="ひっこす さきの まち", en="Moving to"),
                    required=True,
                    max_length=100,
                ),
                _move_date(
                    L(
                        ja="引っ越す日（予定日）です。"
                        "転出届は引っ越しの前後14日以内に届け出てください。",
                        easy="ひっこす ひです。"
                        "ひっこす まえか あとの 14にち いないに とどけてください。",
                        en="The day you move (or plan to). File within 14 days before or after.",
                    )
                ),
                FieldSpec(
                    name="new_postal_code",
                    type="postal_code",
                    label=L(
                        ja="新しい住所の郵便番号",
                        easy="あたらしい ゆうびん ばんごう",
                        en="New postal code",
                    ),
                    required=True,
                    fills_address="new_address",
                ),
                FieldSpec(
                    name="new_address",
                    type="text",
                    label=L(ja="新しい住所", easy="あたらしい じゅうしょ", en="New address"),
                    required=True,
                    max_length=200,
                ),
                FieldSpec(
                    name="household_members",
                    type="household_members",
                    label=L(ja="転出する人", easy="ひっこす ひと", en="People moving"),
                    required=True,
                    prefill="household",
                ),
            ),
        ),
        _visit_section(
            L(
                ja="転出届は窓口で受け付けます（オンラインで署名して届け出られるのはマイナポータルの"
                "引越しワンストップサービスだけです）。本人確認書類をお持ちください。"
                "窓口で転出証明書をお渡しします。",
                easy="まどぐちに きてください。みぶんしょうめいしょを もって きてください。"
                "てんしゅつ しょうめいしょを わたします。",
                en="The counter takes the move-out notification (a signed online one is only "
                "possible through Mynaportal's one-stop moving service). Bring photo ID; you "
                "receive the certificate of moving out.",
            )
        ),
        _confirm_section(_declaration()),
    )
)

MOVE_IN_FORM = FormSchema(
    sections=(
        Section(
            id="notifier",
            title=L(ja="届出人", easy="とどける ひと", en="Person filing"),
            fields=(
                _locked(
                    "notifier_name",
                    "text",
                    "full_name",
                    L(ja="氏名", easy="なまえ", en="Full name"),
                    MOVE_DATA_LOCK,
                ),
                _locked(
                    "notifier_kana",
                    "kana",
                    "full_name_kana",
                    L(ja="フリガナ", easy="なまえの よみかた", en="Name in katakana"),
                    MOVE_DATA_LOCK,
                ),
                _locked(
                    "notifier_birth_date",
                    "date",
                    "birth_date",
                    L(ja="生年月日", easy="うまれた ひ", en="Date of birth"),
                    MOVE_DATA_LOCK,
                ),
                _phone(),
            ),
        ),
        Section(
            id="move",
            title=L(ja="転入の内容", easy="ひっこしに ついて", en="The move"),
            fields=(
                _locked(
                    "previous_address",
                    "text",
                    "previous_address",
                    L(ja="前の住所", easy="まえの じゅうしょ", en="Previous address"),
                    MOVE_DATA_LOCK,
                ),
                _locked(
                    "move_date",
                    "date",
                    "move_date",
                    L(ja="引っ越した日", easy="ひっこした ひ", en="Date of the move"),
                    MOVE_DATA_LOCK,
                ),
                _locked(
                    "new_postal_code",
                    "postal_code",
                    "postal_code",
                    L(
                        ja="新しい住所の郵便番号",
                        easy="あたらしい ゆうびん ばんごう",
                        en="New postal code",
                    ),
                    MOVE_DATA_LOCK,
                ),
                _locked(
                    "new_address",
                    "text",
                    "address",
                    L(ja="新しい住所", easy="あたらしい じゅうしょ", en="New address"),
                    MOVE_DATA_LOCK,
                ),
                FieldSpec(
                    name="household_members",
                    type="household_members",
                    label=L(ja="転入する人", easy="ひっこして きた ひと", en="People moving in"),
                    required=True,
                    prefill="household",
                ),
            ),
        ),
        _visit_section(
            L(
                ja="転入届は法律により窓口での手続きが必要です。引っ越した日から14日以内の日を"
                "選んでください。本人確認書類と、転入する人全員のマイナンバーカード"
                "（暗証番号4桁が必要）をお持ちください。",
                easy="まどぐちに きてください。ひっこした ひから 14にち いないの ひを "
                "えらんでください。"
                "みぶんしょうめいしょ と マイナンバーカードを もって きてください。",
                en="The law requires a counter visit. Choose a day within 14 days after the "
                "move. Bring photo ID and the My Number Cards of everyone moving in (with "
                "their 4-digit PINs).",
            )
        ),
        _confirm_section(_declaration()),
    )
)


# --- 児童手当 認定請求 ------------------------------------------------------------------------

CHILD_ALLOWANCE_FORM = FormSchema(
    sections=(
        Section(
            id="claimant",
            title=L(ja="請求者", easy="しんせいする ひと", en="Claimant"),
            help=L(
                ja="父母のうち、所得の高い方が請求者になります。公務員の方は勤務先に請求してください。",
                easy="おとうさんと おかあさんの うち、おかねを おおく かせいでいる ひとが "
                "しんせいします。",
                en="The parent with the higher income claims. Public servants claim through "
                "their employer.",
            ),
            fields=(
                _full_name("claimant_name"),
                _full_name_kana("claimant_kana"),
                _birth_date("claimant_birth_date"),
                _sex("claimant_sex"),
                _postal_code("claimant_postal_code"),
                _address("claimant_address"),
                _phone(),
                FieldSpec(
                    name="pension",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="加入している年金",
                        easy="はいっている ねんきん",
                        en="Your pension scheme",
                    ),
                    required=True,
                    options=(
                        _opt(
                            "employee",
                            "被用者（厚生年金）",
                            "かいしゃで はいる ねんきん（こうせい ねんきん）",
                            "Employee pension (kosei nenkin)",
                        ),
                        _opt(
                            "self_employed",
                            "非被用者（国民年金など）",
                            "こくみん ねんきん など",
                            "National pension (self-employed and others)",
                        ),
                        _opt("none", "未加入", "はいっていない", "Not enrolled"),
                    ),
                ),
            ),
        ),
        Section(
            id="spouse",
            title=L(ja="配偶者", easy="おっと・つま", en="Spouse"),
            help=L(
                ja="配偶者がいない場合は空欄のままにしてください。",
                easy="おっと や つまが いない ときは かかなくて いいです。",
                en="Leave blank if you have no spouse.",
            ),
            fields=(
                FieldSpec(
                    name="spouse_name",
                    type="text",
                    label=L(ja="配偶者の氏名", easy="おっと・つまの なまえ", en="Spouse's name"),
                    max_length=64,
                ),
                FieldSpec(
                    name="spouse_occupation",
                    type="text",
                    label=L(
                        ja="配偶者の職業", easy="おっと・つまの しごと", en="Spouse's occupation"
                    ),
                    max_length=100,
                ),
            ),
        ),
        Section(
            id="children",
            title=L(ja="対象となるお子さん", easy="てあての たいしょうの こども", en="Children"),
            fields=(
                FieldSpec(
                    name="children",
                    type="household_members",
                    label=L(
                        ja="養育しているお子さん（高校生年代まで）",
                        easy="そだてている こども（こうこうせい まで）",
                        en="Children you raise (up to high-school age)",
                    ),
                    required=True,
                    prefill="children",
                ),
                FieldSpec(
                    name="children_living_apart",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="別の住所に住んでいるお子さんがいますか",
                        easy="べつの いえに すんでいる こどもは いますか",
                        en="Does a child you support live at another address?",
                    ),
                    required=True,
                    options=YES_NO,
                ),
                FieldSpec(
                    name="children_apart_detail",
                    type="textarea",
                    label=L(
                        ja="別居しているお子さんの氏名・生年月日・住所",
                        easy="べつの いえに すむ こどもの なまえ、うまれた ひ、じゅうしょ",
                        en="Name, date of birth and address of each child living elsewhere",
                    ),
                    help=L(
                        ja="後日、別居監護申立書の提出をお願いします。",
                        easy="あとで べつの しょるいを だして もらいます。",
                        en="We will ask you for a statement of care for a child living apart.",
                    ),
                    required=True,
                    max_length=1000,
                    show_if=ShowIf(field="children_living_apart", values=("yes",)),
                ),
                FieldSpec(
                    name="supports_older_children",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="高校卒業後から22歳年度末までのお子さんを養っていますか",
                        easy="こうこうを でた あと 22さい までの こどもに おかねを だして いますか",
                        en="Do you support a child aged 18 to 22 (after high school)?",
                    ),
                    help=L(
                        ja="第3子以降の数え方に関係します。",
                        easy="3にんめ からの てあてに かんけい します。",
                        en="This counts towards the higher amount from the third child.",
                    ),
                    required=True,
                    options=YES_NO,
                ),
                FieldSpec(
                    name="older_children_detail",
                    type="textarea",
                    label=L(
                        ja="そのお子さんの氏名・生年月日",
                        easy="その こどもの なまえ と うまれた ひ",
                        en="Name and date of birth of each such child",
                    ),
                    help=L(
                        ja="後日、監護相当・生計費の負担についての確認書の提出をお願いします。",
                        easy="あとで かくにんの しょるいを だして もらいます。",
                        en="We will ask you for a confirmation that you support them.",
                    ),
                    required=True,
                    max_length=1000,
                    show_if=ShowIf(field="supports_older_children", values=("yes",)),
                ),
            ),
        ),
        Section(
            id="account",
            title=L(ja="振込口座", easy="おかねを ふりこむ こうざ", en="Payment account"),
            fields=(
                FieldSpec(
                    name="bank_account",
                    type="bank_account",
                    label=L(ja="振込先口座", easy="ふりこむ ぎんこうの こうざ", en="Bank account"),
                    help=L(
                        ja="請求者名義の普通預金口座のみ指定できます。公金受取口座も使えます。",
                        easy="しんせいする ひとの なまえの ふつう よきん こうざ だけです。"
                        "こうきん うけとり こうざも つかえます。",
                        en="Only an ordinary savings account in the claimant's own name. Your "
                        "registered public-benefit account (kokin uketori koza) can be used.",
                    ),
                    required=True,
                ),
            ),
        ),
        _confirm_section(_declaration()),
    )
)


# --- 児童扶養手当 認定請求 ----------------------------------------------------------------------
# An end-to-end browser test fills this form by field name: keep the names.

CHILD_REARING_FORM = FormSchema(
    sections=(
        Section(
            id="claimant",
            title=L(ja="請求者", easy="しんせいする ひと", en="Claimant"),
            fields=(
                _full_name("claimant_name"),
                _full_name_kana("claimant_kana"),
                _birth_date("claimant_birth_date"),
                _postal_code("claimant_postal_code"),
                _address("claimant_address"),
                _phone(),
                FieldSpec(
                    name="occupation",
                    type="text",
                    label=L(ja="職業", easy="しごと", en="Occupation"),
                    help=L(
                        ja="勤務先と仕事の内容（例：スーパー店員・パート）。働いていない場合は「無職」。",
                        easy="はたらいている ところ と しごとの ないよう。"
                        "はたらいていない ときは 「むしょく」と かいてください。",
                        en="Employer and kind of work (e.g. part-time shop assistant); "
                        '"none" if you do not work.',
                    ),
                    required=True,
                    max_length=100,
                ),
            ),
        ),
        Section(
            id="children",
            title=L(ja="対象児童", easy="てあての たいしょうの こども", en="Children"),
            fields=(
                FieldSpec(
                    name="children",
                    type="household_members",
                    label=L(
                        ja="養育しているお子さん",
                        easy="そだてている こども",
                        en="Children you raise",
                    ),
                    help=L(
                        ja="18歳になった後の最初の3月31日までのお子さん（中程度以上の障害がある場合は20歳未満）です。",
                        easy="18さいに なった あとの 3がつ 31にち までの こどもです。",
                        en="Children up to the 31 March after turning 18 (under 20 with a "
                        "moderate or heavier disability).",
                    ),
                    required=True,
                    prefill="children",
                ),
                FieldSpec(
                    name="children_living_apart",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="別の住所に住んでいるお子さんがいますか",
                        easy="べつの いえに すんでいる こどもは いますか",
                        en="Does a child you raise live at another address?",
                    ),
                    required=True,
                    options=YES_NO,
                ),
                FieldSpec(
                    name="children_apart_detail",
                    type="textarea",
                    label=L(
                        ja="別居しているお子さんの氏名・生年月日・住所と理由",
                        easy="べつの いえに すむ こどもの なまえ、うまれた ひ、じゅうしょ、りゆう",
                        en="Name, date of birth, address of each child living elsewhere, and why",
                    ),
                    max_length=1000,
                    show_if=ShowIf(field="children_living_apart", values=("yes",)),
                ),
            ),
        ),
        Section(
            id="reason",
            title=L(ja="支給要件", easy="てあてを もらう りゆう", en="Grounds for the claim"),
            fields=(
                FieldSpec(
                    name="reason",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="お子さんの父または母の状況",
                        easy="こどもの おとうさん または おかあさんの ようす",
                        en="The situation of the child's other parent",
                    ),
                    required=True,
                    options=(
                        _opt("divorce", "父母が離婚した", "りこん した", "The parents divorced"),
                        _opt(
                            "death", "父または母が死亡した", "なくなった", "The other parent died"
                        ),
                        _opt(
                            "disability",
                            "父または母が重度の障害の状態にある",
                            "おもい しょうがいが ある",
                            "The other parent has a severe disability",
                        ),
                        _opt(
                            "missing",
                            "父または母の生死が明らかでない",
                            "いきているか わからない",
                            "The other parent is missing",
                        ),
                        _opt(
                            "abandonment",
                            "父または母から1年以上遺棄されている",
                            "1ねん いじょう れんらくも おかねも ない",
                            "Abandoned by the other parent for a year or more",
                        ),
                        _opt(
                            "dv_order",
                            "父または母が裁判所からDV保護命令を受けた",
                            "さいばんしょが DVの ほごめいれいを だした",
                            "A court issued a DV protection order against the other parent",
                        ),
                        _opt(
                            "detention",
                            "父または母が1年以上拘禁されている",
                            "1ねん いじょう けいむしょ などに いる",
                            "The other parent has been detained for a year or more",
                        ),
                        _opt(
                            "unmarried",
                            "婚姻によらないで生まれた",
                            "けっこん しないで うまれた",
                            "Born outside marriage",
                        ),
                    ),
                ),
                FieldSpec(
                    name="other_parent_name",
                    type="text",
                    label=L(
                        ja="お子さんの父または母の氏名",
                        easy="こどもの おとうさん または おかあさんの なまえ",
                        en="Name of the child's other parent",
                    ),
                    help=L(
                        ja="わからない場合は空欄のままにしてください。",
                        easy="わからない ときは かかなくて いいです。",
                        en="Leave blank if you do not know.",
                    ),
                    max_length=64,
                ),
                FieldSpec(
                    name="other_parent_birth_date",
                    type="date",
                    label=L(
                        ja="お子さんの父または母の生年月日",
                        easy="こどもの おとうさん または おかあさんの うまれた ひ",
                        en="Other parent's date of birth",
                    ),
                    min=BIRTH_YEAR_MIN,
                ),
                FieldSpec(
                    name="public_pension",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="公的年金の受給",
                        easy="ねんきんを もらって いますか",
                        en="Public pensions",
                    ),
                    help=L(
                        ja="あなたまたはお子さんが遺族年金・障害年金・老齢年金などを受けているか答えてください。",
                        easy="あなた か こどもが ねんきんを もらって いるか こたえてください。",
                        en="Whether you or a child receive a survivor's, disability, old-age or "
                        "other public pension.",
                    ),
                    required=True,
                    options=(
                        _opt("none", "受けていない", "もらって いない", "None received"),
                        _opt("receiving", "受けている", "もらって いる", "Receiving a pension"),
                    ),
                ),
                FieldSpec(
                    name="pension_detail",
                    type="text",
                    label=L(
                        ja="年金の種類と受けている人",
                        easy="ねんきんの しゅるい と もらう ひと",
                        en="Which pension, and who receives it",
                    ),
                    max_length=200,
                    show_if=ShowIf(field="public_pension", values=("receiving",)),
                ),
            ),
        ),
        Section(
            id="account_documents",
            title=L(
                ja="振込口座と書類", easy="ふりこむ こうざ と しょるい", en="Account and documents"
            ),
            fields=(
                FieldSpec(
                    name="bank_account",
                    type="bank_account",
                    label=L(ja="振込先口座", easy="ふりこむ ぎんこうの こうざ", en="Bank account"),
                    help=L(
                        ja="請求者名義の口座を指定してください。公金受取口座も使えます。",
                        easy="しんせいする ひとの なまえの こうざ です。"
                        "こうきん うけとり こうざも つかえます。",
                        en="An account in the claimant's own name; your registered "
                        "public-benefit account (kokin uketori koza) can be used.",
                    ),
                    required=True,
                ),
                FieldSpec(
                    name="family_register",
                    type="file",
                    label=L(
                        ja="戸籍謄本（1か月以内に発行されたもの）",
                        easy="こせき とうほん（1かげつ いないに もらった もの）",
                        en="Family register certificate (issued within the last month)",
                    ),
                    help=L(
                        ja="請求者とお子さんの戸籍謄本です。面談のときに原本を確認します。",
                        easy="あなた と こどもの こせき とうほんです。"
                        "めんだんの とき ほんものを みせて ください。",
                        en="For you and the children. Bring the original to the interview.",
                    ),
                    required=True,
                    max_files=5,
                ),
                FieldSpec(
                    name="interview_wish",
                    type="date",
                    appointment=True,
                    label=L(
                        ja="面談の希望日",
                        easy="めんだんに きたい ひ",
                        en="Preferred interview date",
                    ),
                    help=L(
                        ja="平日でご都合のよい日を選んでください。担当者から日時の確定をご連絡します。",
                        easy="へいじつで こられる ひを えらんでください。"
                        "あとで じかんを れんらく します。",
                        en="A weekday that suits you; we will confirm the date and time.",
                    ),
                    required=True,
                    min=WISH_YEAR_MIN,
                ),
                _declaration(
                    help=L(
                        ja="事実と異なる請求で手当を受けた場合は、返還していただくことがあります。",
                        easy="うその しんせいで もらった おかねは "
                        "かえして もらう ことが あります。",
                        en="An allowance paid on a false claim may have to be repaid.",
                    )
                ),
            ),
        ),
    )
)


# --- 保育所等 入所申込 ------------------------------------------------------------------------

_NEED_REASONS = (
    _opt("work", "就労", "しごと", "Work"),
    _opt("pregnancy", "妊娠・出産", "にんしん・しゅっさん", "Pregnancy or childbirth"),
    _opt("illness", "病気・障害", "びょうき・しょうがい", "Illness or disability"),
    _opt("care", "家族の介護・看護", "かぞくの かいご・かんびょう", "Caring for a relative"),
    _opt("disaster", "災害の復旧", "さいがいの あとかたづけ", "Disaster recovery"),
    _opt("job_seeking", "求職活動", "しごとを さがしている", "Looking for work"),
    _opt(
        "study",
        "就学・職業訓練",
        "がっこう・しょくぎょう くんれん",
        "School or vocational training",
    ),
    _opt(
        "abuse_dv",
        "虐待・DVのおそれ",
        "ぎゃくたい・DVの しんぱい",
        "Risk of abuse or domestic violence",
    ),
    _opt(
        "parental_leave",
        "育児休業中の継続利用",
        "いくじ きゅうぎょう ちゅう（きょうだいが かよって いる）",
        "Continued use during parental leave",
    ),
    _opt("other", "その他", "そのほか", "Other"),
)


def _need_fields(prefix: str, reasons: tuple[Option, ...], whose: L) -> tuple[FieldSpec, ...]:
    """A guardian's 保育を必要とする事由, and for work the hours and 就労証明書."""
    return (
        FieldSpec(
            name=f"{prefix}need_reason",
            type="choice",
            widget="select",
            label=L(
                ja=f"{whose.ja}の保育が必要な理由",
                easy=f"{whose.easy}が こどもを みられない りゆう",
                en=f"Why {whose.en} cannot look after the child",
            ),
            required=True,
            options=reasons,
        ),
        FieldSpec(
            name=f"{prefix}work_hours",
            type="number",
            label=L(
                ja=f"{whose.ja}の1か月の就労時間",
                easy=f"{whose.easy}が 1かげつに はたらく じかん",
                en=f"Hours worked a month ({whose.en})",
            ),
            required=True,
            min=1,
            max=744,
            show_if=ShowIf(field=f"{prefix}need_reason", values=("work",)),
        ),
        FieldSpec(
            name=f"{prefix}employment_certificate",
            type="file",
            label=L(
                ja=f"{whose.ja}の就労証明書",
                easy=f"{whose.easy}の しごとの しょうめいしょ",
                en=f"Employment certificate for {whose.en}",
            ),
            help=L(
                ja="勤務先に記入してもらった就労証明書（国の標準様式）です。自営の方も必要です。",
                easy="はたらいている ところに かいて もらった しょるいです。",
                en="The national standard form, filled in by the employer (self-employed "
                "people fill it in themselves).",
            ),
            required=True,
            max_files=2,
            show_if=ShowIf(field=f"{prefix}need_reason", values=("work",)),
        ),
    )


NURSERY_FORM = FormSchema(
    sections=(
        Section(
            id="child",
            title=L(ja="入所するお子さん", easy="ほいくえんに かよう こども", en="The child"),
            fields=(
                FieldSpec(
                    name="child",
                    type="household_member",
                    label=L(ja="お子さん", easy="こども", en="Child"),
                    required=True,
                ),
                FieldSpec(
                    name="start_date",
                    type="date",
                    label=L(
                        ja="入所希望日", easy="かよい はじめたい ひ", en="Preferred start date"
                    ),
                    help=L(
                        ja="入所は原則として月の初日からです。",
                        easy="ふつうは つきの はじめの ひ からです。",
                        en="Places normally start on the first day of a month.",
                    ),
                    required=True,
                    min=WISH_YEAR_MIN,
                ),
                FieldSpec(
                    name="care_hours",
                    type="choice",
                    widget="radio",
                    label=L(ja="希望する保育時間", easy="あずける じかん", en="Care hours"),
                    help=L(
                        ja="就労がおおむね月120時間以上なら標準時間、それ未満なら短時間が目安です。",
                        easy="1かげつに 120じかん いじょう はたらく ひとは ながい ほう です。",
                        en="Standard if you work about 120 hours a month or more, otherwise short.",
                    ),
                    required=True,
                    options=(
                        _opt(
                            "standard",
                            "保育標準時間（1日最長11時間）",
                            "ながい じかん（1にち 11じかん まで）",
                            "Standard (up to 11 hours a day)",
                        ),
                        _opt(
                            "short",
                            "保育短時間（1日最長8時間）",
                            "みじかい じかん（1にち 8じかん まで）",
                            "Short (up to 8 hours a day)",
                        ),
                    ),
                ),
                FieldSpec(
                    name="health_notes",
                    type="textarea",
                    label=L(
                        ja="健康状態・アレルギー",
                        easy="からだの ようす・アレルギー",
                        en="Health and allergies",
                    ),
                    help=L(
                        ja="持病、食物アレルギー、配慮してほしいことがあれば書いてください。",
                        easy="びょうき や たべものの アレルギーが あれば かいてください。",
                        en="Any condition, food allergy or care the child needs.",
                    ),
                    max_length=1000,
                ),
            ),
        ),
        Section(
            id="facilities",
            title=L(ja="希望する施設", easy="かよいたい ほいくえん", en="Preferred facilities"),
            help=L(
                ja="希望の順に入力してください。利用調整は希望順位も考慮して行います。",
                easy="いきたい じゅんばんに かいてください。",
                en="In order of preference; places are allocated taking the ranking into account.",
            ),
            fields=(
                FieldSpec(
                    name="facility_1",
                    type="text",
                    label=L(ja="第1希望", easy="1ばん いきたい ところ", en="First choice"),
                    required=True,
                    max_length=100,
                ),
                FieldSpec(
                    name="facility_2",
                    type="text",
                    label=L(ja="第2希望", easy="2ばんめに いきたい ところ", en="Second choice"),
                    max_length=100,
                ),
                FieldSpec(
                    name="facility_3",
                    type="text",
                    label=L(ja="第3希望", easy="3ばんめに いきたい ところ", en="Third choice"),
                    max_length=100,
                ),
            ),
        ),
        Section(
            id="guardian",
            title=L(ja="保護者", easy="ほごしゃ（おや）", en="Guardian"),
            fields=(
                _full_name("guardian_name"),
                _postal_code("guardian_postal_code"),
                _address("guardian_address"),
                _phone(),
                *_need_fields("", _NEED_REASONS, L(ja="あなた", easy="あなた", en="you")),
            ),
        ),
        Section(
            id="partner",
            title=L(ja="もう一人の保護者", easy="もう ひとりの ほごしゃ", en="The other guardian"),
            help=L(
                ja="同じ世帯の配偶者などについて答えてください。",
                easy="いっしょに すむ おっと や つま などに ついて こたえてください。",
                en="Your spouse or partner in the household.",
            ),
            fields=(
                *_need_fields(
                    "partner_",
                    (
                        *_NEED_REASONS,
                        _opt(
                            "no_partner",
                            "もう一人の保護者はいない",
                            "ほかの ほごしゃは いない",
                            "There is no other guardian",
                        ),
                    ),
                    L(
                        ja="もう一人の保護者",
                        easy="もう ひとりの ほごしゃ",
                        en="the other guardian",
                    ),
                ),
                FieldSpec(
                    name="need_detail",
                    type="textarea",
                    label=L(
                        ja="就労以外の理由の詳しい内容",
                        easy="しごと いがいの りゆうの くわしい こと",
                        en="Details of reasons other than work",
                    ),
                    help=L(
                        ja="出産予定日、病名、介護している方、求職の状況などを書いてください。",
                        easy="うまれる よていの ひ、びょうきの なまえ などを かいてください。",
                        en="E.g. the due date, the illness, who you care for, how you are "
                        "looking for work.",
                    ),
                    max_length=1000,
                ),
            ),
        ),
        _confirm_section(_declaration()),
    )
)


# --- 粗大ごみ収集申込 --------------------------------------------------------------------------

_SIZES = (
    _opt("under_50", "50cm未満", "50センチより ちいさい", "Under 50 cm"),
    _opt("under_100", "50cm以上1m未満", "50センチ から 1メートル", "50 cm to 1 m"),
    _opt("under_200", "1m以上2m未満", "1メートル から 2メートル", "1 m to 2 m"),
    _opt("over_200", "2m以上", "2メートルより おおきい", "2 m or more"),
)
_ORDINALS = {
    1: ("1つ目", "1つめ", "first"),
    2: ("2つ目", "2つめ", "second"),
    3: ("3つ目", "3つめ", "third"),
}


def _garbage_item(n: int) -> tuple[FieldSpec, ...]:
    """品目・大きさ・数量 of the n-th kind of item; the 2nd and 3rd show when there are as many."""
    ja, easy, en = _ORDINALS[n]
    show_if = (
        None if n == 1 else ShowIf(field="item_kinds", values=tuple(str(k) for k in range(n, 4)))
    )
    return (
        FieldSpec(
            name=f"item_{n}",
            type="text",
            label=L(ja=f"{ja}の品目", easy=f"{easy}の ごみの なまえ", en=f"The {en} item"),
            help=L(
                ja="例：たんす、自転車、ソファ（2人掛け）",
                easy="たとえば たんす、じてんしゃ、ソファ",
                en="E.g. chest of drawers, bicycle, two-seater sofa.",
            )
            if n == 1
            else None,
            required=True,
            max_length=60,
            show_if=show_if,
        ),
        FieldSpec(
            name=f"item_{n}_size",
            type="choice",
            widget="select",
            label=L(
                ja=f"{ja}の大きさ（いちばん長い辺）",
                easy=f"{easy}の おおきさ（いちばん ながい ところ）",
                en=f"Size of the {en} item (longest side)",
            ),
            required=True,
            options=_SIZES,
            show_if=show_if,
        ),
        FieldSpec(
            name=f"item_{n}_count",
            type="number",
            label=L(ja=f"{ja}の数量", easy=f"{easy}の かず", en=f"How many of the {en} item"),
            required=True,
            min=1,
            max=10,
            show_if=show_if,
        ),
    )


GARBAGE_FORM = FormSchema(
    sections=(
        Section(
            id="applicant",
            title=L(ja="申込者", easy="もうしこむ ひと", en="Applicant"),
            fields=(
                _full_name("applicant_name"),
                _postal_code(
                    "postal_code",
                    L(
                        ja="収集は住民基本台帳の住所で行います。違う場合は『この情報が違う』から"
                        "お知らせください。",
                        easy="じゅうみんひょうの じゅうしょに とりに いきます。ちがう ときは "
                        "「この じょうほうが ちがう」から おしらせ ください。",
                        en="We collect at your registered address. If it is wrong, tell us "
                        "with “This is wrong”.",
                    ),
                ),
                _address(
                    "address",
                    L(ja="収集先の住所", easy="とりに いく じゅうしょ", en="Collection address"),
                    L(
                        ja="収集は住民基本台帳の住所で行います。違う場合は『この情報が違う』から"
                        "お知らせください。",
                        easy="じゅうみんひょうの じゅうしょに とりに いきます。ちがう ときは "
                        "「この じょうほうが ちがう」から おしらせ ください。",
                        en="We collect at your registered address. If it is wrong, tell us "
                        "with “This is wrong”.",
                    ),
                ),
                _phone(),
            ),
        ),
        Section(
            id="items",
            title=L(ja="出すもの", easy="だす ごみ", en="Items"),
            help=L(
                ja="1回の申込みで3種類・合計10点までです。家電リサイクル法の対象品（エアコン・"
                "テレビ・冷蔵庫・洗濯機）とパソコンは収集できません。",
                easy="1かいに 3しゅるい まで だせます。エアコン、テレビ、れいぞうこ、"
                "せんたくき、パソコンは だせません。",
                en="Up to three kinds of item per booking. Air conditioners, TVs, fridges, "
                "washing machines and computers are not collected.",
            ),
            fields=(
                FieldSpec(
                    name="item_kinds",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="品目の種類の数",
                        easy="ごみの しゅるいの かず",
                        en="How many kinds of item",
                    ),
                    required=True,
                    options=(
                        _opt("1", "1種類", "1しゅるい", "One"),
                        _opt("2", "2種類", "2しゅるい", "Two"),
                        _opt("3", "3種類", "3しゅるい", "Three"),
                    ),
                ),
                *_garbage_item(1),
                *_garbage_item(2),
                *_garbage_item(3),
            ),
        ),
        Section(
            id="collection",
            title=L(ja="収集の場所と日", easy="とりに いく ばしょ と ひ", en="Where and when"),
            fields=(
                FieldSpec(
                    name="place",
                    type="choice",
                    widget="radio",
                    label=L(
                        ja="出す場所", easy="ごみを おく ばしょ", en="Where you will put the items"
                    ),
                    required=True,
                    options=(
                        _opt(
                            "entrance",
                            "玄関前（戸建て）",
                            "いえの げんかんの まえ",
                            "In front of your door (house)",
                        ),
                        _opt(
                            "collection_point",
                            "ごみ集積所（集合住宅など）",
                            "ごみ おきば（マンション など）",
                            "The garbage collection point (flats)",
                        ),
                    ),
                ),
                FieldSpec(
                    name="preferred_date",
                    type="date",
                    appointment=True,
                    label=L(
                        ja="収集希望日",
                        easy="とりに きて ほしい ひ",
                        en="Preferred collection date",
                    ),
                    help=L(
                        ja="収集日は地区ごとに決まっています。決まった収集日と受付番号をお知らせします。",
                        easy="とりに いく ひは あとで しらせます。",
                        en="Collection days depend on your area; we will tell you the date and "
                        "your reference number.",
                    ),
                    min=WISH_YEAR_MIN,
                ),
            ),
        ),
        _confirm_section(
            _declaration(
                L(
                    ja="収集日の朝8時までに、受付番号を書いた処理手数料券を1点に1枚貼って出します",
                    easy="とりに くる ひの あさ 8じ までに、けんを はって だします",
                    en="I will put the items out by 8:00 on the day, each with a fee sticker "
                    "marked with the reference number",
                )
            )
        ),
    )
)


# --- 犬の登録 ---------------------------------------------------------------------------------

DOG_FORM = FormSchema(
    sections=(
        Section(
            id="owner",
            title=L(ja="飼い主", easy="かいぬし", en="Owner"),
            fields=(
                _full_name("owner_name"),
                _postal_code("owner_postal_code"),
                _address("owner_address"),
                _phone(),
                FieldSpec(
                    name="kept_at",
                    type="choice",
                    widget="radio",
                    label=L(ja="犬の所在地", easy="いぬが いる ところ", en="Where the dog lives"),
                    required=True,
                    options=(
                        _opt(
                            "home",
                            "飼い主の住所と同じ",
                            "かいぬしの いえ",
                            "At the owner's address",
                        ),
                        _opt("elsewhere", "別の場所", "ほかの ところ", "Somewhere else"),
                    ),
                ),
                FieldSpec(
                    name="kept_address",
                    type="text",
                    label=L(
                        ja="犬の所在地の住所",
                        easy="いぬが いる ところの じゅうしょ",
                        en="Address where the dog lives",
                    ),
                    required=True,
                    show_if=ShowIf(field="kept_at", values=("elsewhere",)),
                ),
            ),
        ),
        Section(
            id="dog",
            title=L(ja="犬", easy="いぬ", en="The dog"),
            fields=(
                FieldSpec(
                    name="dog_name",
                    type="text",
                    label=L(ja="犬の名前", easy="いぬの なまえ", en="Dog's name"),
                    required=True,
                    max_length=40,
                ),
                FieldSpec(
                    name="breed",
                    type="text",
                    label=L(ja="種類（犬種）", easy="いぬの しゅるい", en="Breed"),
                    help=L(
                        ja="わからない場合は「雑種」と入力してください。",
                        easy="わからない ときは 「ざっしゅ」と かいてください。",
                        en='Enter "mixed" if you do not know.',
                    ),
                    required=True,
                    max_length=60,
                ),
                FieldSpec(
                    name="coat_color",
                    type="text",
                    label=L(ja="毛色", easy="けの いろ", en="Coat colour"),
                    required=True,
                    max_length=40,
                ),
                FieldSpec(
                    name="dog_birth_date",
                    type="date",
                    label=L(ja="犬の生年月日", easy="いぬの うまれた ひ", en="Dog's date of birth"),
                    help=L(
                        ja="わからない場合はおおよその日付を入力してください。",
                        easy="わからない ときは だいたいの ひを かいてください。",
                        en="An approximate date is fine if you do not know.",
                    ),
                    required=True,
                    min=1990,
                ),
                FieldSpec(
                    name="dog_sex",
                    type="choice",
                    widget="radio",
                    label=L(ja="犬の性別", easy="いぬの せいべつ", en="Dog's sex"),
                    required=True,
                    options=(
                        _opt("male", "オス", "おす", "Male"),
                        _opt("female", "メス", "めす", "Female"),
                    ),
                ),
                FieldSpec(
                    name="size",
                    type="choice",
                    widget="radio",
                    label=L(ja="体格", easy="からだの おおきさ", en="Size"),
                    required=True,
                    options=(
                        _opt("small", "小型", "ちいさい", "Small"),
                        _opt("medium", "中型", "ふつう", "Medium"),
                        _opt("large", "大型", "おおきい", "Large"),
                    ),
                ),
                FieldSpec(
                    name="features",
                    type="textarea",
                    label=L(ja="特徴", easy="とくちょう", en="Distinguishing features"),
                    help=L(
                        ja="迷子になったときの手がかりになります（例：右耳だけ垂れている）。",
                        easy="いぬが いなくなった とき さがす ために つかいます。",
                        en="Helps find the dog if it gets lost (e.g. only the right ear droops).",
                    ),
                    max_length=500,
                ),
                FieldSpec(
                    name="microchip_number",
                    type="text",
                    label=L(
                        ja="マイクロチップの識別番号",
                        easy="マイクロチップの ばんごう",
                        en="Microchip number",
                    ),
                    help=L(
                        ja="装着している場合は15桁の数字を入力してください。",
                        easy="マイクロチップが ある ときは 15けたの ばんごうを かいてください。",
                        en="If the dog has a microchip, its 15-digit number.",
                    ),
                    max_length=15,
                ),
            ),
        ),
        Section(
            id="rabies",
            title=L(
                ja="狂犬病予防注射", easy="きょうけんびょうの ちゅうしゃ", en="Rabies vaccination"
            ),
            help=L(
                ja="注射を受けている場合は、注射日と動物病院の証明書を登録してください。"
                "注射済票の交付手数料（550円）は別にかかります。",
                easy="ちゅうしゃを した ときは その ひ と しょうめいしょを いれてください。",
                en="If the dog has had its shot, enter the date and upload the vet's "
                "certificate. The vaccination tag costs 550 yen extra.",
            ),
            fields=(
                FieldSpec(
                    name="rabies_shot_date",
                    type="date",
                    label=L(
                        ja="注射を受けた日",
                        easy="ちゅうしゃを した ひ",
                        en="Date of the rabies shot",
                    ),
                    min=WISH_YEAR_MIN - 1,
                ),
                FieldSpec(
                    name="rabies_certificate",
                    type="file",
                    label=L(
                        ja="狂犬病予防注射済証明書",
                        easy="ちゅうしゃの しょうめいしょ",
                        en="Rabies vaccination certificate",
                    ),
                    max_files=2,
                ),
            ),
        ),
        _confirm_section(_declaration()),
    )
)


# --- 相談予約 ---------------------------------------------------------------------------------

CONSULTATION_FORM = FormSchema(
    sections=(
        Section(
            id="topic",
            title=L(ja="相談したいこと", easy="そうだん したい こと", en="What it is about"),
            fields=(
                FieldSpec(
                    name="topic",
                    type="choice",
                    widget="select",
                    label=L(ja="相談の分野", easy="なにの そうだん ですか", en="Topic"),
                    required=True,
                    options=(
                        _opt(
                            "living_money", "生活・お金", "くらし・おかね", "Living costs and money"
                        ),
                        _opt("childcare", "子育て", "こそだて", "Raising children"),
                        _opt("elderly_care", "介護", "かいご", "Care for older people"),
                        _opt("disability", "障害", "しょうがい", "Disability"),
                        _opt("housing", "住まい", "すむ ところ", "Housing"),
                        _opt("work", "仕事", "しごと", "Work"),
                        _opt("other", "その他", "そのほか", "Something else"),
                    ),
                ),
                FieldSpec(
                    name="detail",
                    type="textarea",
                    label=L(
                        ja="相談の内容",
                        easy="そうだん したい ないよう",
                        en="What you would like to talk about",
                    ),
                    help=L(
                        ja="書ける範囲でかまいません。書かなくても予約できます。",
                        easy="かける ことだけで いいです。かかなくても よやく できます。",
                        en="As much as you like — you can also leave it blank.",
                    ),
                    max_length=2000,
                ),
            ),
        ),
        Section(
            id="when",
            title=L(ja="日時と方法", easy="ひ と じかん と ほうほう", en="When and how"),
            fields=(
                FieldSpec(
                    name="preferred_date",
                    type="date",
                    appointment=True,
                    label=L(ja="希望日", easy="そうだん したい ひ", en="Preferred date"),
                    required=True,
                    min=WISH_YEAR_MIN,
                ),
                FieldSpec(
                    name="preferred_time",
                    type="choice",
                    widget="radio",
                    label=L(ja="希望の時間帯", easy="じかん", en="Preferred time"),
                    required=True,
                    options=(
                        _opt(
                            "morning",
                            "午前（9時〜12時）",
                            "ごぜん（9じ から 12じ）",
                            "Morning (9:00–12:00)",
                        ),
                        _opt(
                            "afternoon",
                            "午後（13時〜17時）",
                            "ごご（1じ から 5じ）",
                            "Afternoon (13:00–17:00)",
                        ),
                    ),
                ),
                FieldSpec(
                    name="way",
                    type="choice",
                    widget="radio",
                    label=L(ja="相談の方法", easy="そうだんの しかた", en="How"),
                    required=True,
                    options=(
                        _opt("counter", "窓口", "まどぐちに いく", "At the counter"),
                        _opt("phone", "電話", "でんわ", "By phone"),
                        _opt(
                            "online",
                            "オンライン（ビデオ通話）",
                            "オンライン（ビデオ）",
                            "Online (video call)",
                        ),
                    ),
                ),
                FieldSpec(
                    name="email",
                    type="email",
                    label=L(ja="メールアドレス", easy="メール アドレス", en="Email address"),
                    help=L(
                        ja="オンライン相談の参加方法をお送りします。",
                        easy="オンラインの そうだんの やりかたを メールで おくります。",
                        en="We send you how to join the video call.",
                    ),
                    required=True,
                    show_if=ShowIf(field="way", values=("online",)),
                ),
            ),
        ),
        Section(
            id="person",
            title=L(ja="相談する方", easy="そうだん する ひと", en="About you"),
            fields=(
                _full_name("name"),
                _phone(
                    help=L(
                        ja="予約の確認や、電話相談のときに使います。",
                        easy="よやくの かくにん や でんわの そうだんで つかいます。",
                        en="To confirm the booking, and for a phone consultation.",
                    )
                ),
                FieldSpec(
                    name="support_needs",
                    type="choices",
                    widget="checkbox",
                    label=L(ja="必要な配慮", easy="てつだって ほしい こと", en="Support you need"),
                    options=(
                        _opt(
                            "sign_language",
                            "手話通訳",
                            "しゅわ つうやく",
                            "Sign-language interpreter",
                        ),
                        _opt("written", "筆談", "かいて はなす", "Communicating in writing"),
                        _opt(
                            "easy_japanese", "やさしい日本語", "やさしい にほんご", "Plain Japanese"
                        ),
                        _opt("english", "英語", "えいご", "English"),
                        _opt("other_language", "その他の言語", "ほかの ことば", "Another language"),
                        _opt("wheelchair", "車いす", "くるまいす", "Wheelchair access"),
                    ),
                ),
                FieldSpec(
                    name="language",
                    type="text",
                    label=L(ja="希望する言語", easy="つかいたい ことば", en="Which language"),
                    required=True,
                    max_length=40,
                    show_if=ShowIf(field="support_needs", values=("other_language",)),
                ),
            ),
        ),
        _confirm_section(
            _declaration(
                L(
                    ja="相談内容に応じて、関係する課の職員が同席し、情報を共有することに同意します",
                    easy="ほかの かの しょくいんも いっしょに はなしを きいて いいです",
                    en="Staff of other divisions may join and share what I tell them, as needed",
                ),
                help=L(
                    ja="同意しなくても相談できます。",
                    easy="「いいえ」でも そうだん できます。",
                    en="You can still have the consultation if you do not agree.",
                ),
                required=False,
            )
        ),
    )
)


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
        help=L(
            ja="本人確認済みのアカウントで、本人または同じ世帯の方の住民票を請求できます。"
            "住民票は住民基本台帳に登録されている住所へ郵送します（転送不要郵便）。"
            "手数料は1通300円で、審査の後にお支払い方法をお知らせします。",
            easy="じぶん か いっしょに すむ かぞくの じゅうみんひょうを たのめます。"
            "あなたの じゅうしょに ゆうびんで おくります。1まい 300えんです。",
            en="With a verified account you can request the certificate for yourself or members "
            "of your household. It is posted to your registered address only. The fee is 300 "
            "yen a copy; we tell you how to pay once the request is checked.",
        ),
        form=RESIDENCE_CERTIFICATE_FORM,
        fee_yen=300,
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
        help=L(
            ja="引っ越しから14日以内に、予約した日に窓口へお越しください。入力した内容は職員が事前に"
            "確認するので、当日は確認と署名で済みます。本人確認書類と、引っ越す人全員のマイナンバー"
            "カードをお持ちください。窓口で手続きが終わると住所が変わり、関係する課にもお知らせします。",
            easy="ひっこしてから 14にち いないに、よやくした ひに まどぐちに きてください。"
            "みぶんしょうめいしょ と マイナンバーカードを もって きてください。"
            "まどぐちで てつづきが おわると、じゅうしょが かわります。",
            en="Come to the counter on the booked day, within 14 days of moving. Staff check "
            "what you entered beforehand, so you only confirm and sign. Bring photo ID and the "
            "My Number Cards of everyone moving. Once done at the counter, your address "
            "changes and the other divisions concerned are told.",
        ),
        form=MOVE_FORM,
        steps=(
            WorkflowStep(
                "visit_booked",
                L(ja="来庁予約済み", easy="まどぐちの よやく ずみ", en="Counter visit booked"),
            ),
        ),
        effects=(
            AddressEffect(
                postal_code_field="new_postal_code",
                address_field="new_address",
                date_field="move_date",
                movers_field="household_members",
            ),
        ),
    ),
    ProcedureDefinition(
        slug="move-out",
        department="citizens",
        title=L(
            ja="転出届（ほかの市区町村への引っ越し）",
            easy="ほかの まちへ ひっこす",
            en="Moving out to another municipality",
        ),
        summary=L(
            ja="ほかの市区町村へ引っ越すときの届出です。窓口で届け出るための来庁予約と事前入力が"
            "できます。マイナポータルの引越しワンストップサービスで届け出た場合は不要です。",
            easy="ほかの まちへ ひっこす ときの とどけです。まどぐちに くる ひを よやく できます。",
            en="Notify a move to another municipality: book the counter visit with everything "
            "pre-filled. Not needed if you filed through Mynaportal's one-stop moving service.",
        ),
        online="booking",
        service_days=1,
        identity="verified",
        keywords=("転出", "てんしゅつ", "引越し", "ひっこし", "moving out"),
        help=L(
            ja="予約した日に窓口へお越しください。入力した内容は職員が事前に確認するので、当日は確認と"
            "署名で済みます。本人確認書類をお持ちください。転出証明書をお渡しします（マイナンバー"
            "カードで転入する場合は不要です）。転出先もこのサービスを使っていれば、同意のうえで"
            "転入のデータを前もって送れます（アカウント画面の「ほかの市区町村への引っ越し」から）。",
            easy="よやくした ひに まどぐちに きてください。"
            "みぶんしょうめいしょを もって きてください。"
            "ひっこす さきの まちも この サービスを つかって いれば、じょうほうを おくれます。",
            en="Come to the counter on the booked day; staff check what you entered beforehand, "
            "so you only confirm and sign. Bring photo ID; you receive the certificate of "
            "moving out (not needed when moving in with a My Number Card). If the new "
            "municipality is on this service too, you can send it your move-in data ahead, "
            "with your consent (Account → Moving to another municipality).",
        ),
        form=MOVE_OUT_FORM,
        steps=(
            WorkflowStep(
                "visit_booked",
                L(ja="来庁予約済み", easy="まどぐちの よやく ずみ", en="Counter visit booked"),
            ),
        ),
    ),
    ProcedureDefinition(
        slug="move-in",
        department="citizens",
        title=L(
            ja="転入届（ほかの市区町村からの引っ越し）",
            easy="ほかの まちから ひっこして きた",
            en="Moving in from another municipality",
        ),
        summary=L(
            ja="ほかの市区町村から引っ越してきたときの届出です。法律により窓口での手続きが"
            "必要なため、オンラインでは来庁予約と事前入力ができます。引っ越しから14日以内に"
            "届け出てください。",
            easy="ほかの まちから ひっこして きた ときの とどけです。まどぐちに きてください。"
            "14にち いないに とどけてください。",
            en="Notify a move from another municipality. The law requires a counter visit, so "
            "online you book it with everything pre-filled. File within 14 days of moving.",
        ),
        online="booking",
        service_days=1,
        identity="verified",
        keywords=("転入", "てんにゅう", "引越し", "ひっこし", "moving in"),
        help=L(
            ja="引っ越しから14日以内に、予約した日に窓口へお越しください。前の市区町村から引越しコードを"
            "受け取った方は、アカウント画面の「引越しコードを入力」から使うと、この予約と児童手当など"
            "の申請が事前入力されます。本人確認書類と、転入する人全員のマイナンバーカードをお持ちください。",
            easy="ひっこしてから 14にち いないに、よやくした ひに まどぐちに きてください。"
            "ひっこし コードが ある ひとは、さきに コードを いれてください。",
            en="Come to the counter on the booked day, within 14 days of moving. With a transfer "
            "code from your former municipality, enter it first (Account → Enter a transfer "
            "code): this booking and the child allowance and other applications come "
            "pre-filled. Bring photo ID and the My Number Cards of everyone moving in.",
        ),
        form=MOVE_IN_FORM,
        steps=(
            WorkflowStep(
                "visit_booked",
                L(ja="来庁予約済み", easy="まどぐちの よやく ずみ", en="Counter visit booked"),
            ),
        ),
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
        help=L(
            ja="請求者名義の普通預金口座（または公金受取口座）を用意してください。お子さんが別の住所に"
            "住んでいる場合などは、追加の書類をお願いすることがあります。審査の後、認定通知書を"
            "お送りします。手当は請求した月の翌月分から、偶数月に2か月分ずつ支払われます。",
            easy="しんせいする ひとの なまえの ぎんこう こうざを よういしてください。"
            "しらべた あと、おしらせを おくります。"
            "てあては 2かげつ ごとに ぎんこうに ふりこみます。",
            en="Have an ordinary account in the claimant's name (or your registered "
            "public-benefit account) ready. If a child lives elsewhere we may ask for more "
            "documents. After review we send a decision notice; payment starts from the month "
            "after the claim and is made every even month, two months at a time.",
        ),
        form=CHILD_ALLOWANCE_FORM,
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
        help=L(
            ja="請求はご本人が行い、代理人による請求はできません。入力後、面談の日に戸籍謄本"
            "（1か月以内に発行）、振込先の通帳、本人確認書類を持って窓口へお越しください。"
            "賃貸住宅にお住まいの方は賃貸借契約書も必要なことがあります。面談の後に審査し、"
            "結果をお知らせします。",
            easy="ほんにんが しんせいします。ほかの ひとは できません。"
            "めんだんの ひに こせき とうほん、ぎんこうの つうちょう、みぶんしょうめいしょを "
            "もって まどぐちに きてください。めんだんの あと、けっかを しらせます。",
            en="You must claim yourself; a proxy cannot. On the interview day bring your family "
            "register certificate (issued within a month), the bankbook for payments and photo "
            "ID; tenants may also need their lease. We decide after the interview and tell you "
            "the result.",
        ),
        form=CHILD_REARING_FORM,
        steps=(WorkflowStep("interview", L(ja="面談", easy="めんだん", en="Interview")),),
        proxy_allowed=False,
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
        help=L(
            ja="保護者それぞれについて、保育が必要な理由を確認する書類が必要です。働いている方は"
            "勤務先に就労証明書を書いてもらい、アップロードしてください。利用調整の結果は、"
            "入所希望月の前月中旬ごろまでにお知らせします。",
            easy="おや ふたりとも、こどもを みられない りゆうの しょるいが ひつようです。"
            "はたらいている ひとは かいしゃに しょるいを かいて もらってください。"
            "けっかは あとで しらせます。",
            en="Each guardian needs a document showing why they cannot look after the child; "
            "working guardians upload an employment certificate from their employer. We tell "
            "you the allocation result by about the middle of the month before the start.",
        ),
        form=NURSERY_FORM,
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
        help=L(
            ja="出すものの品目・大きさ・数量を入力してください。収集日と受付番号をお知らせしますので、"
            "コンビニなどで処理手数料券を買い、受付番号を書いて1点に1枚貼ってください。"
            "収集日の朝8時までに、申し込んだ場所に出してください。",
            easy="だす ごみの なまえ、おおきさ、かずを かいてください。"
            "とりに いく ひ と ばんごうを しらせます。おみせで けんを かって、"
            "ばんごうを かいて ごみに はってください。あさ 8じ までに だしてください。",
            en="Enter what you are putting out, with sizes and numbers. We tell you the "
            "collection date and a reference number: buy fee stickers at a convenience store, "
            "write the number on them, stick one on each item and put the items out by 8:00 "
            "on the day.",
        ),
        form=GARBAGE_FORM,
        steps=(
            WorkflowStep(
                "scheduled",
                L(ja="収集日決定", easy="とりに いく ひが きまった", en="Collection scheduled"),
            ),
        ),
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
        help=L(
            ja="犬の名前・種類・毛色・生年月日などを入力してください。狂犬病予防注射を受けていれば、"
            "注射日と証明書も登録できます。登録手数料は3,000円です。登録が済むと鑑札をお送りします。"
            "首輪などに付けてください。",
            easy="いぬの なまえ、しゅるい、うまれた ひ などを かいてください。"
            "とうろくは 3000えんです。とうろくが おわると かんさつ（ふだ）を おくります。"
            "くびわに つけてください。",
            en="Enter the dog's name, breed, colour and date of birth; add the rabies shot date "
            "and certificate if it has had one. Registration costs 3,000 yen. Once registered "
            "we send the dog's licence tag; attach it to the collar.",
        ),
        form=DOG_FORM,
        fee_yen=3000,
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
        help=L(
            ja="相談の分野と希望の日時を選んでください。相談員から電話で日時の確定をご連絡します。"
            "相談は無料で、秘密は守られます。",
            easy="なにの そうだんか と、きたい ひを えらんでください。"
            "そうだんいんが でんわで れんらく します。おかねは かかりません。"
            "はなした ことは ほかの ひとに いいません。",
            en="Choose a topic and when you would like to talk; a counsellor calls you to "
            "confirm. Consultations are free and confidential.",
        ),
        form=CONSULTATION_FORM,
    ),
]
