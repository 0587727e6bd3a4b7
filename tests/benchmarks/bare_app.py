"""The baseline of bench_http.py: a bare Litestar app returning a msgspec list about the
size of the procedure list, served by uvicorn with the options ``todoke serve`` uses.

    python tests/benchmarks/bare_app.py PORT
"""

from __future__ import annotations

import sys

import msgspec
import uvicorn
from litestar import Litestar, get

from todoke.cli import SERVER_OPTIONS


class Item(msgspec.Struct, frozen=True):
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    online: bool
    keywords: list[str]


class Items(msgspec.Struct, frozen=True):
    items: list[Item]


ITEMS = Items(
    items=[
        Item(
            slug=f"procedure-{i}",
            title={"ja": "転入届", "easy": "ひっこしてきた とどけ", "en": "Moving in"},
            summary={
                "ja": "ほかの市区町村から引っ越してきたときの届出です。" * 2,
                "easy": "ほかの まちから ひっこして きた ときの とどけです。" * 2,
                "en": "Notification when you move here from another municipality. " * 2,
            },
            online=i % 2 == 0,
            keywords=["引越し", "転入", "住所"],
        )
        for i in range(8)
    ]
)


@get("/bare", sync_to_thread=False)
def bare() -> Items:
    return ITEMS


app = Litestar([bare])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **SERVER_OPTIONS)
