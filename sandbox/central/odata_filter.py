"""OData `$filter` and `$orderby` over the columns Central allows, compiled to SQLite."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.central import problems
from sandbox.central.clock import parse_instant, stamp

# Central's odataToColumnMap (lib/data/submission.js): these and nothing else.
COLUMNS = {
    "__id": "instance_id",
    "__system/submissionDate": "created_at",
    "__system/updatedAt": "updated_at",
    "__system/submitterId": "submitter_id",
    "__system/reviewState": "review_state",
    "__system/deletedAt": "deleted_at",
}
_TIME_COLUMNS = {"created_at", "updated_at", "deleted_at"}
_EXTRACT = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M",
            "second": "%S"}
_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<dt>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)
  | (?P<num>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<punct>[(),])
  | (?P<word>\$?[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_$][A-Za-z0-9_]*)*)
)""", re.VERBOSE)


@dataclass
class Tok:
    kind: str
    text: str
    at: int


@dataclass
class Operand:
    """A compiled operand: SQL text, its parameters, and whether it is a column or null."""

    sql: str
    params: list[Any]
    column: str | None = None
    is_null: bool = False
    literal: Any = None


def _tokens(expr: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise problems.unparseable_odata(f"unexpected character at {pos}")
        kind = m.lastgroup or ""
        out.append(Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, expr: str, columns: dict[str, str], now: str) -> None:
        self.toks = _tokens(expr)
        self.i = 0
        self.columns = columns
        self.now = now
        self.mentions_deleted = False

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text):
            raise problems.unparseable_odata(f"expected {text or 'more input'}")
        self.i += 1
        return tok

    def parse(self) -> str:
        sql = self.or_expr()
        if self.peek() is not None:
            raise problems.unparseable_odata(f"unexpected '{self.peek().text}'")  # type: ignore[union-attr]
        return sql

    def or_expr(self) -> str:
        sql = self.and_expr()
        while (t := self.peek()) and t.text == "or":
            self.take()
            sql = f"({sql} OR {self.and_expr()})"
        return sql

    def and_expr(self) -> str:
        sql = self.not_expr()
        while (t := self.peek()) and t.text == "and":
            self.take()
            sql = f"({sql} AND {self.not_expr()})"
        return sql

    def not_expr(self) -> str:
        t = self.peek()
        if t is not None and t.text == "not":
            self.take()
            return f"(NOT {self.not_expr()})"
        return self.comparison()

    def comparison(self) -> str:
        t = self.peek()
        if t is not None and t.text == "(":
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        left = self.operand()
        op = self.peek()
        if op is None or op.text not in _OPS:
            if op is not None and op.kind == "word" and op.text in ("add", "sub", "mul", "div",
                                                                    "mod", "has", "in"):
                raise problems.unsupported_odata_expression(op.at, "Expression", op.text)
            raise problems.unparseable_odata("expected a comparison operator")
        self.take()
        right = self.operand()
        return self.compare(left, op.text, right)

    def compare(self, left: Operand, op: str, right: Operand) -> str:
        left, right = self.coerce(left, right), self.coerce(right, left)
        if op in ("eq", "ne"):
            if left.is_null and right.is_null:
                sql = "(1)"
            elif left.is_null or right.is_null:
                side = right if left.is_null else left
                # `IS NOT NULL` as such (not NOT (… IS NULL)) lets SQLite use a partial index.
                sql = f"({side.sql} IS {'NOT ' if op == 'ne' else ''}NULL)"
                op = "eq"
            else:
                sql = f"({left.sql} IS {right.sql})"
            params = (left.params if not left.is_null else []) + \
                (right.params if not right.is_null else [])
            self.params.extend(params)
            return f"(NOT {sql})" if op == "ne" else sql
        self.params.extend(left.params + right.params)
        return f"({left.sql} {_OPS[op]} {right.sql})"

    def coerce(self, value: Operand, other: Operand) -> Operand:
        """A literal compared with a timestamp column is read as an instant, as Postgres casts."""
        if other.column in _TIME_COLUMNS and value.column is None and not value.is_null \
                and isinstance(value.literal, str):
            moment = parse_instant(value.literal)
            if moment is None:
                raise problems.unparseable_odata(f"'{value.literal}' is not a date and time")
            return Operand("?", [stamp(moment)], literal=stamp(moment))
        return value

    params: list[Any]

    def operand(self) -> Operand:
        tok = self.take()
        if tok.kind == "str":
            text = tok.text[1:-1].replace("''", "'")
            return Operand("?", [text], literal=text)
        if tok.kind == "dt":
            return Operand("?", [tok.text], literal=tok.text)
        if tok.kind == "num":
            number = float(tok.text) if re.search(r"[.eE]", tok.text) else int(tok.text)
            return Operand("?", [number], literal=number)
        if tok.kind == "word":
            if tok.text == "null":
                return Operand("NULL", [], is_null=True)
            if tok.text in ("true", "false"):
                return Operand("?", [tok.text == "true"], literal=tok.text == "true")
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                return self.method(tok)
            return self.member(tok)
        raise problems.unparseable_odata(f"unexpected '{tok.text}'")

    def member(self, tok: Tok) -> Operand:
        if tok.text not in self.columns:
            raise problems.unsupported_odata_field(tok.text, tok.at)
        if tok.text.endswith("__system/deletedAt"):
            self.mentions_deleted = True
        column = self.columns[tok.text]
        return Operand(column, [], column=column)

    def method(self, tok: Tok) -> Operand:
        self.take("(")
        if tok.text == "now":
            self.take(")")
            return Operand("?", [self.now], literal=self.now)
        if tok.text not in _EXTRACT:
            raise problems.unsupported_odata_expression(tok.at, "MethodCallExpression",
                                                        tok.text)
        arg = self.operand()
        self.take(")")
        return Operand(f"CAST(strftime('{_EXTRACT[tok.text]}', {arg.sql}) AS INTEGER)",
                       arg.params)


@dataclass
class Compiled:
    """A WHERE fragment, its parameters, and whether it names `__system/deletedAt`."""

    sql: str
    params: list[Any]
    mentions_deleted: bool


def compile_filter(expr: str | None, now: str, subtable: bool = False) -> Compiled:
    """`$filter` to SQL; for repeat tables only the `$root/Submissions/…` spellings exist."""
    columns = {f"$root/Submissions/{k}": v for k, v in COLUMNS.items()}
    if not subtable:
        columns.update(COLUMNS)
    if expr is None:
        return Compiled("1", [], False)
    parser = _Parser(expr, columns, now)
    parser.params = []
    sql = parser.parse()
    return Compiled(sql, parser.params, parser.mentions_deleted)


def compile_orderby(expr: str) -> tuple[str, str]:
    """`$orderby` to an ORDER BY clause plus the id tiebreak in the first term's direction."""
    clauses: list[str] = []
    first = ""
    for part in expr.split(","):
        words = part.strip().split()
        if not words or words[0] not in COLUMNS:
            raise problems.unsupported_odata_field(words[0] if words else part, None)
        direction = words[1].lower() if len(words) > 1 else "asc"
        if direction not in ("asc", "desc"):
            raise problems.unsupported_odata_field(words[1], None)
        sql_dir = "DESC NULLS LAST" if direction == "desc" else "ASC NULLS FIRST"
        first = first or sql_dir
        clauses.append(f"{COLUMNS[words[0]]} {sql_dir}")
    clauses.append(f"id {first.split()[0]}")
    return "ORDER BY " + ", ".join(clauses), first
