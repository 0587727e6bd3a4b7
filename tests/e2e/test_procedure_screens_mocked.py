"""The procedure screens as a resident meets them, against a mocked API.

The backend routes for forms, drafts, applications, corrections and delegations are being
written alongside these screens, so the browser talks to `page.route` handlers that answer
with JSON shaped like the structs in backend/todoke/procedures/schemas.py (the contract).
Everything else (the app shell, the procedure list, postal codes) is the real demo server.

Walks: procedure page → form (pre-filled values with their source, a locked field, a
correction request, a postal code filling the address, show_if, an upload, every field
type) → review → a 422 with its error summary → fix → a lost answer and a retry with the
same Idempotency-Key → the receipt. Then the lists, corrections, delegations, blockers,
saving while offline, large text and English. axe on the form and review screens.

Screenshots go to var/screenshots/procedures-*.png (TODOKE_SCREENSHOT_DIR moves them).
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SLUG = "child-rearing-allowance"
CSRF = "csrf-test-token"
# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
NOW = datetime.now(UTC).replace(microsecond=0)
# What the API offers for confirming a counter filing with the resident's passkey, and the
# browser's answer, stubbed (the mocked API checks nothing; the real step-up is tested in
# tests/api/test_applications.py and tests/e2e/test_counter_confirmation.py).
STEP_UP_OPTIONS = {
    "challenge": "c3RlcC11cC1jaGFsbGVuZ2U",
    "timeout": 120000,
    "rpId": "localhost",
    "allowCredentials": [{"id": "cmVzaWRlbnQtcGFzc2tleQ", "type": "public-key"}],
    "userVerification": "required",
}
STUB_PASSKEY = """
  navigator.credentials.get = async () => ({
    toJSON: () => ({
      id: 'resident-passkey', rawId: 'resident-passkey', type: 'public-key',
      response: { clientDataJSON: 'c3R1Yg', authenticatorData: 'c3R1Yg', signature: 'c3R1Yg' },
      clientExtensionResults: {},
    }),
  });
"""


def L(ja: str, easy: str, en: str) -> dict[str, str]:  # a Localized, named as in schemas.py
    return {"ja": ja, "easy": easy, "en": en}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


DEPARTMENT = {
    "code": "child-support",
    "name": L("子育て支援課", "こそだて しえんか", "Child Support Division"),
}
CITIZENS = {"code": "citizens", "name": L("市民課", "しみんか", "Citizens Division")}

PROCEDURE = {
    "slug": SLUG,
    "version": 3,
    "title": L("児童扶養手当 認定請求", "ひとりおやの かていの てあて", "Child-rearing allowance"),
    "summary": L(
        "ひとり親家庭などでお子さんを育てている方への手当です。",
        "ひとりおやで こどもを そだてている ひとの ための おかねです。",
        "An allowance for single parents and others raising children alone.",
    ),
    "department": DEPARTMENT,
    "online": "partial",
    "service_days": 30,
    "identity": "verified",
    "keywords": ["児童扶養手当"],
}

HOUSEHOLD = [
    {
        "id": "P-1001",
        "name": "山田 花子",
        "kana": "ヤマダ ハナコ",
        "birth_date": "1990-05-12",
        "relation": "head",
        "is_self": True,
    },
    {
        "id": "P-1002",
        "name": "山田 さくら",
        "kana": "ヤマダ サクラ",
        "birth_date": "2016-04-02",
        "relation": "child",
        "is_self": False,
    },
    {
        "id": "P-1003",
        "name": "山田 はると",
        "kana": "ヤマダ ハルト",
        "birth_date": "2019-08-20",
        "relation": "child",
        "is_self": False,
    },
]


def _prefilled(value, *, locked=False, fact="person"):
    return {
        "value": value,
        "source": "住民基本台帳",
        "as_of": "2026-04-01",
        "locked": locked,
        "fact": fact,
    }


FORM = {
    "procedure": PROCEDURE,
    "version": 3,
    "help": L(
        "戸籍謄本と、振込先の口座がわかるものを用意してください。\n"
        "申請のあと、面談の日程をお知らせします。",
        "こせきと ぎんこうの つうちょうを よういして ください。",
        "Have your family register and bank details ready.\n"
        "After you apply, we will arrange an interview.",
    ),
    "form": {
        "sections": [
            {
                "id": "applicant",
                "title": L("申請者", "しんせいする ひと", "Applicant"),
                "help": L(
                    "登録されている情報を入力してあります。",
                    "しの じょうほうを いれて あります。",
                    "Filled in from the city's records.",
                ),
                "fields": [
                    {
                        "name": "full_name",
                        "type": "text",
                        "label": L("氏名", "なまえ", "Full name"),
                        "required": True,
                        "prefill": "full_name",
                        "locked": True,
                        "lock_reason": L(
                            "住民基本台帳の氏名です。変更は市民課で手続きしてください。",
                            "なまえは しみんかで かえられます。",
                            "Your registered name; change it at the Citizens Division.",
                        ),
                    },
                    {
                        "name": "full_name_kana",
                        "type": "kana",
                        "label": L("フリガナ", "なまえの よみかた", "Name in kana"),
                        "required": True,
                        "prefill": "full_name_kana",
                    },
                    {
                        "name": "birth_date",
                        "type": "date",
                        "label": L("生年月日", "うまれた ひ", "Date of birth"),
                        "required": True,
                        "prefill": "birth_date",
                        "locked": True,
                        "min": 1900,
                    },
                    {
                        "name": "postal_code",
                        "type": "postal_code",
                        "label": L("郵便番号", "ゆうびん ばんごう", "Postal code"),
                        "required": True,
                        "prefill": "postal_code",
                        "fills_address": "address",
                    },
                    {
                        "name": "address",
                        "type": "text",
                        "label": L("住所", "じゅうしょ", "Address"),
                        "required": True,
                        "prefill": "address",
                    },
                    {
                        "name": "phone",
                        "type": "phone",
                        "label": L("電話番号", "でんわ ばんごう", "Phone"),
                        "required": True,
                        "help": L(
                            "日中につながる番号",
                            "ひるに つながる ばんごう",
                            "A number we can reach in the daytime",
                        ),
                    },
                    {
                        "name": "email",
                        "type": "email",
                        "label": L("メールアドレス", "メールアドレス", "Email"),
                    },
                ],
            },
            {
                "id": "children",
                "title": L("対象のお子さん", "こども", "Children"),
                "fields": [
                    {
                        "name": "children",
                        "type": "household_members",
                        "label": L(
                            "手当の対象となるお子さん",
                            "てあての こども",
                            "Children this claim is for",
                        ),
                        "required": True,
                        "prefill": "children",
                    },
                    {
                        "name": "custody",
                        "type": "choice",
                        "widget": "radio",
                        "label": L(
                            "お子さんとの関係",
                            "こどもとの かんけい",
                            "Your relation to the children",
                        ),
                        "required": True,
                        "options": [
                            {"value": "mother", "label": L("母", "はは", "Mother")},
                            {"value": "father", "label": L("父", "ちち", "Father")},
                            {
                                "value": "other",
                                "label": L("その他の養育者", "そのほか", "Other carer"),
                            },
                        ],
                    },
                    {
                        "name": "custody_other",
                        "type": "text",
                        "label": L("関係の内容", "かんけい", "Relation"),
                        "required": True,
                        "show_if": {"field": "custody", "values": ["other"]},
                    },
                ],
            },
            {
                "id": "income",
                "title": L("所得と年金", "おかね", "Income and pensions"),
                "fields": [
                    {
                        "name": "annual_income",
                        "type": "yen",
                        "label": L("前年の所得", "きょねんの しょとく", "Last year's income"),
                        "required": True,
                        "min": 0,
                    },
                    {
                        "name": "pension",
                        "type": "choice",
                        "widget": "select",
                        "label": L("公的年金の受給", "ねんきん", "Public pension"),
                        "required": True,
                        "options": [
                            {
                                "value": "none",
                                "label": L("受けていない", "もらって いない", "None"),
                            },
                            {
                                "value": "public",
                                "label": L("老齢・障害年金", "ねんきん", "Old-age or disability"),
                            },
                            {
                                "value": "survivor",
                                "label": L("遺族年金", "いぞく ねんきん", "Survivor's pension"),
                            },
                        ],
                    },
                    {
                        "name": "pension_amount",
                        "type": "yen",
                        "label": L("年金の年額", "ねんきんの がく", "Pension a year"),
                        "required": True,
                        "show_if": {"field": "pension", "values": ["public", "survivor"]},
                    },
                    {
                        "name": "dependents",
                        "type": "number",
                        "label": L("扶養親族の数", "やしなって いる ひとの かず", "Dependants"),
                        "min": 0,
                        "max": 10,
                    },
                    {
                        "name": "situation",
                        "type": "choices",
                        "label": L(
                            "ひとり親になった理由",
                            "りゆう",
                            "Why you are raising the children alone",
                        ),
                        "required": True,
                        "options": [
                            {"value": "divorce", "label": L("離婚", "りこん", "Divorce")},
                            {"value": "death", "label": L("死別", "しべつ", "Death of a partner")},
                            {
                                "value": "unmarried",
                                "label": L("未婚", "けっこん して いない", "Never married"),
                            },
                        ],
                    },
                    {
                        "name": "guardian",
                        "type": "household_member",
                        "label": L("主に養育している方", "おもに そだてて いる ひと", "Main carer"),
                        "required": True,
                    },
                ],
            },
            {
                "id": "payment",
                "title": L("振込先と書類", "ふりこみと しょるい", "Payment and documents"),
                "fields": [
                    {
                        "name": "bank",
                        "type": "bank_account",
                        "label": L("振込先の口座", "ふりこむ こうざ", "Bank account for payments"),
                        "required": True,
                    },
                    {
                        "name": "documents",
                        "type": "file",
                        "label": L(
                            "戸籍謄本など", "こせき など", "Family register and other documents"
                        ),
                        "required": True,
                        "max_files": 3,
                    },
                    {
                        "name": "notes",
                        "type": "textarea",
                        "label": L("伝えたいこと", "つたえたい こと", "Anything else"),
                        "max_length": 500,
                    },
                    {
                        "name": "agree",
                        "type": "consent",
                        "label": L(
                            "記載内容に誤りがないことを確認しました",
                            "ないようは ただしいです",
                            "I confirm these answers are correct",
                        ),
                        "required": True,
                    },
                ],
            },
        ]
    },
    "prefill": {
        "full_name": _prefilled("山田 花子", locked=True),
        "full_name_kana": _prefilled("ヤマダ ハナコ"),
        "birth_date": _prefilled("1990-05-12", locked=True),
        "postal_code": _prefilled("139-0001", fact="address"),
        "address": _prefilled("とどけ市中央1-2-3", fact="address"),
        "children": _prefilled(["P-1002", "P-1003"], fact="household"),
    },
    "household": HOUSEHOLD,
    "can_file": True,
    "blockers": [],
    "closes_on": None,
    "fee_yen": 0,
    # As the API gives them: the common statuses around the procedure's own (面談).
    "steps": [
        {"id": "submitted", "label": L("受付", "うけつけ", "Received")},
        {"id": "in_review", "label": L("審査中", "しんさちゅう", "In review")},
        {"id": "interview", "label": L("面談", "めんだん", "Interview")},
        {
            "id": "info_requested",
            "label": L("追加の情報の依頼", "ついかの じょうほう", "More information"),
        },
        {"id": "approved", "label": L("決定", "けってい", "Approved")},
        {"id": "rejected", "label": L("却下", "きゃっか", "Rejected")},
    ],
}


def draft_read(answers: dict | None = None, **changes) -> dict:
    draft = {
        "id": 77,
        "slug": SLUG,
        "title": PROCEDURE["title"],
        "version": 3,
        "current_version": 3,
        "answers": answers or {},
        "on_behalf_of": None,
        "on_behalf_of_name": None,
        "updated_at": iso(NOW),
        # Within a week: the form must warn that the draft is about to go.
        "expires_at": iso(NOW + timedelta(days=5)),
        "closes_on": None,
    }
    draft.update(changes)
    return draft


def application_read(app_id: int = 9001, **changes) -> dict:
    application = {
        "id": app_id,
        "receipt_number": "261122-7K3M9QXD",
        "procedure": PROCEDURE,
        "version": 3,
        "status": "submitted",
        "status_label": L("受付", "うけつけ", "Received"),
        "channel": "self",
        "applicant_name": "山田 花子",
        "filed_by_name": "山田 花子",
        "submitted_at": iso(NOW),
        "updated_at": iso(NOW),
        "due_by": (NOW + timedelta(days=42)).date().isoformat(),
        "answers": [
            {
                "name": "full_name",
                "label": L("氏名", "なまえ", "Full name"),
                "value": "山田 花子",
                "display": "山田 花子",
                "prefilled": True,
                "changed": False,
                "source": "住民基本台帳",
                "as_of": "2026-04-01",
                "type": "text",
                "options": [],
            },
            {
                "name": "address",
                "label": L("住所", "じゅうしょ", "Address"),
                "value": "東京都千代田区千代田1-1",
                "display": "東京都千代田区千代田1-1",
                "prefilled": True,
                "changed": True,
                "source": "住民基本台帳",
                "as_of": "2026-04-01",
                "type": "text",
                "options": [],
            },
            {
                "name": "phone",
                "label": L("電話番号", "でんわ ばんごう", "Phone"),
                "value": "0312345678",
                "display": "03-1234-5678",
                "prefilled": False,
                "changed": False,
                "source": None,
                "as_of": None,
                "type": "phone",
                "options": [],
            },
        ],
        "attachments": [
            {
                "id": "att-1",
                "filename": "koseki.png",
                "content_type": "image/png",
                "size": len(PNG),
                "created_at": iso(NOW),
            },
        ],
        "timeline": [
            {
                "id": 1,
                "kind": "submitted",
                "status": "submitted",
                "actor": "resident",
                "actor_name": "山田 花子",
                "text": "",
                "created_at": iso(NOW),
            },
        ],
        "tracker": [],
        "can_amend": False,
        "can_withdraw": True,
        "steps": FORM["steps"],
    }
    application.update(changes)
    return application


MOVE_APPLICATION = application_read(
    9002,
    receipt_number="261119-R4T8WZ2H",
    procedure={
        **PROCEDURE,
        "slug": "move-within-city",
        "online": "booking",
        "department": CITIZENS,
        "title": L("転居届（市内での引っ越し）", "しの なかで ひっこす", "Moving within the city"),
    },
    status="approved",
    status_label=L("決定", "けってい", "Decided"),
    channel="proxy",
    filed_by_name="山田 一郎",
    can_withdraw=False,
    steps=[
        step
        if step["id"] != "interview"
        else {"id": "visit", "label": L("窓口での手続き", "まどぐち", "Counter visit")}
        for step in FORM["steps"]
    ],
    timeline=[
        {
            "id": 1,
            "kind": "submitted",
            "status": "submitted",
            "actor": "proxy",
            "actor_name": "山田 一郎",
            "text": "",
            "created_at": iso(NOW - timedelta(days=3)),
        },
        {
            "id": 2,
            "kind": "message",
            "status": None,
            "actor": "staff",
            "actor_name": "市民課 佐藤",
            "text": "予約の日時を確認しました。\n本人確認書類をお持ちください。",
            "created_at": iso(NOW - timedelta(days=2)),
        },
        {
            "id": 3,
            "kind": "status",
            "status": "approved",
            "actor": "staff",
            "actor_name": "市民課 佐藤",
            "text": "転居届を受理しました。",
            "created_at": iso(NOW - timedelta(days=1)),
        },
        {
            "id": 4,
            "kind": "effect",
            "status": None,
            "actor": "system",
            "actor_name": "",
            "text": "住民基本台帳の住所を更新しました。",
            "created_at": iso(NOW - timedelta(days=1)),
        },
    ],
    tracker=[
        {"department": CITIZENS, "reached_at": iso(NOW - timedelta(days=1))},
        {
            "department": {"code": "tax", "name": L("税務課", "ぜいむか", "Taxation Division")},
            "reached_at": iso(NOW - timedelta(hours=20)),
        },
        {"department": DEPARTMENT, "reached_at": iso(NOW - timedelta(hours=19))},
    ],
)


def _answered(name: str, value, display: str, *, prefilled: bool = False) -> dict:
    spec = next(f for sec in FORM["form"]["sections"] for f in sec["fields"] if f["name"] == name)
    return {
        "name": name,
        "label": spec["label"],
        "value": value,
        "display": display,
        "prefilled": prefilled,
        "changed": False,
        "source": "住民基本台帳" if prefilled else None,
        "as_of": "2026-04-01" if prefilled else None,
        "type": spec["type"],
        "options": spec.get("options", []),
    }


# The department asked for more: every answer as filed (the bank type as the server keeps it).
ASKED_APPLICATION = application_read(
    9003,
    household=[{"id": m["id"], "name": m["name"]} for m in HOUSEHOLD],
    request={
        "message": "電話番号の桁が足りないようです。正しい番号を入力してください。",
        "document": "戸籍謄本（3か月以内）",
        "asked_at": iso(NOW - timedelta(hours=3)),
        "asked_by": "子育て支援課 鈴木",
    },
    receipt_number="261120-Q8N3V6KD",
    status="info_requested",
    status_label=L("追加の情報の依頼", "ついかの じょうほう", "More information"),
    can_amend=True,
    answers=[
        _answered("full_name", "山田 花子", "山田 花子", prefilled=True),
        _answered("full_name_kana", "ヤマダ ハナコ", "ヤマダ ハナコ", prefilled=True),
        _answered("birth_date", "1990-05-12", "1990-05-12（平成2年5月12日）", prefilled=True),
        _answered("postal_code", "139-0001", "〒139-0001", prefilled=True),
        _answered("address", "とどけ市中央1-2-3", "とどけ市中央1-2-3", prefilled=True),
        _answered("phone", "0901111222", "090-111-1222"),
        _answered("children", ["P-1002", "P-1003"], "山田 さくら、山田 はると", prefilled=True),
        _answered("custody", "mother", "母"),
        _answered("annual_income", 1200000, "1,200,000円"),
        _answered("pension", "none", "受けていない"),
        _answered("situation", ["divorce"], "離婚"),
        _answered("guardian", "P-1001", "山田 花子"),
        _answered(
            "bank",
            {
                "bank_code": "0001",
                "branch_code": "123",
                "type": "ordinary",
                "number": "1234567",
                "holder": "ﾔﾏﾀﾞ ﾊﾅｺ",
            },
            "0001-123 普通 1234567 ﾔﾏﾀﾞ ﾊﾅｺ",
        ),
        _answered("documents", ["att-1"], "koseki.png"),
        _answered("agree", True, "はい"),
    ],
    timeline=[
        {
            "id": 1,
            "kind": "submitted",
            "status": "submitted",
            "actor": "resident",
            "actor_name": "山田 花子",
            "text": "",
            "created_at": iso(NOW - timedelta(days=2)),
        },
        {
            "id": 2,
            "kind": "status",
            "status": "info_requested",
            "actor": "staff",
            "actor_name": "子育て支援課 鈴木",
            "text": "電話番号の桁が足りないようです。正しい番号を入力してください。",
            "created_at": iso(NOW - timedelta(hours=3)),
        },
    ],
)

# Home's timeline: a request to answer, a draft's last day, the 現況届 window, one under way,
# one unread notice.
TIMELINE = {
    "items": [
        {
            "kind": "action",
            "what": "info_requested",
            "title": PROCEDURE["title"],
            "status_label": L("追加の情報の依頼", "ついかの じょうほう", "More information"),
            "at": iso(NOW - timedelta(hours=3)),
            "due": None,
            "link": "/applications/9003",
            "opens": None,
        },
        {
            "kind": "deadline",
            "what": "draft_expires",
            "title": L("転居届", "ひっこしの とどけ", "Notice of moving"),
            "status_label": None,
            "at": iso(NOW),
            "due": "2026-12-11",
            "link": f"/procedures/{SLUG}/apply?draft=77",
            "opens": None,
        },
        {
            "kind": "deadline",
            "what": "appointment",
            "title": PROCEDURE["title"],
            "status_label": None,
            "at": iso(NOW - timedelta(days=1)),
            "due": "2026-12-17",
            "link": "/applications/9001",
            "opens": None,
            "detail": L("面談の希望日", "めんだんに きたい ひ", "Preferred interview date"),
        },
        {
            "kind": "deadline",
            "what": "status_report",
            "title": L(
                "児童扶養手当の現況届",
                "じどう ふよう てあての げんきょうとどけ",
                "Child-rearing allowance: the annual status report",
            ),
            "status_label": None,
            "at": "2027-08-01T00:00:00+09:00",
            "due": "2027-08-31",
            "link": "/support",
            "opens": "2027-08-01",
        },
        {
            "kind": "application",
            "what": "in_progress",
            "title": PROCEDURE["title"],
            "status_label": L("審査中", "しらべて いる", "In review"),
            "at": iso(NOW - timedelta(days=1)),
            "due": None,
            "link": "/applications/9001",
            "opens": None,
        },
        {
            "kind": "notice",
            "what": "notice",
            "title": L("申請を受け付けました", "しんせいを うけつけました", "Application received"),
            "status_label": None,
            "at": iso(NOW - timedelta(days=1)),
            "due": None,
            "link": "/inbox",
            "opens": None,
        },
    ],
    "unread_notices": 1,
}

SUMMARIES = [
    {
        "id": 9001,
        "receipt_number": "261122-7K3M9QXD",
        "title": PROCEDURE["title"],
        "status": "in_review",
        "status_label": L("審査中", "しらべて いる", "In review"),
        "channel": "self",
        "applicant_name": "山田 花子",
        "submitted_at": iso(NOW - timedelta(days=1)),
        "updated_at": iso(NOW),
    },
    {
        "id": 9002,
        "receipt_number": "261119-R4T8WZ2H",
        "title": MOVE_APPLICATION["procedure"]["title"],
        "status": "approved",
        "status_label": L("決定", "けってい", "Decided"),
        "channel": "proxy",
        "applicant_name": "山田 花子",
        "submitted_at": iso(NOW - timedelta(days=3)),
        "updated_at": iso(NOW - timedelta(days=1)),
    },
]

CORRECTIONS = [
    {
        "id": 5,
        "fact": "address",
        "fact_label": L("住所", "じゅうしょ", "Address"),
        "current_value": "とどけ市中央1-2-3",
        "note": "番地が違います。正しくは中央1-2-30です。",
        "department": CITIZENS,
        "status": "open",
        "reply": "",
        "created_at": iso(NOW - timedelta(hours=2)),
        "resolved_at": None,
    },
    {
        "id": 4,
        "fact": "name_kana",
        "fact_label": L("フリガナ", "よみかた", "Name in kana"),
        "current_value": "ヤマダ ハナ",
        "note": "ヤマダ ハナコ が正しいです。",
        "department": CITIZENS,
        "status": "resolved",
        "reply": "住民基本台帳のフリガナを訂正しました。",
        "created_at": iso(NOW - timedelta(days=10)),
        "resolved_at": iso(NOW - timedelta(days=8)),
    },
]

DELEGATIONS = [
    {
        "id": 31,
        "direction": "given",
        "principal_account": 501,
        "principal_name": "山田 花子",
        "agent_name": "山田 一郎",
        "scope": [],
        "status": "active",
        "expires_at": iso(NOW + timedelta(days=80)),
        "created_at": iso(NOW - timedelta(days=10)),
    },
    {
        "id": 32,
        "direction": "received",
        "principal_account": 640,
        "principal_name": "山田 トメ",
        "agent_name": "山田 花子",
        "scope": ["move-within-city", "oversized-garbage"],
        "status": "active",
        "expires_at": iso(NOW + timedelta(days=60)),
        "created_at": iso(NOW - timedelta(days=30)),
    },
]


def account(**changes) -> dict:
    me = {
        "id": 501,
        "kind": "resident",
        "display_name": "はなこ",
        "verified": True,
        "verified_by": "letter",
        "name": {
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
        },
        "staff_role": None,
        "passkey_count": 2,
        "suggest_second_passkey": False,
        "csrf_token": CSRF,
    }
    me.update(changes)
    return me


def problem(status: int, ja: str, en: str, errors: list | None = None) -> dict:
    return {
        "type": "urn:todoke:problem:invalid",
        "title": en,
        "title_ja": ja,
        "status": status,
        "detail": en,
        "detail_ja": ja,
        "instance": "/api",
        "errors": errors or [],
    }


# --- the mocked API -----------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes | None
    answered: bool = False

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class MockApi:
    """Answers the contract's routes; anything else goes to the real demo server."""

    page: object
    me: dict | None = field(default_factory=account)
    form: dict = field(default_factory=lambda: copy.deepcopy(FORM))
    forms_on_behalf: dict = field(default_factory=dict)
    drafts: list = field(default_factory=list)
    delegations: list = field(default_factory=lambda: copy.deepcopy(DELEGATIONS))
    # What POST /api/applications does, one entry per call: "invalid", "abort" or "ok".
    submissions: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    # Routed requests bypass the browser's offline mode: the mock fails them itself.
    offline: bool = False

    def __post_init__(self) -> None:
        self.page.route(re.compile(r"^https?://[^/]+/api/"), self.handle)

    def handle(self, route, request) -> None:
        url = urlparse(request.url)
        call = Call(
            request.method, url.path, parse_qs(url.query), request.headers, request.post_data_buffer
        )
        self.calls.append(call)
        answer = "abort" if self.offline else self.answer(call)
        # Failed for being offline: it never reached a server, nor did the mock answer it.
        call.answered = answer is not None and not self.offline
        if answer is None:
            route.fallback()
        elif answer == "abort":
            route.abort("internetdisconnected")
        else:
            status, body = answer
            route.fulfill(
                status=status,
                content_type="application/problem+json" if status >= 400 else "application/json",
                body=json.dumps(body, ensure_ascii=False),
            )

    def find(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(path, c.path)]

    @property
    def without_csrf(self) -> list[str]:
        """Unsafe requests this mock answered that did not carry the session's CSRF token."""
        return [
            f"{c.method} {c.path}"
            for c in self.calls
            if c.method != "GET" and c.answered and c.headers.get("x-csrf-token") != CSRF
        ]

    def answer(self, call: Call):  # one branch per route of the contract
        m, p = call.method, call.path
        if (m, p) == ("GET", "/api/auth/session"):
            return 200, {"signed_in": True, "account": self.me} if self.me else {"signed_in": False}
        if (m, p) == ("GET", f"/api/procedures/{SLUG}/form"):
            behalf = call.query.get("on_behalf_of", [None])[0]
            form = self.forms_on_behalf.get(behalf, self.form) if behalf else self.form
            if not self.me:
                form = {
                    **form,
                    "prefill": {},
                    "household": [],
                    "can_file": False,
                    "blockers": ["sign_in"],
                }
            return 200, form
        if (m, p) == ("GET", "/api/me/timeline"):
            return 200, TIMELINE
        if (m, p) == ("GET", "/api/drafts"):
            return 200, {"items": self.drafts}
        if (m, p) == ("POST", "/api/drafts"):
            body = call.json()
            draft = draft_read(on_behalf_of=body.get("on_behalf_of"))
            self.drafts = [draft]
            return 201, draft
        if m in ("GET", "PUT", "DELETE") and re.fullmatch(r"/api/drafts/\d+", p):
            found = [d for d in self.drafts if str(d["id"]) == p.rsplit("/", 1)[1]]
            if not found:
                return 404, problem(404, "見つかりません", "Not found")
            if m == "GET":
                return 200, found[0]
            if m == "DELETE":
                self.drafts.remove(found[0])
                return 204, None
            body = call.json()
            found[0].update(
                answers=body["answers"], version=body["version"], updated_at=iso(datetime.now(UTC))
            )
            return 200, found[0]
        if (m, p) == ("POST", "/api/attachments"):
            name = call.query["filename"][0]
            return 201, {
                "id": f"att-{len(self.find('POST', '/api/attachments'))}",
                "filename": name,
                "content_type": call.headers.get("content-type"),
                "size": len(call.body or b""),
                "created_at": iso(NOW),
            }
        if (m, p) == ("POST", "/api/corrections"):
            body = call.json()
            return 201, {**CORRECTIONS[0], "id": 6, "fact": body["field"], "note": body["note"]}
        if (m, p) == ("GET", "/api/corrections"):
            return 200, {"items": CORRECTIONS}
        if (m, p) == ("POST", "/api/applications"):
            plan = self.submissions.pop(0) if self.submissions else "ok"
            if plan == "abort":
                return "abort"
            if plan == "invalid":
                return 422, problem(
                    422,
                    "入力内容に誤りがあります",
                    "Invalid input",
                    [
                        {
                            "field": "phone",
                            "label": {"ja": "電話番号", "en": "Phone"},
                            "message": {
                                "ja": "この電話番号は使われていません",
                                "en": "This number is not in use",
                            },
                        },
                    ],
                )
            self.drafts = []
            return 201, application_read()
        if (m, p) == ("GET", "/api/applications"):
            return 200, {"items": SUMMARIES}
        if (m, p) == ("GET", "/api/applications/9001"):
            return 200, application_read()
        if (m, p) == ("GET", "/api/applications/9002"):
            return 200, MOVE_APPLICATION
        if (m, p) == ("GET", "/api/applications/9003"):
            return 200, ASKED_APPLICATION
        if (m, p) == ("PUT", "/api/applications/9003/answers"):
            return 200, {**ASKED_APPLICATION, "status": "in_review", "can_amend": False}
        if (m, p) == ("POST", "/api/applications/confirm/review"):
            if call.json()["code"] != "K7Q2-M9XA":
                return 404, problem(
                    404, "この確認コードは見つかりません", "No such confirmation code"
                )
            pending = application_read(channel="assisted", filed_by_name="市民課 田中")
            return 200, {
                "application": {**pending, "status": "awaiting_confirmation"},
                "options": STEP_UP_OPTIONS,
            }
        if (m, p) == ("POST", "/api/applications/confirm"):
            if call.json().get("credential", {}).get("id") != "resident-passkey":
                return 422, problem(422, "パスキーで確認できませんでした", "Not confirmed")
            return 200, application_read(channel="assisted", filed_by_name="市民課 田中")
        if (m, p) == ("POST", "/api/applications/9001/withdraw"):
            return 200, application_read(
                status="withdrawn",
                can_withdraw=False,
                status_label=L("取り下げ", "とりさげ", "Withdrawn"),
            )
        if (m, p) == ("GET", "/api/me/delegations"):
            return 200, {"items": self.delegations}
        if (m, p) == ("POST", "/api/me/delegations"):
            self.delegations.append(
                {
                    **DELEGATIONS[0],
                    "id": 33,
                    "agent_name": "",
                    "status": "pending",
                    "expires_at": iso(NOW + timedelta(days=3)),
                }
            )
            return 201, {"code": "KZ4P-7WQM", "expires_at": iso(NOW + timedelta(days=3))}
        if (m, p) == ("POST", "/api/me/delegations/accept"):
            if call.json()["code"] != "AB12-CD34":
                return 404, problem(
                    404, "この招待コードは見つかりません", "No such invitation code"
                )
            accepted = {
                **DELEGATIONS[1],
                "id": 34,
                "principal_account": 650,
                "principal_name": "佐藤 次郎",
                "scope": [],
            }
            self.delegations.append(accepted)
            return 200, accepted
        # The account screen, signed in: its own calls, answered as for a verified resident.
        if (m, p) == ("GET", "/api/me/passkeys"):
            return 200, [
                {
                    "id": 1,
                    "name": "iPhone",
                    "created_at": iso(NOW - timedelta(days=40)),
                    "last_used_at": iso(NOW),
                    "synced": True,
                    "clone_suspected": False,
                }
            ]
        if (m, p) == ("GET", "/api/me/consents"):
            return 200, {"prefill": True, "matching": False}
        if m == "DELETE" and re.fullmatch(r"/api/me/delegations/\d+", p):
            self.delegations = [d for d in self.delegations if str(d["id"]) != p.rsplit("/", 1)[1]]
            return 204, None
        return None


# --- helpers -------------------------------------------------------------------------------


def _main(page):
    return page.locator("main")


def _say(page, text: str, timeout: float = 10000):
    locator = _main(page).get_by_text(text, exact=False).first
    expect(locator).to_be_visible(timeout=timeout)
    return locator


def _shoot(page, shoot, name: str) -> None:
    """Phones scroll a frame inside the page: grow the viewport to the content first."""
    size = page.viewport_size
    page.wait_for_timeout(150)
    height = page.evaluate(
        """() => {
          const frame = document.querySelector('[data-scroller]');
          const nav = document.querySelector('.app-nav');
          const phone = getComputedStyle(frame).display !== 'contents';
          return Math.ceil(frame.scrollHeight + (nav && phone ? nav.offsetHeight : 0));
        }"""
    )
    if height > size["height"] and size["width"] < 768:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(150)
        shoot(page, name)
        page.set_viewport_size(size)
    else:
        shoot(page, name)


def _shoot_screen(page, name: str) -> None:
    """What the screen shows now (a dialog over the page), not the whole page."""
    folder = Path(os.environ.get("TODOKE_SCREENSHOT_DIR", "var/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def _no_overflow(page) -> None:
    """Nothing wider than the screen: no sideways scrolling at any text size."""
    wide = page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          return [...document.querySelectorAll('main *')]
            .filter((n) => n.getBoundingClientRect().right > limit + 1 && n.getClientRects().length)
            .filter((n) => !n.closest('.visually-hidden'))
            .slice(0, 5)
            .map((n) => `${n.className} ${Math.round(n.getBoundingClientRect().right)}`);
        }"""
    )
    assert wide == [], wide


def _axe(page, screen: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    before = len(page.console_errors)
    seen = getattr(page, "seen_http", [])
    http_before = len(seen)
    results = Axe().run(page)
    # axe measures with inline styles, which our CSP refuses, and re-reads the style sheets,
    # resolving app.css's @import against the page's address (GET /tokens.css): its own
    # noise, not the app's.
    page.console_errors[before:] = [
        e
        for e in page.console_errors[before:]
        if not e.startswith("Applying inline style")
        and not (e.startswith("Failed to load resource") and "404" in e)
    ]
    seen[http_before:] = [h for h in seen[http_before:] if not h.endswith("/tokens.css")]
    assert results.violations_count == 0, f"{screen}: {results.generate_report()}"


def _watch(page) -> dict:
    """Failed answers and missing words: every 4xx/5xx and i18n warning the page saw."""
    seen = {"http": [], "warnings": []}
    page.seen_http = seen["http"]
    page.on(
        "response",
        lambda r: (
            seen["http"].append(f"{r.status} {r.request.method} {urlparse(r.url).path}")
            if r.status >= 400
            else None
        ),
    )
    page.on(
        "console",
        lambda m: (
            seen["warnings"].append(m.text) if m.type == "warning" and "i18n" in m.text else None
        ),
    )
    return seen


def _check_console(
    page, seen: dict, api: MockApi, expected_http: tuple[str, ...] = (), aborted: int = 0
) -> None:
    """No script error and no missing i18n word; the browser's own lines about failed
    loads only for the failures the test provoked (expected_http, aborted requests); every
    unsafe request with the CSRF token."""
    assert api.without_csrf == [], api.without_csrf
    assert seen["warnings"] == [], seen["warnings"]
    unexpected = [h for h in seen["http"] if not any(re.fullmatch(e, h) for e in expected_http)]
    assert unexpected == [], unexpected
    failed_loads = [e for e in page.console_errors if e.startswith("Failed to load resource")]
    others = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    assert others == [], others
    assert len(failed_loads) <= len(seen["http"]) + aborted, failed_loads


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _next(page) -> None:
    _main(page).get_by_role("button", name=re.compile("^次へ")).click()


# --- the walk ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_apply_review_submit_and_receipt(make_page, shoot, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    page = make_page(viewport)
    seen = _watch(page)
    api = MockApi(page, submissions=["invalid", "abort", "ok"])

    # The procedure page: what it is, how it works online, and the way in.
    page.goto(f"/procedures/{SLUG}")
    expect(page.locator("main h1")).to_have_text("児童扶養手当 認定請求")
    _say(page, "オンラインで請求内容を入力し、面談を予約します")
    _say(page, "受付から30開庁日ほど")
    _say(page, "子育て支援課")
    _say(page, "戸籍謄本と、振込先の口座がわかるものを用意してください。")
    _shoot(page, shoot, f"procedures-page-{size}")
    _main(page).get_by_role("button", name="申請をはじめる").click()

    # Step 1: pre-filled, one value locked, the draft's status said plainly.
    expect(page).to_have_url(re.compile(r"/procedures/child-rearing-allowance/apply\?draft=77"))
    _say(page, "1 / 4")
    expect(_main(page).locator("h2#apply-step-title")).to_have_text("申請者")
    _say(page, "まだ送信されていません")
    _say(page, "この下書きは")  # expires within a week: warned
    name = page.locator("#apply-full_name")
    expect(name).to_have_value("山田 花子")
    expect(name).to_have_attribute("readonly", "")
    expect(name).to_be_enabled()
    _say(page, "住民基本台帳の氏名です。変更は市民課で手続きしてください。")
    expect(page.locator("#apply-full_name-field .prefill__source")).to_contain_text(
        "住民基本台帳（2026年4月1日時点）"
    )
    expect(page.locator("#apply-birth_date-era")).to_have_text("平成2年5月12日")
    _axe(page, "form step 1")
    _shoot(page, shoot, f"procedures-form-step1-{size}")

    # "この情報が違う": a correction request to the department that keeps the value.
    page.locator("#apply-address-field").get_by_role(
        "button", name=re.compile("この情報が違う")
    ).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("正しい内容")).to_be_focused()
    dialog.get_by_role("button", name="訂正を依頼する").click()
    expect(dialog.get_by_text("正しい内容を入力してください")).to_be_visible()
    dialog.get_by_label("正しい内容").fill("番地が違います。正しくは中央1-2-30です。")
    _shoot_screen(page, f"procedures-correction-form-{size}")
    dialog.get_by_role("button", name="訂正を依頼する").click()
    expect(dialog.get_by_text("市民課に訂正の依頼を送りました")).to_be_visible()
    expect(dialog.get_by_role("link", name="訂正の依頼を見る")).to_have_attribute(
        "href", "/corrections"
    )
    assert api.find("POST", "/api/corrections")[0].json() == {
        "field": "address",
        "slug": SLUG,
        "note": "番地が違います。正しくは中央1-2-30です。",
    }
    _shoot_screen(page, f"procedures-correction-{size}")
    dialog.get_by_role("button", name="閉じる").click()
    expect(dialog).to_be_hidden()
    expect(
        page.locator("#apply-address-field").get_by_role(
            "button", name=re.compile("この情報が違う")
        )
    ).to_be_focused()

    # A postal code fills an empty address; a changed pre-filled value is flagged.
    page.locator("#apply-address").fill("")
    page.locator("#apply-postal_code").fill("100-0001")
    expect(page.locator("#apply-address")).to_have_value("東京都千代田区千代田")
    _say(page, "住所に「東京都千代田区千代田」を入力しました。")
    page.locator("#apply-address").fill("東京都千代田区千代田1-1")
    expect(page.locator("#apply-address-changed")).to_have_text(
        "登録情報から変更しました。職員が確認します"
    )
    expect(page.locator("#apply-address")).to_have_attribute(
        "aria-describedby", re.compile(r"apply-address-changed")
    )
    expect(page.locator("#apply-full_name_kana-changed")).to_be_hidden()

    # Next with a required field empty: the error summary takes focus and links to it.
    _next(page)
    summary = page.locator("#apply-errors")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("入力内容を確認してください")
    expect(summary).to_contain_text("電話番号：入力してください")
    assert _active_id(page) == "apply-errors"
    expect(page.locator("#apply-phone")).to_have_attribute("aria-invalid", "true")
    _shoot(page, shoot, f"procedures-form-errors-{size}")
    summary.get_by_role("link", name=re.compile("電話番号")).click()
    assert _active_id(page) == "apply-phone"
    page.locator("#apply-phone").fill("090-1111-2222")
    _next(page)

    # Step 2: household members pre-selected; a condition shows a field.
    _say(page, "2 / 4")
    expect(page.get_by_label(re.compile("山田 さくら"))).to_be_checked()
    expect(page.get_by_label(re.compile("山田 はると"))).to_be_checked()
    expect(page.locator("#apply-custody_other")).to_be_hidden()
    page.get_by_label("その他の養育者").check()
    expect(page.locator("#apply-custody_other")).to_be_visible()
    page.locator("#apply-custody_other").fill("祖母")
    _axe(page, "form step 2")
    _next(page)

    # Step 3: yen, select with a condition, number, checkboxes, one household member.
    _say(page, "3 / 4")
    page.locator("#apply-annual_income").fill("1,200,000")
    expect(page.locator("#apply-annual_income-suffix")).to_have_text("円")
    page.locator("#apply-pension").select_option("survivor")
    page.locator("#apply-pension_amount").fill("600000")
    page.locator("#apply-dependents").fill("2")
    page.get_by_label("離婚").check()
    page.locator("#apply-guardian-field").get_by_label(re.compile("山田 花子")).check()
    _axe(page, "form step 3")
    _shoot(page, shoot, f"procedures-form-step3-{size}")
    _next(page)

    # Step 4: bank account, an upload (sent at once, with the CSRF token), consent.
    _say(page, "4 / 4")
    page.get_by_label("金融機関コード").fill("0001")
    page.get_by_label("支店コード").fill("123")
    page.get_by_label("種別").select_option("普通")
    page.get_by_label("口座番号").fill("1234567")
    page.get_by_label("口座名義（カナ）").fill("ヤマダ ハナコ")
    page.locator("#apply-documents").set_input_files(
        files=[{"name": "koseki.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _say(page, "「koseki.png」を添付しました")
    expect(page.locator("#apply-documents-field .file-list__item")).to_contain_text("koseki.png")
    upload = api.find("POST", "/api/attachments")[0]
    assert upload.query["filename"] == ["koseki.png"]
    assert upload.body == PNG
    assert upload.headers["content-type"] == "image/png"
    page.get_by_label(re.compile("記載内容に誤りがないことを確認しました")).check()
    _axe(page, "form step 4")
    _shoot(page, shoot, f"procedures-form-step4-{size}")
    page.get_by_role("button", name="入力内容の確認へ").click()
    # The form saves the draft before it opens the review: wait for the review, so the
    # last save has been answered (reading the calls at once raced it on a busy machine).
    expect(page).to_have_url(re.compile(r"/review\?draft=77"))

    # The draft was saved as the resident typed: what is shown, nothing hidden.
    saved = api.find("PUT", "/api/drafts/77")[-1].json()
    assert saved["version"] == 3
    assert saved["answers"]["custody_other"] == "祖母"
    assert saved["answers"]["bank"] == {
        "bank_code": "0001",
        "branch_code": "123",
        "type": "普通",
        "number": "1234567",
        "holder": "ヤマダ ハナコ",
    }
    assert saved["answers"]["documents"] == ["att-1"]
    assert saved["answers"]["annual_income"] == 1200000
    assert "email" not in saved["answers"]

    # Review: every answer by section, sources, "not sent yet", change links.
    expect(page).to_have_url(re.compile(r"/review\?draft=77"))
    expect(page.locator("main h1")).to_have_text("申請内容の確認")
    _say(page, "まだ送信されていません")
    _say(page, "東京都千代田区千代田1-1")
    _say(page, "登録情報から変更")
    _say(page, "1,200,000")
    _say(page, "遺族年金")
    _say(page, "koseki.png")
    expect(page.locator("#review-children")).to_contain_text("山田 さくら")
    expect(page.locator("#review-full_name")).to_contain_text("住民基本台帳（2026年4月1日時点）")
    expect(page.locator("#review-email")).to_contain_text("未入力")
    _axe(page, "review")
    _shoot(page, shoot, f"procedures-review-{size}")

    # The server refuses a value: summary with focus, the line under the answer, in Japanese.
    submit = _main(page).get_by_role("button", name="この内容で申請する")
    submit.click()
    review_summary = page.locator("#review-errors")
    expect(review_summary).to_contain_text("電話番号：この電話番号は使われていません")
    assert _active_id(page) == "review-errors"
    expect(page.locator("#review-phone-error")).to_have_text("この電話番号は使われていません")
    _shoot(page, shoot, f"procedures-review-422-{size}")

    # Its link leads to the field, with the server's words beside it.
    review_summary.get_by_role("link", name=re.compile("電話番号")).click()
    expect(page).to_have_url(re.compile(r"step=applicant"))
    expect(page.locator("#apply-phone-error")).to_have_text(
        re.compile("この電話番号は使われていません")
    )
    expect(page.locator("#apply-phone")).to_be_focused()
    page.locator("#apply-phone").fill("03-1234-5678")
    for _ in range(3):
        _next(page)
    page.get_by_role("button", name="入力内容の確認へ").click()

    # A lost answer, then a retry: the same Idempotency-Key, so never two applications.
    # The filing waits on this device meanwhile; pressed again, it goes at once.
    submit = _main(page).get_by_role("button", name="この内容で申請する")
    submit.click()
    _say(page, "送信待ち")
    submit.click()
    expect(page).to_have_url(re.compile(r"/applications/9001\?new=1"))
    posts = api.find("POST", "/api/applications")
    keys = [c.headers.get("idempotency-key") for c in posts]
    assert len(posts) == 3 and all(keys), keys
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", keys[1]
    )
    assert keys[1] == keys[2], "a retry must reuse the key"
    assert keys[0] != keys[1], "different answers are a different submission"
    body = posts[2].json()
    assert body["slug"] == SLUG and body["version"] == 3 and body["draft_id"] == 77
    assert body["answers"]["phone"] == "03-1234-5678"
    assert body["answers"]["full_name"] == "山田 花子"  # locked: still sent
    assert "pension_amount" in body["answers"] and "email" not in body["answers"]

    # The receipt.
    expect(page.locator("main h1")).to_have_text("申請を受け付けました")
    _say(page, "261122-7K3M9QXD")
    _say(page, "ごろまでに結果をお知らせする予定です")
    _say(page, "担当課から面談の日程についてご連絡します。")
    print_link = _main(page).get_by_role("link", name=re.compile("受付票を印刷"))
    expect(print_link).to_have_attribute("href", "/api/applications/9001/receipt")
    expect(print_link).to_have_attribute("target", "_blank")
    expect(page.locator(".status-steps__item[aria-current=step]")).to_contain_text("受付")
    expect(page.locator(".status-steps__item")).to_have_count(4)  # 受付 審査中 面談 決定
    _axe(page, "receipt")
    _shoot(page, shoot, f"procedures-receipt-{size}")

    _check_console(
        page,
        seen,
        api,
        expected_http=(r"422 POST /api/applications",),
        aborted=1,
    )


# --- the other screens ----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_lists_detail_corrections_and_delegations(make_page, shoot, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    page = make_page(viewport)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read({"phone": "090-1111-2222"})])

    # 申請と下書き: drafts plainly unsent; applications with number and status.
    page.goto("/applications")
    expect(page.locator("main h1")).to_have_text("申請と下書き")
    drafts = _main(page).get_by_role("region", name="下書き（未送信）")
    expect(drafts).to_contain_text("児童扶養手当 認定請求")
    expect(drafts).to_contain_text("未送信")
    expect(drafts.get_by_role("link", name="続ける")).to_have_attribute(
        "href", f"/procedures/{SLUG}/apply?draft=77"
    )
    filed = _main(page).get_by_role("region", name="申請")
    expect(filed).to_contain_text("261122-7K3M9QXD")
    expect(filed).to_contain_text("審査中")
    expect(page.locator('.app-nav [data-nav="applications"]')).to_have_attribute(
        "aria-current", "page"
    )
    _axe(page, "applications")
    _shoot(page, shoot, f"procedures-applications-{size}")

    # Deleting a draft asks once more.
    drafts.get_by_role("button", name="削除").first.click()
    _say(page, "この下書きを削除しますか？")
    drafts.get_by_role("button", name="削除する").click()
    _say(page, "下書きを削除しました")
    _say(page, "下書きはありません。")
    assert api.find("DELETE", "/api/drafts/77")

    # An approved change of address filed by a proxy: steps, tracker, timeline.
    _main(page).get_by_role("link", name="転居届（市内での引っ越し）").click()
    expect(page.locator("main h1")).to_have_text("転居届（市内での引っ越し）")
    _say(page, "代理人（山田 一郎）")
    tracker = _main(page).get_by_role("region", name="変更が届いた部署")
    expect(tracker).to_contain_text("税務課")
    expect(tracker.locator(".tracker__item")).to_have_count(3)
    _say(page, "本人確認書類をお持ちください。")
    _say(page, "変更あり")
    expect(page.locator(".status-steps__item[data-state=done]")).to_have_count(4)
    _axe(page, "application detail")
    _shoot(page, shoot, f"procedures-application-approved-{size}")

    # Withdrawing asks in a dialog.
    page.goto("/applications/9001")
    _main(page).get_by_role("button", name="申請を取り下げる").click()
    dialog = page.get_by_role("dialog", name="この申請を取り下げますか")
    expect(dialog).to_be_visible()
    _shoot_screen(page, f"procedures-withdraw-dialog-{size}")
    dialog.get_by_role("button", name="取り下げる").click()
    _say(page, "申請を取り下げました")
    assert api.find("POST", "/api/applications/9001/withdraw")

    # Corrections asked for.
    page.goto("/corrections")
    expect(page.locator("main h1")).to_have_text("訂正の依頼")
    _say(page, "番地が違います。正しくは中央1-2-30です。")
    _say(page, "確認中")
    _say(page, "住民基本台帳のフリガナを訂正しました。")
    _axe(page, "corrections")
    _shoot(page, shoot, f"procedures-corrections-{size}")

    # Delegations: reached from the account screen; invite, accept, revoke.
    page.goto("/account")
    _main(page).get_by_role("link", name=re.compile("代理人")).click()
    expect(page.locator("main h1")).to_have_text("代理人")
    _say(page, "山田 一郎")
    _say(page, "山田 トメ")
    _say(page, "粗大ごみ収集申込")  # a limited scope named by its procedures
    _main(page).get_by_role("button", name="代理人を招待する").click()
    _say(page, "KZ4P-7WQM")
    _say(page, "信頼できる人にだけ伝えてください。")
    assert api.find("POST", "/api/me/delegations")[0].json() == {"scope": [], "days": 90}
    _axe(page, "delegations")
    _shoot(page, shoot, f"procedures-delegations-{size}")
    code = _main(page).get_by_role("textbox", name="招待コード")
    code.fill("ZZZZ-0000")
    _main(page).get_by_role("button", name="代理人になる").click()
    _say(page, "この招待コードは見つかりません")
    code.fill("AB12-CD34")
    _main(page).get_by_role("button", name="代理人になる").click()
    _say(page, "佐藤 次郎さんの代理人になりました")
    first_given = page.locator(".record-card").filter(has_text="山田 一郎")
    first_given.get_by_role("button", name=re.compile("取り消す")).click()
    first_given.get_by_role("button", name="取り消す").last.click()
    _say(page, "代理を取り消しました")
    assert api.find("DELETE", "/api/me/delegations/31")

    _check_console(page, seen, api, expected_http=(r"404 POST /api/me/delegations/accept",))


def test_blockers_and_a_delegate_choosing_whom_for(make_page, shoot):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, me=None)

    # Signed out: the form still explains itself; the way in is signing in.
    page.goto(f"/procedures/{SLUG}")
    _say(page, "申請するにはサインインが必要です")
    expect(_main(page).get_by_role("link", name="サインインの画面へ")).to_have_attribute(
        "href", "/account"
    )
    expect(_main(page).get_by_role("button", name="申請をはじめる")).to_have_count(0)
    _shoot(page, shoot, "procedures-page-signed-out-phone")

    # Not verified yet, no consent: a draft can start; both are explained with their way out.
    api.me = account(verified=False)
    api.form = {**FORM, "prefill": {}, "can_file": False, "blockers": ["verify", "prefill_consent"]}
    page.reload()
    _say(page, "この手続きには本人確認が必要です")
    expect(_main(page).get_by_role("link", name="本人確認をする")).to_have_attribute(
        "href", "/account/verify"
    )
    _say(page, "申請書に登録情報を自動で入力できます")
    expect(_main(page).get_by_role("link", name="自動入力の設定")).to_have_attribute(
        "href", "/account/consents"
    )
    expect(_main(page).get_by_role("button", name="申請をはじめる")).to_be_visible()
    _shoot(page, shoot, "procedures-page-unverified-phone")

    # A delegate: myself, or on behalf of the person who trusted me.
    api.me = account()
    api.form = copy.deepcopy(FORM)
    api.delegations = [{**DELEGATIONS[1], "scope": []}]
    api.drafts = [draft_read()]
    api.forms_on_behalf["640"] = {**FORM, "can_file": False, "blockers": ["proxy_not_allowed"]}
    page.reload()
    group = _main(page).get_by_role("group", name="誰の申請ですか")
    expect(group.get_by_label("自分の申請")).to_be_checked()
    expect(_main(page).get_by_role("button", name="下書きを続ける")).to_be_visible()
    _say(page, "に保存した下書きがあります（まだ送信されていません）")
    group.get_by_label("山田 トメさんの代理で申請").check()
    _say(page, "この手続きは代理で申請できません")
    expect(
        _main(page).get_by_role("button", name=re.compile("申請をはじめる|下書きを続ける"))
    ).to_have_count(0)
    assert api.find("GET", f"/api/procedures/{SLUG}/form")[-1].query == {"on_behalf_of": ["640"]}
    _shoot(page, shoot, "procedures-page-delegate-phone")
    _axe(page, "procedure page")
    _check_console(page, seen, api)


def test_draft_kept_on_the_device_while_offline(make_page):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read()])
    page.goto(f"/procedures/{SLUG}/apply?draft=77")
    _say(page, "1 / 4")
    # Everything the page loads by itself (the favicon among it) is in before going offline.
    page.wait_for_load_state("networkidle")
    api.offline = True
    page.context.set_offline(True)
    page.locator("#apply-phone").fill("090-2222-3333")
    _say(page, "この端末に下書きを保存しました", timeout=5000)
    local = page.evaluate("JSON.parse(localStorage.getItem('todoke.draft.77'))")
    assert local["answers"]["phone"] == "090-2222-3333"
    api.offline = False
    page.context.set_offline(False)  # the "online" event: what was kept here is sent
    _say(page, "下書きを保存しました（まだ送信されていません）", timeout=5000)
    assert api.drafts[0]["answers"]["phone"] == "090-2222-3333"
    page.wait_for_function("localStorage.getItem('todoke.draft.77') === null")
    _check_console(page, seen, api, aborted=1)


def test_large_text_and_english(make_page, shoot):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read({"phone": "090-1111-2222"})])
    page.add_init_script("localStorage.setItem('todoke.textSize', 'large')")
    page.goto(f"/procedures/{SLUG}/apply?draft=77&step=payment")
    _say(page, "4 / 4")
    _no_overflow(page)
    _shoot(page, shoot, "procedures-form-step4-large-phone")
    page.goto(f"/procedures/{SLUG}/review?draft=77")
    _say(page, "まだ送信されていません")
    _no_overflow(page)
    _shoot(page, shoot, "procedures-review-large-phone")

    page.evaluate("localStorage.setItem('todoke.lang', 'en')")
    page.goto(f"/procedures/{SLUG}/apply?draft=77&step=applicant")
    _say(page, "not sent yet")
    expect(page.locator("main h1")).to_have_text("Child-rearing allowance")
    _say(page, "1 of 4")
    expect(page.locator("#apply-full_name-field .prefill__source")).to_contain_text(
        "住民基本台帳 (as of 1 April 2026)"
    )
    _no_overflow(page)
    _shoot(page, shoot, "procedures-form-step1-en-large-phone")
    nav = page.locator('.app-nav [data-nav="applications"]')
    expect(nav).to_have_text("Applications")
    _check_console(page, seen, api)


def test_amend_when_asked_and_confirm_a_counter_filing(make_page, shoot):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page)

    # The department asked for more: said on the application, with the way to amend.
    page.goto("/applications/9003")
    # The request leads the status card: its words, the document it names, the two answers.
    request = page.locator(".request-notice")
    expect(request).to_contain_text("担当課からの依頼")
    expect(request).to_contain_text("電話番号の桁が足りないようです。")
    expect(request).to_contain_text("必要な書類：戸籍謄本（3か月以内）")
    expect(request).to_contain_text("子育て支援課 鈴木")
    reply = _main(page).get_by_role("link", name="メッセージで答える")
    expect(reply).to_have_attribute("href", "#application-message")
    # The reply link only moves down the page: the screen is not drawn again, so what is
    # typed at once stays and is what is sent (a re-render once lost it, now and then).
    page.evaluate("window.__messageBox = document.getElementById('application-message')")
    reply.click()
    expect(page).to_have_url(re.compile(r"/applications/9003#application-message$"))
    page.locator("#application-message").fill("書類を持っていきます。")
    page.wait_for_timeout(300)
    assert page.evaluate(
        "document.getElementById('application-message') === window.__messageBox"
    ), "the reply link drew the application screen again"
    expect(page.locator("#application-message")).to_have_value("書類を持っていきます。")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/applications/9003$"))
    page.wait_for_timeout(300)
    assert page.evaluate(
        "document.getElementById('application-message') === window.__messageBox"
    ), "going back past an in-page anchor drew the screen again"
    # Review stands still while the department waits: the step says whose turn it is.
    waiting = page.locator('.status-steps__item[aria-current="step"]')
    expect(waiting).to_have_attribute("data-state", "waiting")
    expect(waiting).to_contain_text("あなたの回答待ち")
    expect(page.locator('.status-steps__item[data-state="current"]')).to_have_count(0)
    _axe(page, "application-request")
    _shoot(page, shoot, "application-request-phone")
    _main(page).get_by_role("link", name="内容を修正して再提出する").click()

    # The form on one page, filled with the answers as filed.
    expect(page.locator("main h1")).to_have_text("申請内容の修正")
    expect(page.locator(".amend-request")).to_contain_text("電話番号の桁が足りないようです。")
    expect(page.locator("#amend-phone")).to_have_value("0901111222")
    expect(page.locator("#amend-bank-type")).to_have_value("普通")
    expect(page.get_by_label("母", exact=True)).to_be_checked()
    page.locator("#amend-phone").fill("")
    _main(page).get_by_role("button", name="修正して再提出する").click()
    expect(page.locator("#amend-errors")).to_contain_text("電話番号：入力してください")
    assert _active_id(page) == "amend-errors"
    page.locator("#amend-phone").fill("090-1111-2222")
    page.get_by_label("修正についてのメッセージ").fill("電話番号を直しました。")
    _axe(page, "amend")
    _shoot(page, shoot, "procedures-amend-phone")
    _main(page).get_by_role("button", name="修正して再提出する").click()
    _say(page, "修正した内容を送りました")
    sent = api.find("PUT", "/api/applications/9003/answers")[0].json()
    assert sent["version"] == 3 and sent["message"] == "電話番号を直しました。"
    assert sent["answers"]["phone"] == "090-1111-2222"
    assert sent["answers"]["bank"]["type"] in ("普通", "ordinary")

    # A filing made at the counter: the code given there opens it to read, and the
    # resident's own passkey (the browser's, stubbed: the API is mocked) confirms it.
    page.add_init_script(STUB_PASSKEY)
    page.goto("/confirm?code=K7Q2-M9XB")
    expect(page.locator("main h1")).to_have_text("窓口での申請の確認")
    code = _main(page).get_by_role("textbox", name="確認コード")
    expect(code).to_have_value("K7Q2-M9XB")
    _main(page).get_by_role("button", name="申請の内容を見る").click()
    _say(page, "この確認コードは見つかりません")
    code.fill("K7Q2-M9XA")
    _axe(page, "confirm")
    _shoot(page, shoot, "procedures-confirm-phone")
    _main(page).get_by_role("button", name="申請の内容を見る").click()
    review = _main(page).get_by_role("region", name="申請の内容")
    expect(review).to_contain_text("山田 花子")
    # One heading for one thing: the answers panel does not name itself again inside it.
    expect(review.get_by_role("heading")).to_have_text(["申請の内容"])
    _axe(page, "confirm-review")
    _shoot(page, shoot, "procedures-confirm-review-phone")
    _main(page).get_by_role("button", name="パスキーで確認して申請する").click()
    expect(page).to_have_url(re.compile(r"/applications/9001\?new=1"))
    expect(page.locator("main h1")).to_have_text("申請を受け付けました")
    sent = api.find("POST", "/api/applications/confirm")[-1].json()
    assert sent["code"] == "K7Q2-M9XA" and sent["credential"]["id"] == "resident-passkey"
    assert sent["credential"]["response"]["clientDataJSON"] == "c3R1Yg"
    _check_console(page, seen, api, expected_http=(r"404 POST /api/applications/confirm/review",))


def test_bottom_navigation_fits_small_phones(make_page):
    """Five labels share the bar; the longest (Applications) must not spill at 320 px."""
    page = make_page({"width": 320, "height": 640}, locale="en-US")
    MockApi(page)
    page.goto("/applications")
    expect(page.locator('.app-nav [data-nav="applications"]')).to_have_text("Applications")
    spill = page.evaluate(
        """() => [...document.querySelectorAll('.app-nav__label')]
          .filter((label) => label.scrollWidth > label.closest('li').clientWidth + 1)
          .map((label) => label.textContent)"""
    )
    assert spill == [], spill


def test_filed_answers_read_in_the_chosen_language(make_page, shoot):
    """The application screen writes each filed value as the review before filing did: the
    choices' labels, yes/no, the date with its era in Japanese, the phone number grouped,
    the household's names; and the household picker names each relation in words."""
    for viewport, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = make_page(size)
        seen = _watch(page)
        api = MockApi(page)
        page.goto("/applications/9003")
        answers = page.locator("#application-answers-title + .answers")
        expect(answers).to_contain_text("母")
        expect(answers).to_contain_text("1990年5月12日（平成2年）")
        expect(answers).to_contain_text("1,200,000")
        expect(answers).to_contain_text("同意する")
        expect(answers).to_contain_text("山田 さくら")
        _axe(page, f"application-answers-ja-{viewport}")
        _shoot(page, shoot, f"application-answers-ja-{viewport}")

        page.evaluate("localStorage.setItem('todoke.lang', 'en')")
        page.reload()
        expect(answers).to_contain_text("Mother")
        expect(answers).to_contain_text("12 May 1990")
        expect(answers).to_contain_text("Divorce")
        expect(answers).to_contain_text("None")
        expect(answers).to_contain_text("I agree")
        expect(answers).not_to_contain_text("受けていない")
        expect(answers).not_to_contain_text("平成")
        _axe(page, f"application-answers-en-{viewport}")
        _shoot(page, shoot, f"application-answers-en-{viewport}")

        page.evaluate("localStorage.setItem('todoke.lang', 'easy')")
        page.reload()
        expect(answers).to_contain_text("はは")
        expect(answers).to_contain_text("りこん")
        _shoot(page, shoot, f"application-answers-easy-{viewport}")

        page.evaluate("localStorage.setItem('todoke.lang', 'en')")
        api.drafts = [draft_read()]
        page.goto(f"/procedures/{SLUG}/apply?draft=77&step=children")
        _say(page, "2 of 4")
        picker = _main(page).locator(".choice__meta")
        expect(picker.nth(0)).to_contain_text("Head of household")
        expect(picker.nth(1)).to_contain_text("Child")
        expect(picker.nth(1)).not_to_contain_text("child")  # the code, lower case
        _shoot(page, shoot, f"household-picker-en-{viewport}")
        page.evaluate("localStorage.setItem('todoke.lang', 'ja')")
        page.reload()
        expect(picker.nth(0)).to_contain_text("世帯主")
        expect(picker.nth(1)).to_contain_text("子")
        expect(picker.nth(1)).not_to_contain_text("child")
        _check_console(page, seen, api)
        page.close()


def test_offline_the_form_opens_and_a_filing_waits_until_back_online(make_page, shoot):
    """Issue 15: after an offline reload the form and its review still open (this device kept
    them); a filing made offline says it is waiting, stays on the device with its
    Idempotency-Key, and is sent by itself once the network is back: one application, then
    the receipt."""
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read({"phone": "03-1234-5678"})])
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # controlled by the service worker from here
    page.goto(f"/procedures/{SLUG}/review?draft=77")
    _say(page, "まだ送信されていません")
    page.wait_for_load_state("networkidle")

    api.offline = True
    page.context.set_offline(True)
    page.goto(f"/procedures/{SLUG}/apply?draft=77&step=applicant")
    _say(page, "1 / 4")
    expect(page.locator("#apply-phone")).to_have_value("03-1234-5678")
    _shoot(page, shoot, "offline-form-phone")
    page.goto(f"/procedures/{SLUG}/review?draft=77")
    _say(page, "まだ送信されていません")
    _main(page).get_by_role("button", name="この内容で申請する").click()
    _say(page, "送信待ち")
    # Said at the top, in the place of 「まだ送信されていません」, and focused there.
    waiting = page.locator("#review-unsent + .message-area .notice")
    expect(waiting).to_contain_text("送信待ち：インターネットにつながったら送信します")
    expect(waiting).to_be_focused()
    expect(page.locator("#review-unsent")).to_be_hidden()
    _axe(page, "review-queued")
    _shoot(page, shoot, "offline-filing-waiting-phone")
    queued = page.evaluate("JSON.parse(localStorage.getItem('todoke.outbox'))")
    assert [item["draftId"] for item in queued] == [77]

    # Closed and opened again while still offline: it still says so, at the top.
    page.reload()
    _say(page, "送信待ち")
    expect(waiting).to_contain_text("送信待ち")
    expect(page.locator("#review-unsent")).to_be_hidden()

    api.offline = False
    page.context.set_offline(False)  # the "online" event: the filing goes by itself
    expect(page.locator("main h1")).to_have_text("申請を受け付けました", timeout=15000)
    expect(page).to_have_url(re.compile(r"/applications/9001\?new=1"))
    # The press made offline (lost) and the one send once back: the same key, one filing.
    posts = api.find("POST", "/api/applications")
    keys = {c.headers.get("idempotency-key") for c in posts}
    assert len(posts) == 2 and len(keys) == 1, [c.headers for c in posts]
    assert posts[-1].json()["answers"]["phone"] == "03-1234-5678"
    assert page.evaluate("localStorage.getItem('todoke.outbox')") == "[]"
    assert page.evaluate("localStorage.getItem('todoke.offline.77')") is None
    _shoot(page, shoot, "offline-filing-sent-phone")
    _check_console(page, seen, api, aborted=len(api.calls))


def test_a_filing_waiting_on_the_device_is_sent_at_start_and_marked_in_the_list(make_page, shoot):
    """The app, opened with a filing waiting on this device, sends it with its own key; while
    it still waits (the answer lost), the list marks its draft 送信待ち and leads to it."""
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read()], submissions=["abort", "abort", "abort"])
    key = "5f0c7a8e-1b2c-4d3e-8f40-000000000001"
    waiting = [
        {
            "draftId": 77,
            "slug": SLUG,
            "title": PROCEDURE["title"],
            "body": {"slug": SLUG, "version": 3, "answers": {}, "draft_id": 77},
            "key": key,
            "queuedAt": "2026-12-06T00:00:00Z",
        }
    ]
    stored = json.dumps(json.dumps(waiting))
    page.add_init_script(f"localStorage.setItem('todoke.outbox', {stored})")
    page.goto("/applications")
    card = _main(page).locator(".record-card--draft")
    expect(card).to_contain_text("送信待ち")
    link = card.get_by_role("link", name=re.compile("送信待ちの申請を見る"))
    expect(link).to_have_attribute("href", re.compile(r"/review\?draft=77$"))
    for _ in range(50):
        if api.find("POST", "/api/applications"):
            break
        page.wait_for_timeout(100)
    posts = api.find("POST", "/api/applications")
    assert posts and {c.headers.get("idempotency-key") for c in posts} == {key}
    _shoot(page, shoot, "applications-waiting-phone")
    _check_console(page, seen, api, aborted=len(api.find("POST", "/api/applications")))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_shows_what_to_do_and_what_is_due_first(make_page, shoot, viewport):
    """Issue 15: home's timeline, signed in: the department's request first, then the draft's
    last day and the 現況届 window, what goes on, the unread notice — each a link, in every
    language."""
    size = "phone" if viewport is PHONE else "desktop"
    page = make_page(viewport)
    seen = _watch(page)
    api = MockApi(page)
    page.goto("/")
    timeline = page.locator(".home-timeline")
    expect(timeline.get_by_role("heading", name="あなたのやること・予定")).to_be_visible()
    lines = timeline.locator(".home-timeline__item")
    expect(lines).to_have_count(6)
    expect(lines.nth(0)).to_contain_text("担当課から追加の情報を求められています")
    expect(lines.nth(0).get_by_role("link")).to_have_attribute("href", "/applications/9003")
    expect(lines.nth(1)).to_contain_text("期限：2026年12月11日")
    # A booked day: what it is and the day itself, not a last day.
    expect(lines.nth(2)).to_contain_text("予約・希望した日")
    expect(lines.nth(2)).to_contain_text("面談の希望日")
    expect(lines.nth(2)).to_contain_text("2026年12月17日")
    expect(lines.nth(2)).not_to_contain_text("期限")
    expect(lines.nth(3)).to_contain_text("提出期間：2027年8月1日〜2027年8月31日")
    expect(lines.nth(4)).to_contain_text("審査中")
    expect(lines.nth(5)).to_contain_text("申請を受け付けました")
    _axe(page, f"home-timeline-{size}")
    _shoot(page, shoot, f"home-timeline-ja-{size}")

    page.evaluate("localStorage.setItem('todoke.lang', 'en')")
    page.reload()
    expect(timeline.get_by_role("heading", name="Your to-dos and dates")).to_be_visible()
    expect(lines.nth(0)).to_contain_text("The department asks you for more information")
    expect(lines.nth(1)).to_contain_text("By 11 December 2026")
    expect(lines.nth(2)).to_contain_text("Preferred interview date")
    expect(lines.nth(2)).to_contain_text("17 December 2026")
    expect(lines.nth(3)).to_contain_text("From 1 August 2027 to 31 August 2027")
    _shoot(page, shoot, f"home-timeline-en-{size}")

    page.evaluate("localStorage.setItem('todoke.lang', 'easy')")
    page.reload()
    expect(lines.nth(0)).to_contain_text("やくしょが もっと しりたい ことが あります")
    _axe(page, f"home-timeline-easy-{size}")
    _shoot(page, shoot, f"home-timeline-easy-{size}")

    lines.nth(0).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/applications/9003$"))
    _check_console(page, seen, api)
