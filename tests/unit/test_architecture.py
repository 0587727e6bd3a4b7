"""The walls between domains, checked on the source so they stay where they are.

- imports run only downward (the table of allowed domain → domain imports below, which is
  the README's architecture section as data); no domain imports another's routes;
- a domain's SQL names only its own tables: every string literal that reads like SQL is
  scanned for table names, and each table belongs to the domain whose tables.py declares it;
- every HTTP handler declares a typed return (a Struct, bytes, None or a Response of one),
  never a dict, so reading a route tells its contract;
- the small shared pieces exist once: no module keeps its own clock, code alphabet or
  base64url.
"""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "todoke"
DOMAINS = (
    "registry",
    "identity",
    "audit",
    "notices",
    "procedures",
    "benefits",
    "staff",
    "platform",
    "demo",
)

# Who may import whom. Ground-floor modules (settings, db, errors, principal, clock, codes,
# jp, timing, web/) are open to every domain; the app factory and the CLI may import anything.
ALLOWED: dict[str, set[str]] = {
    "registry": set(),
    "audit": {"registry"},
    "notices": {"registry"},
    "identity": {"registry", "audit", "notices"},
    "procedures": {"registry", "audit", "notices", "identity"},
    "benefits": {"registry", "audit", "notices", "identity", "procedures"},
    "staff": {"registry", "audit", "notices", "identity", "procedures", "benefits"},
    # The platform operator adds municipalities with the standard catalogue; it reads no
    # resident's data (it has no staff or resident routes to call).
    "platform": {"registry", "audit", "procedures", "benefits"},
    "demo": {
        "registry",
        "audit",
        "notices",
        "identity",
        "procedures",
        "benefits",
        "staff",
        "platform",
    },
}
GROUND = {
    "settings",
    "db",
    "errors",
    "principal",
    "clock",
    "codes",
    "jp",
    "web",
    "piccolo_conf",
    "signals",
    "published",
    "timing",
    "tenancy",
}

# The project writes SQL keywords in capitals, which keeps prose ("from person") out.
TABLE_AFTER = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "piccolo_migrations" not in p.parts)


def _domain_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] in DOMAINS else None


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n.startswith("todoke.")]


def _table_owners() -> dict[str, str]:
    """Table name → domain, read from each domain's Piccolo tables."""
    owners: dict[str, str] = {}
    for tables in PACKAGE.glob("*/tables.py"):
        for node in ast.parse(tables.read_text()).body:
            if isinstance(node, ast.ClassDef):
                name = re.sub(r"(?<!^)(?=[A-Z])", "_", node.name).lower()
                for keyword in node.keywords:
                    if keyword.arg == "tablename" and isinstance(keyword.value, ast.Constant):
                        name = str(keyword.value.value)
                owners[name] = tables.parent.name
    return owners


def test_the_table_owners_are_found() -> None:
    owners = _table_owners()
    assert owners["person"] == "registry"
    assert owners["account"] == "identity"
    assert owners["application"] == "procedures"
    assert owners["case_note"] == "staff"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_only_downward(path: Path) -> None:
    domain = _domain_of(path)
    if domain is None:
        return
    wrong = []
    for module in _imported_modules(ast.parse(path.read_text())):
        target = module.split(".")[1]
        if target == domain or target in GROUND:
            continue
        if target not in ALLOWED[domain]:
            wrong.append(module)
        elif module.split(".")[-1] == "routes" or ".routes." in module + ".":
            wrong.append(f"{module} (another domain's routes)")
    assert not wrong, f"{path.name} in {domain} imports {sorted(set(wrong))}"


# Where statements run for another municipality than the request's host, or for none:
# each place is named with why, so a new one is a decision someone reviewed (issue 16).
SCOPE_CHANGES = {
    "identity/auth.py": 1,  # every request, scoped by its host: the one place
    "benefits/telling.py": 2,  # the matching worker's passes, one municipality at a time
    "platform/service.py": 1,  # the operator sets up a new municipality's own rows
    # a move's data given to the destination with consent, its use read back, withdrawn
    "procedures/moving.py": 5,
}
SCOPE_CALL = re.compile(r"\btenancy\.(?:scoped_to|unscoped)\(")


def test_statements_change_municipality_only_where_named() -> None:
    found = {}
    for path in _modules():
        count = len(SCOPE_CALL.findall(path.read_text()))
        if count and path.name != "tenancy.py":
            found[str(path.relative_to(PACKAGE))] = count
    assert found == SCOPE_CHANGES


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sql_names_only_its_own_domains_tables(path: Path) -> None:
    domain = _domain_of(path)
    if domain is None or domain == "demo":
        return
    owners = _table_owners()
    foreign = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if not TABLE_AFTER.search(text):
                continue
            for table in TABLE_AFTER.findall(text):
                owner = owners.get(table.lower())
                if owner is not None and owner != domain:
                    foreign.append(f"{table} ({owner}) at line {node.lineno}")
    assert not foreign, f"{path.relative_to(PACKAGE)} names other domains' tables: {foreign}"


def test_the_sql_check_would_see_a_foreign_table() -> None:
    """The scan above is not blind: a staff query naming `account` is caught."""
    snippet = 'rows = "SELECT a.id FROM case_note n JOIN account a ON a.id = n.author"'
    tables = TABLE_AFTER.findall(snippet)
    owners = _table_owners()
    assert [owners[t] for t in tables] == ["staff", "identity"]


def _returns_a_dict(annotation: typing.Any) -> bool:
    origin = typing.get_origin(annotation)
    if annotation is dict or origin is dict:
        return True
    if origin in (list, tuple, set) or (
        origin is not None and getattr(origin, "__name__", "") in ("Response",)
    ):
        return any(_returns_a_dict(arg) for arg in typing.get_args(annotation))
    if origin in (typing.Union, __import__("types").UnionType):
        return any(_returns_a_dict(arg) for arg in typing.get_args(annotation))
    return annotation is typing.Any


def test_no_handler_returns_a_dict(tmp_path: Path) -> None:
    from litestar.routes import HTTPRoute

    from todoke import db
    from todoke.app import create_app
    from todoke.settings import load_settings

    # Building an app makes its database the process's: give the one a test session may
    # have configured back (else a later test empties tables in this empty file and meets
    # "no such table").
    kept = db._engine, db._engine_key
    try:
        app = create_app(load_settings({"TODOKE_DATA_DIR": str(tmp_path)}))
    finally:
        if kept[0] is not None:
            db._engine, db._engine_key = kept
            for table in db.all_tables():
                table._meta.db = kept[0]
    loose = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            returned = handler.parsed_fn_signature.return_type.annotation
            if _returns_a_dict(returned):
                loose.append(f"{sorted(handler.http_methods)} {route.path}: {returned}")
    assert not loose, "handlers returning dicts:\n" + "\n".join(loose)


COPIES = {
    # The machine's own date (date.today()) is UTC's on a server: from 15:00 UTC it is
    # yesterday in Japan, and a deadline or a "not in the future" rule is off by a day.
    "a clock of its own": re.compile(r"datetime\.now\(|\bdate\.today\(|ZoneInfo\(\"Asia/Tokyo\"\)"),
    "a code alphabet of its own": re.compile(r"ALPHABET\s*=\s*\""),
    "base64url of its own": re.compile(r"urlsafe_b64(en|de)code"),
    "a body reader of its own": re.compile(r"request\.stream\(\)"),
    "an Idempotency-Key rule of its own": re.compile(
        r"HeaderParameter\(\s*name=\"Idempotency-Key\""
    ),
}
HOMES = {"clock.py", "codes.py", "web/inputs.py"}


@pytest.mark.parametrize("what", sorted(COPIES))
def test_shared_pieces_exist_once(what: str) -> None:
    pattern = COPIES[what]
    copies = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if str(path.relative_to(PACKAGE)) not in HOMES and pattern.search(path.read_text())
    ]
    assert not copies, f"{what}: {copies}"


TESTS = PACKAGE.parents[1] / "tests"


def test_tests_count_days_in_japan_as_the_service_does() -> None:
    """A test that builds "tomorrow" from the machine's date (UTC on CI) asks the service,
    which counts in Japan, for today during nine hours a day, and fails only then."""
    machine_day = re.compile(r"\bdate\.today\(|datetime\.now\(\)|datetime\.today\(")
    offenders = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        if "benchmarks" not in path.parts and path.name != "test_architecture.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if machine_day.search(line)
    ]
    assert not offenders, f"use todoke.clock.today() / now(): {offenders}"
