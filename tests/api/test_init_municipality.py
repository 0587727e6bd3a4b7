"""`todoke init-municipality`: a production first start without the demo."""

from __future__ import annotations

from test_backup import _todoke

from todoke.benefits.tables import Program
from todoke.procedures.tables import Procedure
from todoke.registry.tables import Department, Municipality

ARGS = [
    *("--name", "千代田区", "--name-easy", "ちよだく", "--name-en", "Chiyoda City"),
    *("--prefecture", "東京都", "--prefecture-easy", "とうきょうと", "--prefecture-en", "Tokyo"),
]


async def test_init_makes_the_municipality_and_its_catalogue_once(db):
    first = _todoke(db, "init-municipality", "131016", *ARGS)
    assert first.returncode == 0, first.stderr
    assert "千代田区 (131016)" in first.stdout
    [row] = await Municipality.select().where(Municipality.code == "131016")
    names = (row["name_ja"], row["name_easy"], row["name_en"])
    assert names == ("千代田区", "ちよだく", "Chiyoda City")
    procedures = await Procedure.count()
    programs = await Program.select(Program.status)
    assert procedures > 0 and await Department.count() > 0
    # Programmes wait for a second person's approval: nobody is told by a first start.
    assert programs and {p["status"] for p in programs} == {"pending"}

    again = _todoke(db, "init-municipality", "131016", *ARGS)
    assert again.returncode == 0, again.stderr
    assert await Municipality.count() == 1
    assert await Procedure.count() == procedures and await Program.count() == len(programs)


async def test_init_refuses_a_code_that_is_not_a_local_government_code(db):
    for code in ("131017", "13101", "991016", "abcdef"):
        result = _todoke(db, "init-municipality", code, *ARGS)
        assert result.returncode == 2, code
        assert "全国地方公共団体コード" in result.stderr and "Traceback" not in result.stderr
    assert await Municipality.count() == 0


async def test_init_sets_the_look_and_contact_and_refuses_bad_ones_before_writing(db, tmp_path):
    from todoke.demo.branding import town_emblem
    from todoke.registry.branding import read_branding
    from todoke.registry.service import get_municipality

    svg = tmp_path / "emblem.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    for bad in (
        ["--palette", "pink"],
        ["--phone", "12345"],
        ["--website", "javascript:alert(1)"],
        ["--emblem", str(svg)],
        ["--emblem", str(tmp_path / "missing.png")],
    ):
        refused = _todoke(db, "init-municipality", "131016", *ARGS, *bad)
        assert refused.returncode == 2, bad
        assert "Traceback" not in refused.stderr, refused.stderr
    assert await Municipality.count() == 0  # nothing written for a refused look

    emblem = tmp_path / "emblem.png"
    emblem.write_bytes(town_emblem())
    made = _todoke(
        db, "init-municipality", "131016", *ARGS,
        *("--palette", "purple", "--emblem", str(emblem), "--phone", "03-3264-2111"),
        *("--postal-code", "1028688", "--address", "東京都千代田区九段南1-2-1"),
        *("--hours", "平日 8時30分〜17時15分", "--website", "https://www.city.chiyoda.example.jp/"),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    branding = await read_branding(await get_municipality("131016"))
    assert branding.palette == "purple" and branding.emblem
    assert branding.kind["ja"] == "区" and branding.office["ja"] == "区役所"
    assert branding.contact.phone == "03-3264-2111"
    assert branding.contact.postal_code == "102-8688"
    # A ward's catalogue says 区民課, not 市民課.
    names = {d["name_ja"] for d in await Department.select(Department.name_ja)}
    assert "区民課" in names and "市民課" not in names
