"""Conditions on ``summary.csv`` columns: ``final.infringing_share > 0.08 and ...``.

A condition picks the runs a scenario-discovery question is about (``conduit discover
--where``, the scenario's ``discovery:`` section). The grammar is small and closed:

    condition  := clause ("or" clause)*
    clause     := factor ("and" factor)*
    factor     := "not" factor | "(" condition ")" | comparison
    comparison := column op number | number op column
    op         := "<" | "<=" | ">" | ">=" | "==" | "!="

A column is a bare name (letters, digits, ``_``, ``.``, ``-``) or any text in backticks
(```final.market_share.Virgin Media```); a number is a decimal literal (``0.08``,
``1e-3``, ``-2``). Nothing is passed to ``eval``: an expression either parses into this
grammar or gets a :class:`ConditionError` naming the character where it went wrong.
This module has no dependency beyond numpy so the scenario loader can check conditions.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
KEYWORDS = ("and", "or", "not")

_TOKEN = re.compile(
    r"\s*(?:(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_.]))"
    r"|(?P<op><=|>=|==|!=|<|>)"
    r"|(?P<paren>[()])"
    r"|`(?P<quoted>[^`]+)`"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))"
)


class ConditionError(ValueError):
    """A condition that does not parse or names an unknown column.

    Attributes:
        expression: the condition's text.
        position: 0-based character where the problem is (None: the whole expression).
        problem: what is wrong, in a sentence.
    """

    def __init__(self, expression: str, problem: str, position: int | None = None):
        self.expression, self.problem, self.position = expression, problem, position
        where = f" at character {position + 1}" if position is not None else ""
        super().__init__(f'condition "{expression}"{where}: {problem}')


@dataclass(frozen=True)
class Token:
    kind: str  # number, op, paren, column, keyword, end
    text: str
    position: int


@dataclass(frozen=True)
class Comparison:
    column: str
    op: str
    value: float
    position: int


@dataclass(frozen=True)
class Node:
    kind: str  # and, or, not
    parts: tuple[Node | Comparison, ...]


def tokens(expression: str) -> list[Token]:
    out, i = [], 0
    while i < len(expression):
        if expression[i:].strip() == "":
            break
        match = _TOKEN.match(expression, i)
        if match is None or match.end() == i:
            j = i + len(expression[i:]) - len(expression[i:].lstrip())
            raise ConditionError(expression, f"unexpected '{expression[j]}'", j)
        kind = match.lastgroup or ""
        text = match.group(kind)
        start = match.start(kind) - (1 if kind == "quoted" else 0)
        if kind == "name" and text.lower() in KEYWORDS:
            kind, text = "keyword", text.lower()
        elif kind in ("name", "quoted"):
            kind = "column"
        out.append(Token(kind, text, start))
        i = match.end()
    out.append(Token("end", "", len(expression)))
    return out


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = tokens(expression)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: Token, expected: str) -> ConditionError:
        got = "the end" if token.kind == "end" else f"'{token.text}'"
        return ConditionError(self.expression, f"expected {expected}; got {got}", token.position)

    def condition(self) -> Node | Comparison:
        parts = [self.clause()]
        while self.peek().text == "or" and self.peek().kind == "keyword":
            self.take()
            parts.append(self.clause())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def clause(self) -> Node | Comparison:
        parts = [self.factor()]
        while self.peek().text == "and" and self.peek().kind == "keyword":
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def factor(self) -> Node | Comparison:
        token = self.peek()
        if token.kind == "keyword" and token.text == "not":
            self.take()
            return Node("not", (self.factor(),))
        if token.kind == "paren" and token.text == "(":
            self.take()
            inner = self.condition()
            close = self.take()
            if close.text != ")":
                raise self.fail(close, "')'")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        first = self.take()
        if first.kind not in ("column", "number"):
            raise self.fail(first, "a column name, a number, 'not' or '('")
        op = self.take()
        if op.kind != "op":
            raise self.fail(op, "a comparison (<, <=, >, >=, ==, !=)")
        second = self.take()
        if first.kind == "column":
            if second.kind != "number":
                raise self.fail(second, f"a number after '{op.text}'")
            return Comparison(first.text, op.text, float(second.text), first.position)
        if second.kind != "column":
            raise self.fail(second, f"a column name after '{op.text}'")
        return Comparison(second.text, MIRROR[op.text], float(first.text), second.position)


@dataclass(frozen=True)
class Condition:
    """A parsed condition: evaluate it on a table of columns."""

    expression: str
    tree: Node | Comparison

    @property
    def columns(self) -> list[str]:
        """The columns the condition reads, in order of appearance."""
        return list(dict.fromkeys(c.column for c in _comparisons(self.tree)))

    def check(self, known: Iterable[str]) -> None:
        """Raise :class:`ConditionError` at the first column not in ``known``."""
        from model.scenario.errors import suggest

        names = list(known)
        for comparison in _comparisons(self.tree):
            if comparison.column not in names:
                raise ConditionError(
                    self.expression,
                    f"unknown column '{comparison.column}'"
                    + suggest(comparison.column, names)
                    + "; columns are summary.csv's: final.<outcome>, total.<count>, "
                    "the uncertain parameters",
                    comparison.position,
                )

    def evaluate(self, table: Mapping[str, np.ndarray]) -> np.ndarray:
        """Boolean array: which rows of ``table`` (column -> values) meet the condition.

        A missing value (NaN) meets no comparison but ``!=``.
        """
        self.check(table.keys())
        return _evaluate(self.tree, table)

    def describe(self) -> str:
        """The condition in words, e.g. ``final.infringing_share above 0.08``."""
        return _words(self.tree)


def parse(expression: str) -> Condition:
    """Parse a condition; raise :class:`ConditionError` (with its position) if malformed."""
    if not expression.strip():
        raise ConditionError(expression, "empty condition; e.g. 'final.infringing_share > 0.08'")
    parser = _Parser(expression)
    tree = parser.condition()
    rest = parser.peek()
    if rest.kind != "end":
        raise parser.fail(rest, "'and', 'or' or the end")
    return Condition(expression, tree)


def _comparisons(tree: Node | Comparison) -> list[Comparison]:
    if isinstance(tree, Comparison):
        return [tree]
    return [c for part in tree.parts for c in _comparisons(part)]


def _evaluate(tree: Node | Comparison, table: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(tree, Comparison):
        values = np.asarray(table[tree.column], dtype=float)
        return np.asarray(OPERATORS[tree.op](values, tree.value), dtype=bool)
    parts = [_evaluate(p, table) for p in tree.parts]
    if tree.kind == "not":
        return ~parts[0]
    combine = np.logical_and if tree.kind == "and" else np.logical_or
    out = parts[0]
    for part in parts[1:]:
        out = combine(out, part)
    return out


WORDS = {
    "<": "below",
    "<=": "at most",
    ">": "above",
    ">=": "at least",
    "==": "equal to",
    "!=": "not equal to",
}


def _words(tree: Node | Comparison) -> str:
    if isinstance(tree, Comparison):
        return f"{tree.column} {WORDS[tree.op]} {tree.value:g}"
    if tree.kind == "not":
        return f"not ({_words(tree.parts[0])})"
    return f" {tree.kind} ".join(
        f"({_words(p)})" if isinstance(p, Node) else _words(p) for p in tree.parts
    )


__all__ = ["Condition", "ConditionError", "parse"]
