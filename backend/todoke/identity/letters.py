"""The activation letter sent by post to the registered address, as a printable page."""

from __future__ import annotations

from datetime import datetime
from html import escape

from todoke import clock, jp
from todoke.registry.branding import kind_of
from todoke.registry.public import LetterAddressee
from todoke.registry.schemas import MunicipalityRead


def activation_letter_html(
    *,
    municipality: MunicipalityRead,
    person: LetterAddressee,
    code: str,
    expires_at: datetime,
    purpose: str,
    usable_from: datetime | None = None,
) -> str:
    """A self-contained page, plain semantic HTML (the CSP forbids inline styles and
    scripts) that prints cleanly from any browser."""
    city = escape(municipality.name["ja"])
    kind = kind_of(municipality.name["ja"])
    name = escape(f"{person.family_name} {person.given_name}")
    expires_local = expires_at.astimezone(clock.JST)
    expiry = escape(jp.to_wareki(expires_local.date()))
    heading = "アカウント回復のお知らせ" if purpose == "recovery" else "本人確認コードのお知らせ"
    intro = (
        "パスキーをなくされた方のアカウントを回復するための確認コードです。"
        if purpose == "recovery"
        else "とどけアプリで、あなたのアカウントを住民記録と結びつけるための確認コードです。"
    )
    # A recovery code waits out the hold in which the account holder may cancel it.
    start = (
        f"<p>利用開始：{escape(usable_from.astimezone(clock.JST).strftime('%Y-%m-%d %H:%M'))}"
        "（この日時より前は使えません）</p>\n"
        if usable_from is not None
        else ""
    )
    return f"""<!doctype html>
<html lang="ja">
<head><meta charset="utf-8"><title>{heading}｜{city}</title></head>
<body>
<main>
<p>〒{escape(person.postal_code)}<br>{escape(person.address)}<br>{name} 様</p>
<p>{city}</p>
<h1>{heading}</h1>
<p>{intro}</p>
<p>確認コード：<strong>{escape(code)}</strong></p>
{start}<p>有効期限：{expiry}（1回限り有効）</p>
<h2>使い方</h2>
<ol>
<li>スマートフォンで「とどけ」を開き、パスキーでサインインします。</li>
<li>「アカウント」から「本人確認」を選びます。</li>
<li>上の確認コードを入力します。</li>
</ol>
<p>このコードは他の人に教えないでください。{kind}の職員が電話などでコードを尋ねることはありません。
心当たりのない場合や、期限が切れた場合は、{city}の窓口へお問い合わせください。</p>
</main>
</body>
</html>
"""
