"""The portable regex subset: what it accepts, how it is spelled, and that engines agree."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, literal, select

from cadence.conditions.regex import RegexError, translate_regex
from cadence.db.sqlite_functions import regex_search

ACCEPTED = [
    "^DE$", r"acme\.com$", "a.b", "colou?r", "x{2}", "x{2,}", "x{1,3}?", "(?:de|fr)",
    "[a-z0-9_]+", "[^@]+@", r"[\]\-\\]", r"\d{5}", r"\W", r"[\s,]", "Ü+", "(ab)+", "(a|b)?",
    r"\t", "^$", "a*?b", r"[.-z]",
]  # fmt: skip
SUBJECTS = [
    "DE", "de", "acme.com", "acmeXcom", "a\nb", "color", "colour", "xx", "x", "fr",
    "user@acme.com", "12345", "1234", "]", "-", "\\", "tab\there", "ÜÜ", "", "abab", "line\n",
    "ab", "aab", " , ", "é",
]  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        (r"\bword", "differs"),
        (r"(a)\1", "differs"),
        ("(?i)de", "only (?:...)"),
        ("(?=a)", "only (?:...)"),
        ("[[:alpha:]]", "[:class:]"),
        ("a{", "literal '{'"),
        ("a}", "literal '}'"),
        ("*a", "nothing to repeat"),
        ("^*", "nothing to repeat"),
        ("a**", "already repeated"),
        ("(a+)+", "may not repeat"),
        ("(a|b)*", "may not repeat"),
        ("a{300}", "above 255"),
        ("a{3,1}", "minimum above"),
        ("[z-a]", "reversed"),
        ("[]", "empty"),
        ("(a", "never closed"),
        ("a)", "no matching"),
        ("", "empty"),
        ("x" * 201, "limited"),
        ("a\\", "lone backslash"),
        (r"[\D]", "not supported inside"),
    ],
)
def test_constructs_outside_the_subset_are_rejected(pattern: str, fragment: str) -> None:
    with pytest.raises(RegexError) as raised:
        translate_regex(pattern)
    assert fragment in str(raised.value)


def test_python_gets_dotall_and_an_absolute_end() -> None:
    regex = translate_regex("b$")
    assert regex.postgres == "b$"
    assert regex.python == "(?s)b\\Z"
    assert not regex_search(regex.python, "ab\n")  # Python's own `$` would match here
    assert regex_search(translate_regex("a.b").python, "a\nb")


def test_class_escapes_are_ascii_only() -> None:
    assert not regex_search(translate_regex(r"^\d$").python, "٣")  # an Arabic-Indic digit
    assert translate_regex(r"\d").postgres == "[0-9]"


def test_the_database_and_python_agree_on_every_accepted_pattern(engine: Engine) -> None:
    dialect = engine.dialect.name
    operator = "REGEXP" if dialect == "sqlite" else "~"
    with engine.connect() as conn:
        for pattern in ACCEPTED:
            regex = translate_regex(pattern)
            spelled = regex.python if dialect == "sqlite" else regex.postgres
            for subject in SUBJECTS:
                query = select(literal(subject).op(operator)(literal(spelled)))
                in_database = bool(conn.scalar(query))
                assert in_database == regex_search(regex.python, subject), (pattern, subject)
