"""Where in a template a problem is: Jinja gives line numbers; columns are computed here."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.lexer import TOKEN_EOF, Token, TokenStream
from jinja2.parser import Parser


@dataclass(frozen=True, slots=True)
class Problem:
    """One template problem at a 1-based line and column."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Tok:
    line: int
    column: int
    type: str
    value: object


def normalise(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\r", "\n")


def column_at(source: str, offset: int) -> int:
    return offset - (source.rfind("\n", 0, offset) + 1) + 1


class TrackingParser(Parser):
    """A Jinja parser that remembers the line and column of every token it reads."""

    def __init__(self, environment: Environment, source: str) -> None:
        super().__init__(environment, source)
        self.source = source
        self.tokens: list[Tok] = []
        self.offset = 0
        self.lexer_failed = False
        self._where: dict[int, tuple[int, int]] = {}
        self.stream = TokenStream(self._tracked(), None, None)

    def _tracked(self) -> Iterator[Token]:
        lexer, source = self.environment.lexer, self.source
        try:
            for raw in lexer.tokeniter(source, None):
                line, _, value = raw
                found = source.find(value, self.offset) if value else -1
                start = found if found >= 0 else self.offset
                self.offset = start + len(value) if found >= 0 else self.offset
                for token in lexer.wrap([raw]):
                    column = column_at(source, start)
                    self._where[id(token)] = (line, column)
                    self.tokens.append(Tok(line, column, token.type, token.value))
                    yield token
        except TemplateSyntaxError:
            self.lexer_failed = True
            raise

    def syntax_problem(self, error: TemplateSyntaxError) -> Problem:
        """The error at the token the parser stopped on (or where the lexer gave up)."""
        line = error.lineno
        lines = self.source.split("\n")
        column = 1
        current = self.stream.current
        if self.lexer_failed:
            if self.source.count("\n", 0, self.offset) + 1 == line:
                column = column_at(self.source, self.offset)
        elif current.type == TOKEN_EOF:
            line = min(line, len(lines))
            column = len(lines[line - 1]) + 1
        elif self._where.get(id(current), (0, 0))[0] == line:
            column = self._where[id(current)][1]
        message = re.sub(
            r" at \d+$", "", error.message or "syntax error"
        )  # an offset, not a column
        return Problem(line, column, message)


def parse(environment: Environment, source: str) -> tuple[nodes.Template, list[Tok]]:
    """The template's tree and its tokens; raises SyntaxProblem with line and column."""
    parser = TrackingParser(environment, source)
    try:
        tree = parser.parse()
    except TemplateSyntaxError as error:
        raise SyntaxProblem(parser.syntax_problem(error)) from None
    return tree, parser.tokens


class SyntaxProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def token_column(tokens: list[Tok], line: int, *values: object) -> int:
    """The column of the first token on `line` whose value is one of `values` (else 1)."""
    on_line = [t for t in tokens if t.line == line]
    for token in on_line:
        if token.value in values:
            return token.column
    code = [t for t in on_line if t.type not in ("data",)]
    return code[0].column if code else 1


def template_line(error: BaseException) -> int | None:
    """The template line an error was raised on (Jinja rewrites tracebacks to show it)."""
    lines = [
        f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"
    ]
    return lines[-1] if lines and lines[-1] is not None else None


QUOTED = re.compile(r"'([^']+)'")


def quoted_name(message: str) -> str | None:
    """The first quoted name in an error message ('first_name' is missing ...)."""
    found = QUOTED.search(message)
    return found.group(1) if found else None
