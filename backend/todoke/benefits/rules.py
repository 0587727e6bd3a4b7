"""Eligibility rules as data, evaluated in Python for one person or compiled to SQL for all.

A rule is a JSON object in a subset of JsonLogic (https://jsonlogic.com) over the facts of
:mod:`todoke.benefits.facts`::

    {"and": [
        {"==": [{"var": "single_parent"}, true]},
        {">=": [{"var": "children_under_18"}, 1]},
        {"<": [{"var": "income_yen"}, 2080000]}
    ]}

Operators:

- ``and``, ``or``: a non-empty list of rules. ``!``: one rule (or a list holding one).
- ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``: a fact and a literal, in either order
  (``{"<": [5, {"var": "age"}]}`` reads "5 < age"). Order comparisons take number facts only;
  booleans compare with ``true``/``false`` only; strings with non-empty strings, from the
  fact's list of values where it has one.
- ``in``: a fact and a non-empty list of literals: ``{"in": [{"var": "care_level"},
  ["care_3", "care_4", "care_5"]]}``.
- ``var``: a fact name, nothing else (no dotted paths, no defaults).
- ``null`` only with ``==`` and ``!=``: "the fact is unknown" and "the fact is known".

Numbers are whole numbers (yen, years, persons). A rule has at most 200 nodes (operators,
facts and literals, list items included) and nests at most 20 deep.

**Unknown facts (null): "cannot tell".** A rule has three outcomes (:func:`decide`): true,
false, or unknown when the facts it needs are missing. Every comparison and ``in`` with an
unknown fact is unknown, ``!=`` included; ``!``, ``and`` and ``or`` follow Kleene's logic,
which is SQL's: ``!`` unknown is unknown, ``and`` is false as soon as one part is false,
``or`` true as soon as one part is true, and otherwise unknown if a part is. So for a person
without an income on record both ``{"<": [{"var": "income_yen"}, 2000000]}`` and its ``!``
are unknown, while ``{"and": [{"==": [{"var": "single_parent"}, false]}, …]}`` is false for a
person who is not a single parent whatever their income. ``== null`` and ``!= null`` ask
whether a fact is unknown, and are never unknown themselves.

The persons a rule holds for (:func:`match_persons`, :func:`evaluate`) are those for whom it
is true; those for whom it is unknown (:func:`undecided_persons`) are neither matched nor
dropped: staff see them as a list to check. SQL evaluates the same logic natively: a NULL
filters a row out of ``WHERE`` exactly as unknown is not true, and ``(rule) IS NULL`` finds the
undecided.

Both evaluators see the same evaluation date, passed in, never read from a clock: Python
through :func:`facts_for_person`, SQL through :func:`compile_sql` and :func:`match_persons`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from todoke.benefits.facts import (
    FACTS,
    LIMIT_PER_DEPENDANT,
    PARTIAL_PAYMENT_LIMIT,
    Fact,
    Members,
    Texts,
    bind_municipality,
    compute_facts,
    load_person,
    years_before,
)
from todoke.db import SqlSession
from todoke.registry.public import matching_persons

MAX_DEPTH = 20
MAX_NODES = 200
# Literals beyond this do not fit a 64-bit column comparison on every driver.
MAX_NUMBER = 10**15

LOGIC_OPERATORS = ("and", "or", "!")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
OPERATORS = (*LOGIC_OPERATORS, *COMPARISONS, "in", "var")
_ORDERING = ("<", "<=", ">", ">=")
# "5 < age" is "age > 5".
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class InvalidRule(ValueError):
    """The rule breaks the subset; ``errors`` says where and how."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- the parsed form ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Test:
    """One comparison of a fact with a literal; ``value`` is a tuple for ``in`` and ``None``
    for the unknown/known checks (``==``/``!=`` null)."""

    fact: Fact
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Test | AllOf | AnyOf | Not


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nodes = 0
        self.too_deep = False

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def count(self, path: str, nodes: int = 1) -> None:
        before = self.nodes
        self.nodes += nodes
        if before <= MAX_NODES < self.nodes:
            self.error(path, f"the rule has more than {MAX_NODES} nodes")

    def rule(self, rule: Any, path: str, depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.too_deep = True
                self.error(path, f"the rule nests deeper than {MAX_DEPTH} levels")
            return None
        if not isinstance(rule, dict) or len(rule) != 1:
            self.error(path, 'a rule is an object with exactly one operator, e.g. {"and": [...]}')
            return None
        self.count(path)
        if self.nodes > MAX_NODES:
            return None
        ((op, args),) = rule.items()
        here = f"{path}.{op}"
        if op in ("and", "or"):
            if not isinstance(args, list) or not args:
                self.error(here, f"'{op}' takes a non-empty list of rules")
                return None
            children = [self.rule(child, f"{here}[{i}]", depth + 1) for i, child in enumerate(args)]
            if any(child is None for child in children):
                return None
            return (AllOf if op == "and" else AnyOf)(tuple(children))  # type: ignore[arg-type]
        if op == "!":
            if isinstance(args, list):
                if len(args) != 1:
                    self.error(here, f"'!' takes 1 argument, got {len(args)}")
                    return None
                args = args[0]
            child = self.rule(args, f"{here}[0]", depth + 1)
            return None if child is None else Not(child)
        if op in COMPARISONS or op == "in":
            return self.comparison(op, args, here)
        if op == "var":
            self.error(
                here, 'a fact alone is not a rule; compare it, e.g. {"==": [{"var": ...}, true]}'
            )
            return None
        self.error(path, f"unknown operator {str(op)[:40]!r}")
        return None

    def fact(self, operand: Any, path: str) -> Fact | None:
        name = operand["var"]
        if not isinstance(name, str):
            self.error(path, "'var' takes a fact name (a string)")
            return None
        fact = FACTS.get(name)
        if fact is None:
            self.error(path, f"unknown fact {name[:40]!r}")
        return fact

    def comparison(self, op: str, args: Any, path: str) -> Test | None:
        if not isinstance(args, list) or len(args) != 2:
            got = len(args) if isinstance(args, list) else 1
            self.error(path, f"'{op}' takes 2 arguments, got {got}")
            return None
        is_var = [isinstance(a, dict) and len(a) == 1 and "var" in a for a in args]
        if is_var[0] == is_var[1]:
            self.error(path, 'compare one fact ({"var": name}) with one value')
            return None
        if any(isinstance(a, dict) and not v for a, v in zip(args, is_var, strict=True)):
            self.error(path, "the value must be a literal, not a rule")
            return None
        fact_index = 0 if is_var[0] else 1
        if op == "in" and fact_index == 1:
            self.error(path, "'in' takes the fact first, then a list of values")
            return None
        self.count(path, 2)
        fact = self.fact(args[fact_index], f"{path}[{fact_index}]")
        literal = args[1 - fact_index]
        if fact is None:
            return None
        if fact_index == 1:
            op = _MIRRORED[op]
        if op == "in":
            if fact.type == "boolean":
                self.error(path, f"'in' takes a number or string fact; {fact.name} is a boolean")
                return None
            if not isinstance(literal, list) or not literal:
                self.error(path, "'in' takes a non-empty list of values")
                return None
            self.count(path, len(literal))
            values = [self.literal(fact, v, f"{path}[1][{i}]") for i, v in enumerate(literal)]
            if any(v is None for v in values):
                return None
            return Test(fact, "in", tuple(values))
        if literal is None:
            if op not in ("==", "!="):
                self.error(path, f"null only compares with == or != (unknown / known), not '{op}'")
                return None
            return Test(fact, op, None)
        if op in _ORDERING and fact.type != "number":
            self.error(path, f"'{op}' compares numbers; {fact.name} is a {fact.type}")
            return None
        value = self.literal(fact, literal, f"{path}[{1 - fact_index}]")
        return None if value is None else Test(fact, op, value)

    def literal(self, fact: Fact, value: Any, path: str) -> Any:
        if fact.type == "number":
            if isinstance(value, bool) or not isinstance(value, int):
                self.error(path, f"{fact.name} is a whole number; got {_shown(value)}")
                return None
            low = fact.minimum if fact.minimum is not None else -MAX_NUMBER
            high = fact.maximum if fact.maximum is not None else MAX_NUMBER
            if not low <= value <= high:
                self.error(path, f"{fact.name} must be between {low} and {high}; got {value}")
                return None
            return value
        if fact.type == "boolean":
            if not isinstance(value, bool):
                self.error(path, f"{fact.name} is true or false; got {_shown(value)}")
                return None
            return value
        if not isinstance(value, str) or not value:
            self.error(path, f"{fact.name} is a non-empty string; got {_shown(value)}")
            return None
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            # No registry value holds one, and PostgreSQL refuses a NUL in a parameter.
            self.error(path, f"{fact.name} is text without control characters")
            return None
        if fact.choices and value not in fact.choices:
            self.error(path, f"{fact.name} is one of {', '.join(fact.choices)}; got {value[:40]!r}")
            return None
        return value


def _shown(value: Any) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_rule(rule: Any) -> Node:
    """The checked, parsed form of a rule; raises :class:`InvalidRule`. A rule parsed already
    is returned as it is, so callers evaluating one rule for many persons parse it once and
    pass the result to :func:`decide`, :func:`evaluate` or :func:`explain`."""
    if isinstance(rule, Test | AllOf | AnyOf | Not):
        return rule
    parser = _Parser()
    node = parser.rule(rule, "$", 1)
    if parser.errors or node is None:
        raise InvalidRule(parser.errors or ["invalid rule"])
    return node


def validate_rule(rule: Any) -> list[str]:
    """What is wrong with a rule, one message per problem with its place; ``[]`` if valid."""
    parser = _Parser()
    parser.rule(rule, "$", 1)
    return parser.errors


def facts_used(rule: Any) -> list[str]:
    """The facts a (valid) rule reads, in first-use order."""
    seen: dict[str, None] = {}
    for test in _tests(parse_rule(rule)):
        seen.setdefault(test.fact.name)
    return list(seen)


def _tests(node: Node) -> Iterable[Test]:
    if isinstance(node, Test):
        yield node
    elif isinstance(node, Not):
        yield from _tests(node.child)
    else:
        for child in node.children:
            yield from _tests(child)


# --- Python ---------------------------------------------------------------------------------


def _holds(test: Test, actual: Any) -> bool | None:
    """The comparison for this value of the fact: ``None`` when the value is unknown (except
    for the unknown/known checks, which always answer)."""
    if test.value is None:  # unknown / known
        return (actual is None) == (test.op == "==")
    if actual is None:
        return None
    expected = test.value
    match test.op:
        case "==":
            return actual == expected
        case "!=":
            return actual != expected
        case "<":
            return actual < expected
        case "<=":
            return actual <= expected
        case ">":
            return actual > expected
        case ">=":
            return actual >= expected
        case _:  # "in"
            return actual in expected


def _decide(node: Node, facts: dict[str, Any]) -> bool | None:
    if isinstance(node, Test):
        return _holds(node, facts.get(node.fact.name))
    if isinstance(node, Not):
        inner = _decide(node.child, facts)
        return None if inner is None else not inner
    # Kleene: the deciding value (false for "and", true for "or") wins over unknown.
    deciding = isinstance(node, AnyOf)
    unknown = False
    for child in node.children:
        outcome = _decide(child, facts)
        if outcome is deciding:
            return deciding
        if outcome is None:
            unknown = True
    return None if unknown else not deciding


def decide(rule: Any, facts: dict[str, Any]) -> bool | None:
    """True or false when the facts settle the rule, ``None`` when they cannot tell (a fact
    it needs is unknown; a fact missing from the dict is unknown)."""
    return _decide(parse_rule(rule), facts)


def evaluate(rule: Any, facts: dict[str, Any]) -> bool:
    """Whether the rule definitely holds for these facts (``decide`` is true)."""
    return _decide(parse_rule(rule), facts) is True


async def facts_for_person(sql: SqlSession, person_id: int, on: date) -> dict[str, Any]:
    """Every catalogue fact of one person on the evaluation date; ``LookupError`` if absent."""
    person = await load_person(sql, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    return compute_facts(person, on)


# --- explanations ---------------------------------------------------------------------------


class Condition(msgspec.Struct, frozen=True, kw_only=True):
    """One comparison of a rule, applied to one person.

    ``held`` is the comparison as written; ``negated`` says it sits under an odd number of
    ``!``, so the rule needed it *not* to hold. ``sentence`` states the person's fact;
    ``requirement`` states what the rule asks (already turned around when negated).
    ``unknown`` says the fact is missing so the comparison cannot be told (``held`` is then
    false): the fact staff must find out.
    """

    fact: str
    operator: str
    expected: Any
    actual: Any
    held: bool
    negated: bool
    sentence: Texts
    requirement: Texts
    unknown: bool = False

    @property
    def supports(self) -> bool:
        """This condition went the way the rule needed it to (an unknown one did not)."""
        return not self.unknown and self.held != self.negated

    @property
    def outcome(self) -> bool | None:
        """The rule's outcome this condition argues for: ``supports``, or ``None`` when
        unknown (what :func:`explain` lists when the rule cannot tell)."""
        return None if self.unknown else self.held != self.negated


def explain(rule: Any, facts: dict[str, Any]) -> list[Condition]:
    """The conditions that decide the outcome, in rule order.

    When the rule holds: every condition of an ``and``, and of an ``or`` the first branch that
    holds. When it fails: the failing children of an ``and``, and of an ``or`` the branches
    that came closest (for 児童扶養手当, the income limit for the person's own number of
    dependants rather than all twenty). When it cannot tell: the unknown conditions that
    leave it open, through every open branch of an ``or``, once per fact (which facts are
    missing, in rule order). Every listed condition went the outcome's way,
    ``c.outcome == decide(rule, facts)``, and the list is never empty. ``rule`` may be
    already parsed (``parse_rule``): explaining many persons parses it once.
    """
    node = rule if isinstance(rule, Test | AllOf | AnyOf | Not) else parse_rule(rule)
    outcome = _decide(node, facts)
    conditions = _explain(node, facts, outcome, False)
    if outcome is None:
        once: dict[str, Condition] = {}
        for condition in conditions:
            once.setdefault(condition.fact, condition)
        conditions = list(once.values())
    return conditions


def _explain(
    node: Node, facts: dict[str, Any], outcome: bool | None, negated: bool
) -> list[Condition]:
    if isinstance(node, Test):
        actual = facts.get(node.fact.name)
        return [_condition(node, actual, _holds(node, actual), negated)]
    if isinstance(node, Not):
        return _explain(node.child, facts, None if outcome is None else not outcome, not negated)
    deciding = [c for c in node.children if _decide(c, facts) is outcome]
    if isinstance(node, AnyOf) and outcome:
        deciding = deciding[:1]
    explained = [_explain(child, facts, outcome, negated) for child in deciding]
    if isinstance(node, AnyOf) and outcome is False:
        # The branches that came closest: fewest failing conditions, then most equalities
        # that held (the branch for the person's own number of dependants, say). When it
        # cannot tell, every open branch: each names facts that are missing.
        scores = [
            (len(conditions), -_equalities_held(child, facts))
            for child, conditions in zip(deciding, explained, strict=True)
        ]
        explained = [e for e, score in zip(explained, scores, strict=True) if score == min(scores)]
    return [condition for conditions in explained for condition in conditions]


def _equalities_held(node: Node, facts: dict[str, Any]) -> int:
    return sum(
        1
        for test in _tests(node)
        if test.op in ("==", "in") and _holds(test, facts.get(test.fact.name))
    )


def _condition(test: Test, actual: Any, held: bool | None, negated: bool) -> Condition:
    expected = list(test.value) if test.op == "in" else test.value
    fact = test.fact
    if actual is None and not fact.nullable:
        # A fact that is never unknown in the registry, left out by whoever asked.
        sentence = Texts(
            f"{fact.label.ja}がわかりません",
            f"{fact.label.easy}が わかりません",
            _cap(f"{fact.label.en}: not known"),
        )
    else:
        sentence = fact.states(actual)
    return Condition(
        fact=fact.name,
        operator=test.op,
        expected=expected,
        actual=actual,
        held=held is True,
        negated=negated,
        sentence=sentence,
        requirement=_requirement(test, negated),
        unknown=held is None,
    )


_NUMBER_WORDING = {
    # op: (ja, easy, en) with {label} and {value}
    ">=": (
        "{label}が{value}以上",
        "{label}が {value}か それより おおい",
        "{label} is at least {value}",
    ),
    ">": (
        "{label}が{value}を超える",
        "{label}が {value}より おおい",
        "{label} is more than {value}",
    ),
    "<=": (
        "{label}が{value}以下",
        "{label}が {value}か それより すくない",
        "{label} is at most {value}",
    ),
    "<": ("{label}が{value}未満", "{label}が {value}より すくない", "{label} is less than {value}"),
    "==": ("{label}が{value}", "{label}が {value}", "{label} is {value}"),
    "!=": ("{label}が{value}以外", "{label}が {value}では ない", "{label} is not {value}"),
    "in": ("{label}が{value}のいずれか", "{label}が {value}の どれか", "{label} is one of {value}"),
    "not in": (
        "{label}が{value}のいずれでもない",
        "{label}が {value}の どれでも ない",
        "{label} is none of {value}",
    ),
}


def _requirement(test: Test, negated: bool) -> Texts:
    fact, label = test.fact, test.fact.label
    if test.value is None:
        wants_unknown = (test.op == "==") != negated
        if wants_unknown:
            return Texts(
                f"{label.ja}の記録がない",
                f"{label.easy}が わからない",
                _cap(f"no record of {label.en}"),
            )
        return Texts(
            f"{label.ja}の記録がある", f"{label.easy}が わかる", _cap(f"{label.en} is on record")
        )
    if fact.type == "boolean" and test.op in ("==", "!="):
        wants = (test.value == (test.op == "==")) != negated
        if wants:
            return Texts(f"{label.ja}に該当する", f"{label.easy}： はい", _cap(f"{label.en}: yes"))
        return Texts(f"{label.ja}に該当しない", f"{label.easy}： いいえ", _cap(f"{label.en}: no"))
    op = test.op
    if negated:
        op = "not in" if op == "in" else _NEGATED[op]
    if op in ("in", "not in"):
        shown = [fact.value_texts(v) for v in test.value]
        value = Texts(
            "、".join(t.ja for t in shown),
            "、".join(t.easy for t in shown),
            ", ".join(t.en for t in shown),
        )
    else:
        value = fact.value_texts(test.value)
    ja, easy, en = _NUMBER_WORDING[op]
    return Texts(
        ja.format(label=label.ja, value=value.ja),
        easy.format(label=label.easy, value=value.easy),
        _cap(en.format(label=label.en, value=value.en)),
    )


def requirements(rule: Any) -> list[Texts]:
    """What the rule asks, one sentence per comparison in rule order (turned around under
    ``!``): how a rule reads in words when two versions are compared."""
    found: list[Texts] = []

    def walk(node: Node, negated: bool) -> None:
        if isinstance(node, Test):
            found.append(_requirement(node, negated))
        elif isinstance(node, Not):
            walk(node.child, not negated)
        else:
            for child in node.children:
                walk(child, negated)

    walk(parse_rule(rule), False)
    return found


def describe(rule: Any) -> Texts:
    """The whole rule in words: each comparison as ``requirements`` says it, joined by
    「かつ」 / 「または」 with brackets where an inner group needs them."""

    def words(node: Node, negated: bool, inner: bool) -> Texts:
        if isinstance(node, Test):
            return _requirement(node, negated)
        if isinstance(node, Not):
            return words(node.child, not negated, inner)
        # De Morgan under a negation: not (a and b) reads as (not a) or (not b).
        conjunction = isinstance(node, AllOf) != negated
        parts = [words(child, negated, True) for child in node.children]
        ja, easy, en = (
            ("、かつ", "、そして ", " and ") if conjunction else ("、または", "、または ", " or ")
        )
        joined = Texts(
            ja.join(p.ja for p in parts),
            easy.join(p.easy for p in parts),
            en.join(p.en for p in parts),
        )
        if inner and len(parts) > 1:
            return Texts(f"（{joined.ja}）", f"（{joined.easy}）", f"({joined.en})")
        return joined

    return words(parse_rule(rule), False, False)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- SQL ------------------------------------------------------------------------------------


def compile_sql(rule: Any, on: date, municipality_id: int) -> tuple[str, list[Any]]:
    """A WHERE condition over ``person p`` of the municipality (``?`` placeholders,
    parameters in order) that holds exactly where :func:`evaluate` does for the person's
    facts on ``on``, and is NULL exactly where :func:`decide` cannot tell.

    The same SQL runs on SQLite and PostgreSQL: ages compare birth dates with dates computed
    here, household facts are correlated subqueries on ``person(household)``, booleans compare
    with parameters (0/1 on SQLite, true/false on PostgreSQL). Within ``and``/``or`` the cheap
    person conditions come before household subqueries: SQLite evaluates in the written order.
    Household members are looked up in ``municipality_id``; the condition does not filter
    ``p`` by municipality or status: :func:`match_persons` adds that.
    """
    sql, params = _Compiler(on).compile(parse_rule(rule))
    return sql, bind_municipality(params, municipality_id)


class _Compiler:
    """Turns a parsed rule into SQL over ``person p``.

    With ``household_columns``, household facts read precomputed columns of ``p`` (see
    :class:`_MatchQuery`) instead of running their subquery at each use.

    "Is there another member who…" conditions become ``EXISTS`` where they are conditions of
    the whole rule (PostgreSQL turns those into a semi- or anti-join). Elsewhere, under
    ``or`` or ``!``, ``set_based`` makes them a lookup in the set of such households, built
    once per statement, instead of a subquery per person: for one statement over the whole
    registry on PostgreSQL, not for SQLite's many range queries, which would build it again
    each time.
    """

    def __init__(
        self,
        on: date,
        household_columns: dict[_Key, str] | None = None,
        *,
        set_based: bool = False,
    ) -> None:
        self.on = on
        self.household_columns = household_columns or {}
        self.set_based = set_based

    def compile(self, node: Node) -> tuple[str, list[Any]]:
        sql, params, _cost = self._node(node, whole=True)
        return sql, params

    def _node(self, node: Node, whole: bool) -> tuple[str, list[Any], int]:
        # ``whole``: the node is a condition of the whole rule (only ``and`` above it).
        if isinstance(node, Test):
            sql, params = self._test(node, whole)
            return sql, params, 10 if node.fact.household else 1
        if isinstance(node, Not):
            sql, params, cost = self._node(node.child, whole=False)
            return f"NOT {sql}", params, cost
        within = whole and isinstance(node, AllOf)
        parts = sorted((self._node(c, within) for c in node.children), key=_cost)
        joiner = " AND " if isinstance(node, AllOf) else " OR "
        params = [value for part in parts for value in part[1]]
        return "(" + joiner.join(part[0] for part in parts) + ")", params, sum(map(_cost, parts))

    def _value(self, fact: Fact) -> tuple[str, list[Any], bool]:
        """The fact's SQL expression, and whether it is a precomputed column."""
        # Only the whole-years facts differ by dialect, and they compare by date instead.
        expression, params = fact.value_sql(self.on, postgres=False)
        column = self.household_columns.get(_key(expression, params))
        return (f"p.{column}", [], True) if column else (expression, params, False)

    def _test(self, test: Test, whole: bool) -> tuple[str, list[Any]]:
        fact = test.fact
        if fact.whole_years_of:
            sql, params = _whole_years_test(fact.whole_years_of, test.op, test.value, self.on)
        else:
            expression, params, precomputed = self._value(fact)
            if fact.members and not fact.nullable and not precomputed and test.value is not None:
                existence = self._existence(test, fact.members, whole)
                if existence:
                    return existence
            if test.value is None:
                check = "IS NULL" if test.op == "==" else "IS NOT NULL"
                return f"({expression} {check})", params
            if test.op == "in":
                marks = ", ".join("?" * len(test.value))
                sql, params = f"{expression} IN ({marks})", [*params, *test.value]
            elif fact.type == "boolean" and not fact.nullable:
                # Derived flags are never unknown: use the condition itself, or its negation.
                wanted = test.value == (test.op == "==")
                return f"({expression})" if wanted else f"(NOT {expression})", params
            else:
                sql, params = f"{expression} {_SQL_OPERATOR[test.op]} ?", [*params, test.value]
        # An unknown fact makes the comparison NULL, as Python's ``_holds`` makes it None.
        return f"({sql})", params

    def _existence(self, test: Test, members: Members, whole: bool) -> tuple[str, list] | None:
        """The test as "another member exists" or "none does", when it is one of those."""
        if members.shape == "any":
            wants = test.value == (test.op == "==")
        else:
            # Which counts of other members pass the test: "1 or more" or "0 only"?
            offset = 1 if members.shape == "size" else 0
            values = test.value if test.op == "in" else (test.value,)
            counts = range(max(2, max(values) - offset + 2))
            passes = [_holds(test, n + offset) for n in counts]
            if passes == [False] + [True] * (len(passes) - 1):
                wants = True
            elif passes == [True] + [False] * (len(passes) - 1):
                wants = False
            else:
                return None
        exists, params = members.exists_sql(self.on, set_based=self.set_based and not whole)
        return (f"({exists})" if wants else f"(NOT {exists})"), params


def _cost(part: tuple[str, list[Any], int]) -> int:
    return part[2]


_Key = tuple[str, tuple[Any, ...]]


def _key(expression: str, params: list[Any]) -> _Key:
    # Household facts with the same SQL (children_under_18 and dependants) share a column.
    return expression, tuple(params)


_SQL_OPERATOR = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _whole_years_test(column: str, op: str, value: Any, on: date) -> tuple[str, list[Any]]:
    """``whole years since column`` compared with a literal, as date comparisons:
    ``years >= n`` is ``column <= years_before(on, n)``."""
    if value is None:
        return f"{column} {'IS NULL' if op == '==' else 'IS NOT NULL'}", []
    if op == "in":
        parts, params = [], []
        for n in value:
            parts.append(f"({column} <= ? AND {column} > ?)")
            params += [years_before(on, n), years_before(on, n + 1)]
        return " OR ".join(parts), params
    if op == ">":
        op, value = ">=", value + 1
    elif op == "<=":
        op, value = "<", value + 1
    at_least, below = years_before(on, value), years_before(on, value + 1)
    match op:
        case ">=":
            return f"{column} <= ?", [at_least]
        case "<":
            return f"{column} > ?", [at_least]
        case "==":
            return f"{column} <= ? AND {column} > ?", [at_least, below]
        case _:  # "!="
            return f"({column} > ? OR {column} <= ?)", [at_least, below]


def _conjunction(
    fixed: list[str], parts: Sequence[Node], compiler: _Compiler, not_false: bool = False
) -> tuple[str, list[Any]]:
    """``fixed`` and the parts, joined by AND; with ``not_false`` each part only has to be
    not false (true or unknown), as the undecided need."""
    sql, params = list(fixed), []
    for part in parts:
        part_sql, part_params = compiler.compile(part)
        sql.append(f"({part_sql}) IS NOT FALSE" if not_false else part_sql)
        params += part_params
    return " AND ".join(sql), params


def can_be_unknown(rule: Any) -> bool:
    """Whether the rule can ever "cannot tell": only a comparison of a fact that may be
    unknown can (asking whether a fact is known always answers)."""
    return any(test.fact.nullable and test.value is not None for test in _tests(parse_rule(rule)))


def _uses_household(node: Node) -> bool:
    return any(test.fact.household for test in _tests(node))


# SQLite reads the registry in ranges of this many ids, one query each, and PostgreSQL fetches
# this many rows at a time from one cursor: memory stays flat however large the registry.
ID_RANGE = 100_000
CURSOR_BATCH = 20_000
PERSON_IDS_PER_QUERY = 1_000
_cursor_numbers = itertools.count(1)
# The registry's persons relation as the registry declares it for matching (never its name).
_PERSONS = matching_persons("p")


class _MatchQuery:
    """The query :func:`match_persons` (or, ``undecided``, :func:`undecided_persons`) runs,
    for one range or list of ids.

    Conditions on the person alone filter first. A household fact the rule reads once stays
    where it is used, so its subquery runs only for persons the cheaper conditions left (the
    adults of ``birth-support``). One it reads several times is computed once per remaining
    person in a derived table, which ``OFFSET 0`` keeps from being merged back into the outer
    query.

    The undecided are those for whom no condition of the rule's top ``and`` is false (each
    filters as ``IS NOT FALSE``, cheap ones first, as for matching) and the whole rule is
    unknown (``IS NULL``), which the few persons left are checked for at the end.
    """

    def __init__(
        self,
        rule: Any,
        on: date,
        postgres: bool,
        set_based: bool = False,
        undecided: bool = False,
    ) -> None:
        node = parse_rule(rule)
        conjuncts = node.children if isinstance(node, AllOf) else (node,)
        with_household = [c for c in conjuncts if _uses_household(c)]
        uses: Counter[_Key] = Counter(
            _key(*test.fact.value_sql(on, postgres=False))
            for part in with_household
            for test in _tests(part)
            if test.fact.household
        )
        repeated = [key for key, count in uses.items() if count > 1]
        aliases = {key: f"household_{i}" for i, key in enumerate(repeated)}
        # Without a repeated household fact everything filters in one WHERE, person
        # conditions first (SQLite evaluates in the written order).
        inner = sorted(
            (c for c in conjuncts if not (aliases and _uses_household(c))), key=_uses_household
        )
        outer = [c for c in with_household if aliases]
        # SQLite without statistics would walk the (municipality, registry_id) index for the
        # municipality, visiting every row in random order; the unary plus keeps it off it.
        municipality = "p.municipality = ?" if postgres else "+p.municipality = ?"
        inner_compiler = _Compiler(on, set_based=set_based)
        outer_compiler = _Compiler(on, aliases)
        self.filters, self.filter_params = _conjunction(
            [f"{municipality} AND p.status = 'resident'"], inner, inner_compiler, undecided
        )
        self.outer, self.outer_params = _conjunction([], outer, outer_compiler, undecided)
        if undecided:
            # Not false anywhere (above) and not true everywhere: unknown.
            if outer:
                whole, whole_params = _conjunction([], conjuncts, outer_compiler)
            else:  # every condition is inner
                whole, whole_params = _conjunction([], inner, inner_compiler)
            if outer:
                self.outer += f" AND ({whole}) IS NULL"
                self.outer_params += whole_params
            else:
                self.filters += f" AND ({whole}) IS NULL"
                self.filter_params += whole_params
        # The outer query reads the derived table's columns (all conditions' when undecided).
        checked = conjuncts if undecided else outer
        reads = {"id"} | {
            column for part in checked for t in _tests(part) for column in t.fact.reads
        }
        self.columns = ", ".join(
            [*(f"p.{c}" for c in sorted(reads)), *(f"{e} AS {a}" for (e, _), a in aliases.items())]
        )
        self.column_params = [value for (_, params) in aliases for value in params]
        self.fence = "OFFSET 0" if postgres else "LIMIT -1 OFFSET 0"

    def sql(self, ids: str, ids_params: list[Any], municipality_id: int) -> tuple[str, list]:
        params = [
            *ids_params,
            municipality_id,
            *bind_municipality(self.filter_params, municipality_id),
        ]
        where = f"{ids} AND {self.filters}"
        if not self.outer:
            return f"SELECT p.id FROM {_PERSONS} WHERE {where}", params  # noqa: S608
        inner = f"SELECT {self.columns} FROM {_PERSONS} WHERE {where} {self.fence}"  # noqa: S608
        return (
            f"SELECT p.id FROM ({inner}) p WHERE {self.outer}",  # noqa: S608
            [
                *bind_municipality(self.column_params, municipality_id),
                *params,
                *bind_municipality(self.outer_params, municipality_id),
            ],
        )


async def match_persons(
    sql: SqlSession,
    municipality_id: int,
    rule: Any,
    on: date,
    person_ids: Sequence[int] | None = None,
) -> AsyncIterator[list[int]]:
    """The resident persons of the municipality for whom the rule holds on ``on``, in
    batches of ids (each in ascending order), without loading the registry into Python.

    With ``person_ids``, only those persons are evaluated (after a registry change touched
    them): primary-key lookups whatever the registry's size. Otherwise PostgreSQL runs one
    statement through a cursor in the caller's transaction, and SQLite one query per range of
    :data:`ID_RANGE` of the municipality's own ids (through its (municipality, id) index, so
    its neighbours' rows are not read). Either way memory stays flat however large the
    registry.

    Over the whole registry on PostgreSQL this sets ``jit`` off and ``cursor_tuple_fraction``
    to 1 for the rest of the caller's transaction.
    """
    # Household sets pay off over the whole registry in one statement, not for a few persons.
    query = _MatchQuery(rule, on, sql.postgres, set_based=sql.postgres and person_ids is None)
    async for batch in _persons(sql, municipality_id, query, person_ids):
        yield batch


async def undecided_persons(
    sql: SqlSession,
    municipality_id: int,
    rule: Any,
    on: date,
    person_ids: Sequence[int] | None = None,
) -> AsyncIterator[list[int]]:
    """The resident persons of the municipality for whom the rule cannot tell on ``on``
    (:func:`decide` is ``None``: a fact it needs is unknown), batched exactly as
    :func:`match_persons` batches: staff's list to check, never matched, never dropped.
    :func:`explain` says which facts are missing for each."""
    if not can_be_unknown(rule):
        return
    query = _MatchQuery(
        rule, on, sql.postgres, set_based=sql.postgres and person_ids is None, undecided=True
    )
    async for batch in _persons(sql, municipality_id, query, person_ids):
        yield batch


async def _persons(
    sql: SqlSession,
    municipality_id: int,
    query: _MatchQuery,
    person_ids: Sequence[int] | None,
) -> AsyncIterator[list[int]]:
    # Rows stay plain tuples (``fetch``) here: one id per row, up to a row per resident, where
    # building a Struct per row would cost a good part of the scan the 2x bar measures.
    if person_ids is not None:
        wanted = sorted(set(person_ids))
        for start in range(0, len(wanted), PERSON_IDS_PER_QUERY):
            in_sql, in_params = sql.in_list(wanted[start : start + PERSON_IDS_PER_QUERY])
            rows = await sql.fetch(*query.sql(f"p.id {in_sql}", in_params, municipality_id))
            if rows:
                yield sorted(row[0] for row in rows)
        return
    if sql.postgres:
        # Correlated subqueries inflate PostgreSQL's cost estimates until it JIT-compiles the
        # query, which takes longer (up to a second) than running it. And plan for reading
        # every row (a cursor otherwise favours a fast first row), then fetch in batches: one
        # scan of the table, as the query alone would do.
        await sql.execute("SET LOCAL jit = off")
        await sql.execute("SET LOCAL cursor_tuple_fraction = 1")
        cursor = f"todoke_match_{next(_cursor_numbers)}"
        statement, params = query.sql("TRUE", [], municipality_id)
        await sql.execute(f"DECLARE {cursor} NO SCROLL CURSOR FOR {statement}", params)
        while rows := await sql.fetch(f"FETCH {CURSOR_BATCH} FROM {cursor}"):
            yield sorted(row[0] for row in rows)
        await sql.execute(f"CLOSE {cursor}")
        return
    # The municipality's own ids, through its (municipality, id) index: on a deployment of
    # several municipalities the neighbours' rows are neither bounded nor read (issue 16).
    # In SQLite that index holds the rows in table order: walking it reads the municipality's
    # rows as a plain slice would, however its ids interleave with the neighbours'.
    bounds = f"SELECT MIN(p.id), MAX(p.id) FROM {_PERSONS} WHERE p.municipality = ?"  # noqa: S608
    lowest, highest = (await sql.fetch(bounds, [municipality_id]))[0]
    if lowest is None:
        return
    for start in range(lowest, highest + 1, ID_RANGE):
        ids = "p.municipality = ? AND p.id >= ? AND p.id < ?"
        window = [municipality_id, start, start + ID_RANGE]
        rows = await sql.fetch(*query.sql(ids, window, municipality_id))
        if rows:
            yield sorted(row[0] for row in rows)


# --- seeded programs ------------------------------------------------------------------------


def _is(fact: str, value: Any) -> dict[str, Any]:
    return {"==": [{"var": fact}, value]}


# 児童扶養手当: explicit limits for 1 to 19 dependants, then one for 20 and more.
REARING_LIMIT_BRANCHES = 20


def _child_rearing_income_limits() -> list[dict[str, Any]]:
    # The partial-payment limit (JAPAN-FACTS B, the table's second column): ¥2,080,000 with no
    # dependant and ¥380,000 more for each, beyond five too (5 → ¥3,980,000, 6 → ¥4,360,000).
    # Compared with the computed 所得 ("below": <). The first branch needs no dependants: below
    # the lowest limit is below every limit, which lets "cannot tell" logic decide a person
    # whose dependants are not on record (it cannot see that one of "0 dependants and below
    # ¥2,080,000", "1 and below ¥2,460,000"… must hold). With 20 or more dependants the
    # 20-dependant limit applies (no such claimant is known; theirs would be higher).
    def limit(dependants: int) -> int:
        return PARTIAL_PAYMENT_LIMIT + LIMIT_PER_DEPENDANT * dependants

    top = REARING_LIMIT_BRANCHES
    branches: list[dict[str, Any]] = [{"<": [{"var": "child_rearing_income"}, limit(0)]}]
    branches += [
        {"and": [_is("dependants", n), {"<": [{"var": "child_rearing_income"}, limit(n)]}]}
        for n in range(1, top)
    ]
    branches.append(
        {
            "and": [
                {">=": [{"var": "dependants"}, top]},
                {"<": [{"var": "child_rearing_income"}, limit(top)]},
            ]
        }
    )
    return branches


SEEDED_RULES: dict[str, dict[str, Any]] = {
    # 児童手当 (JAPAN-FACTS B): a child up to the 31 March after turning 18 (高校生年代), no
    # income limit since October 2024, paid to the claimant: of the child's parents living
    # there the one with the higher income (生計中心者); with no parent there, the carer (the
    # household head first). Simplified: parents are read from relations to the head
    # (PARENTS_OF in facts); a parent living apart who supports the child, and children of 19
    # to 22 counted only for the third-child amount, are not the rule's concern (amounts are).
    "child-allowance": {
        "and": [
            {">=": [{"var": "children_until_march_after_18"}, 1]},
            _is("is_claimant", True),
        ]
    },
    # 児童扶養手当 (JAPAN-FACTS B): a single parent (the tax registry's flag; not paid on
    # remarriage: a flag that says no, or a spouse registered in the household, which shows a
    # marriage before the tax flag does) who is the parent or carer of a child up to the 31
    # March after turning 18, or under 20 with a moderate or heavier disability; no supporting
    # relative living there at or over their limit; the computed 所得 below the
    # partial-payment limit for the 扶養親族等の数 from the tax registry. No income on record,
    # dependants unknown with an income between the limits, or a relative's income missing:
    # cannot tell. Simplified: "single parent" is the registry's flag (the law lists the
    # situations); carers other than a parent are found only when flagged; public pensions,
    # which reduce the amount, foster care, living abroad and a de-facto marriage are left to
    # the claim; the limits' additions for elderly or specified dependants (老人・特定扶養親族)
    # are not applied.
    "child-rearing-allowance": {
        "and": [
            _is("single_parent", True),
            _is("lives_with_spouse", False),
            _is("parent_or_carer", True),
            {">=": [{"var": "children_or_disabled_under_20"}, 1]},
            _is("supporting_relative_over_limit", False),
            {"or": _child_rearing_income_limits()},
        ]
    },
    # 高齢者インフルエンザ定期接種 (JAPAN-FACTS B): 65 and over on the evaluation date; from 60
    # with a grade-1 impairment of heart, kidney, breathing or immunity. The registry holds a
    # certificate's grade but not the function impaired, so a person of 60–64 with a grade-1
    # physical certificate "cannot tell" (staff check), and one without is not matched.
    "flu-shot-65": {
        "or": [
            {">=": [{"var": "age"}, 65]},
            {
                "and": [
                    {">=": [{"var": "age"}, 60]},
                    _is("internal_impairment_grade_1", True),
                ]
            },
        ]
    },
    # 出産・子育て応援給付金 (妊婦のための支援給付 from April 2025): an expectant mother, or an
    # adult living with a baby under 1. Simplified: the registry cannot tell which adult is
    # the parent, so grandparents living with the baby match too (staff approve before
    # anyone is contacted); the age guard keeps the baby's siblings out.
    "birth-support": {
        "or": [
            _is("pregnant", True),
            {"and": [_is("newborn_in_household", True), {">=": [{"var": "age"}, 18]}]},
        ]
    },
    # 住民税非課税世帯への給付金 (JAPAN-FACTS B): one payment per household where every member is
    # exempt from resident tax, to the head. A member without a tax record, and nobody taxed,
    # makes it "cannot tell" (staff check such households); anyone taxed: not.
    "tax-exempt-benefit": {
        "and": [_is("is_household_head", True), _is("household_tax_exempt", True)]
    },
}
