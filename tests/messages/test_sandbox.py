"""The template sandbox and save-time checks, without storage: pure values in, text out."""

from __future__ import annotations

from typing import Any

import pytest

from cadence.messages.checks import check_template
from cadence.messages.context import NAMES, sample_context, template_context
from cadence.messages.models import MessageLinks
from cadence.messages.render import RenderFailed, render_template

LINKS = MessageLinks(preferences="https://x.test/p/t?a=1&b=2", unsubscribe="https://x.test/u/t")


def contact(**traits: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "email": "ann@example.com",
        "traits": traits,
        "accounts": [{"id": 1, "name": "Acme", "primary": True, "traits": {"plan": "pro"}}],
        "segments": ["emea"],
    }


def render(source: str, *, html: bool = False, **traits: Any) -> str:
    context = template_context(contact=contact(**traits), recent_events=[], links=LINKS)
    return render_template(source, html=html, context=context, field="html" if html else "text")


def problems(source: str, *, html: bool = False) -> list[str]:
    return [str(p) for p in check_template(source, html=html, names=NAMES, sample=sample_context())]


def test_traits_account_links_and_segments_render() -> None:
    source = (
        "{{ contact.traits.first_name }} at {{ account.name }} ({{ account.traits.plan }}), "
        "{% if 'emea' in segments %}EMEA{% endif %} {{ links.unsubscribe }}"
    )
    assert render(source, first_name="Ann") == "Ann at Acme (pro), EMEA https://x.test/u/t"


def test_defaults_and_first_name_fill_missing_null_and_blank_values() -> None:
    source = "Hello {{ contact.traits.first_name | default('there') }},"
    assert render(source) == "Hello there,"
    assert render(source, first_name=None) == "Hello there,"
    assert render(source, first_name="  ") == "Hello there,"
    assert render(source, first_name="Ann") == "Hello Ann,"
    assert render("{{ contact.traits.address.city | default('your city') }}") == "your city"
    assert render("Hi {{ first_name() }}!", firstName="Bo") == "Hi Bo!"
    assert render("Hi {{ first_name() }}!", name="Cy Young") == "Hi Cy!"
    assert render("Hi {{ first_name('friend') }}!", first_name="") == "Hi friend!"
    assert render("{% if contact.traits.vip %}VIP{% else %}regular{% endif %}") == "regular"


def test_a_missing_value_is_never_printed_as_empty() -> None:
    with pytest.raises(RenderFailed) as failure:
        render("Hello\n{{ contact.traits.first_name }},")
    assert failure.value.line == 2
    assert "'first_name' has no value" in str(failure.value)
    with pytest.raises(RenderFailed, match="no value"):
        render("Hello {{ contact.traits.first_name }},", first_name=None)


def test_html_parts_are_autoescaped_and_text_parts_are_not() -> None:
    name = '<script>alert("x")</script>'
    assert render("<p>{{ contact.traits.name }}</p>", html=True, name=name) == (
        "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>"
    )
    assert render('<a href="{{ links.preferences }}">', html=True) == (
        '<a href="https://x.test/p/t?a=1&amp;b=2">'
    )
    assert render("{{ contact.traits.name }}", name=name) == name
    assert problems("{{ contact.email | safe }}", html=True) == [
        "line 1, column 20: No filter named 'safe'."
    ]
    assert problems("{% autoescape false %}{{ contact.email }}{% endautoescape %}", html=True) == [
        "line 1, column 4: autoescape cannot be switched off"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "{{ contact.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ contact.traits.__class__.__init__.__globals__ }}",
        "{{ contact.items() }}",
        "{{ contact.traits.keys() }}",
        "{{ 'abc'.upper() }}",
        "{{ links.unsubscribe.replace('u', 'p') }}",
        "{{ contact|attr('__class__') }}",
        "{% include 'secrets.txt' %}",
        "{% import 'macros.html' as m %}",
        "{% extends 'base.html' %}",
        "{{ self }}",
        "{{ range(10) }}",
        "{{ cycler }}",
        "{{ lipsum() }}",
    ],
)
def test_sandbox_escapes_are_refused_at_save(source: str) -> None:
    found = problems(source)
    assert found and all(p.startswith("line 1, column ") for p in found)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("{{ contact['__class__'] | default('x') }}", None),  # a key of the data, nothing more
        ("{{ contact.email['__class__'] }}", "cannot read '__class__' of a str"),
        ("{{ segments | map(attribute='__class__') | list }}", "cannot read '__class__' of a str"),
        ("{{ (contact.email|list)[0]['__len__'] }}", "cannot read '__len__' of a str"),
        ("{{ 'x' * 1000000 }}", "a value longer than 100000"),
        ("{{ 9 ** 999999 }}", "exponents above 64"),
        ("{% set f = contact.email %}{{ f.__class__ }}", "names starting with _"),
    ],
)
def test_escapes_that_get_past_the_checks_fail_safely_when_rendered(
    source: str, error: str | None
) -> None:
    if error is None:
        assert render(source, html=True) == "x"
        return
    with pytest.raises(RenderFailed, match=error):
        render(source)


def test_calling_anything_but_helpers_and_macros_is_refused_at_render_too() -> None:
    context = template_context(contact=contact(), recent_events=[], links=LINKS)
    context["contact"] = {**context["contact"], "method": str.upper}
    with pytest.raises(RenderFailed, match="only first_name"):
        render_template("{{ contact.method('a') }}", html=False, context=context, field="text")
    macro = "{% macro hi(n) %}Hi {{ n }}{% endmacro %}{{ hi(first_name()) }}"
    assert render(macro, first_name="Ann") == "Hi Ann"
    loop = "{% for s in segments %}{{ loop.index }}{{ loop.cycle('a', 'b') }}{% endfor %}"
    assert render(loop) == "1a"
    tree = "{% for s in segments recursive %}<{{ s }}{{ loop([]) }}>{% endfor %}"
    assert render(tree) == "<emea>"


def test_syntax_errors_carry_line_and_column() -> None:
    assert problems("Hello {{ contact.email }") == ["line 1, column 24: unexpected '}'"]
    assert problems("a\nb {{ contact.email + }}") == [
        "line 2, column 22: unexpected 'end of print statement'"
    ]
    assert problems("x\n  {% iff contact %}") == [
        "line 2, column 6: Encountered unknown tag 'iff'."
    ]
    assert problems("line\n{{ contact.email $ }}") == ["line 2, column 18: unexpected char '$'"]
    [unclosed] = problems("one\n{% if contact %}yes")
    assert unclosed.startswith("line 2, column 20: Unexpected end of template")


def test_unknown_variables_filters_and_tests_carry_line_and_column() -> None:
    assert problems("Hi\n  {{ contct.email }}") == [
        "line 2, column 6: unknown variable 'contct'; did you mean 'contact'? "
        "templates see account, contact, first_name, links, recent_events, segments"
    ]
    assert problems("{{ contact.email | shout }}") == [
        "line 1, column 20: No filter named 'shout'."
    ]
    assert problems("{% if contact is shiny %}{% endif %}") == [
        "line 1, column 18: No test named 'shiny' found."
    ]
    assert (
        problems(
            "{% set who = contact.email %}{{ who }}{% for e in recent_events %}{{ e.name }}"
            "{% endfor %}"
        )
        == []
    )


def test_values_some_contacts_lack_are_refused_at_save_unless_defaulted() -> None:
    assert problems("Dear {{ contact.traits.first_name }},") == [
        "line 1, column 24: 'first_name' has no value; give it a fallback with | default('...')"
    ]
    assert problems("{{ account.name }}")[0].startswith("line 1, column 4: 'account' has no value")
    assert problems("{{ contact.purchases.last_at }}")[0].startswith("line 1, column 22:")
    assert problems("{{ contact.traits.age + 1 }}")[0].startswith("line 1, column 19:")
    assert (
        problems("{{ (contact.traits.age | default(0)) + 1 }} {{ account.name | d('you') }}") == []
    )
