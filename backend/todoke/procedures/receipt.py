"""The printable receipt (受付票) of a filing."""

from __future__ import annotations

from datetime import date
from html import escape

from todoke import clock, jp
from todoke.procedures.schemas import ApplicationRead
from todoke.registry.schemas import MunicipalityRead


def _as_of(value: str | None) -> str:
    try:
        return jp.gregorian_date(date.fromisoformat((value or "")[:10]))
    except ValueError:
        return value or ""


def receipt_html(municipality: MunicipalityRead, application: ApplicationRead) -> str:
    """Plain semantic HTML (the CSP forbids inline styles and scripts) that prints cleanly
    from any browser; the answers are the ones filed, with where pre-filled values came
    from."""
    city = escape(municipality.name["ja"])
    title = escape(application.procedure.title.ja)
    submitted = application.submitted_at.astimezone(clock.JST)
    rows = "\n".join(
        f'<tr><th scope="row">{escape(a.label.ja)}</th><td>{escape(a.display)}'
        + (
            f"<br><small>{escape(a.source or '')}（{escape(_as_of(a.as_of))}時点）</small>"
            if a.prefilled and not a.changed
            else ""
        )
        + "</td></tr>"
        for a in application.answers
    )
    files = "".join(f"<li>{escape(f.filename)}</li>" for f in application.attachments)
    channel = {"self": "本人", "proxy": "代理人", "assisted": "窓口での職員支援"}[
        application.channel
    ]
    return f"""<!doctype html>
<html lang="ja">
<head><meta charset="utf-8"><title>受付票 {escape(application.receipt_number)}｜{city}</title>
</head>
<body>
<main>
<p>{city}</p>
<h1>受付票：{title}</h1>
<p>受付番号：<strong>{escape(application.receipt_number)}</strong></p>
<p>受付日時：{escape(jp.display_date(submitted.date()))} {submitted:%H:%M}</p>
<p>申請者：{escape(application.applicant_name)}（{channel}：{escape(application.filed_by_name)}）</p>
<p>状況：{escape(application.status_label.ja)}</p>
<p>処理の目安：{escape(jp.display_date(application.due_by))}まで</p>
<h2>申請内容</h2>
<table>
{rows}
</table>
{"<h2>添付書類</h2><ul>" + files + "</ul>" if files else ""}
<p>この受付票は申請を受け付けたことを示すもので、決定を示すものではありません。
状況は「とどけ」アプリの「申請」でご確認いただけます。</p>
</main>
</body>
</html>
"""
