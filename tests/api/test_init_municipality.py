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
