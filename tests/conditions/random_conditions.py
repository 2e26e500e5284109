"""Hypothesis strategies for random, valid conditions in their written (dict) form."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cadence.conditions.fields import FIELDS, Kind
from cadence.conditions.models import ORDERING, Op
from cadence.conditions.operands import OPS_BY_KIND
from tests.conditions.worlds import CHANNELS, EVENT_NAMES, NUMBERS, SEGMENT_KEYS, TEXTS, TRAIT_KEYS

REGEXES = [
    "^D", "E$", r"acme\.com$", "[0-9]+", "^[A-Z]{2}$", "a.b", "^$", "(?:DE|FR)",
    r"\d{3}", "b$", r"^[^@]+@", "c+o?", "Ü", r"\s",
]  # fmt: skip
DATES = [
    "2024-05-01", "2024-05-31T10:00:00Z", "-30d", "-7d", "+1d", "now", "-12h",
    "2024-06-01T11:00:00+02:00", "-2w",
]  # fmt: skip
FIELD_TEXTS = ["A", "B", "E", "lead", "mql", "ann", "bob", "ann@acme.com", "acme", ""]
DYNAMIC = [f"traits.{key}" for key in [*TRAIT_KEYS, "missing"]] + [
    f"account.{key}" for key in ("employees", "country", "tags", "missing")
]

scalars = st.one_of(st.sampled_from(TEXTS), st.sampled_from(NUMBERS), st.booleans())
field_numbers = st.one_of(st.sampled_from([0, 1, 2, 3, 5, 30, 50, 99.5]), st.sampled_from(NUMBERS))


def _value(kind: Kind | None, op: Op) -> st.SearchStrategy[Any]:
    if op is Op.MATCHES:
        return st.sampled_from(REGEXES)
    if kind is Kind.DATE:
        return st.sampled_from(DATES)
    if kind is Kind.NUMBER:
        single: st.SearchStrategy[Any] = field_numbers
    elif kind is Kind.TEXT:
        single = st.sampled_from(FIELD_TEXTS)
    elif op in ORDERING:
        single = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES))
    else:
        single = scalars
    if op in (Op.IN, Op.NOT_IN):
        return st.lists(single, min_size=1, max_size=3)
    return single


@st.composite
def field_leaves(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from([*DYNAMIC, *FIELDS]))
    kind = FIELDS[name].kind if name in FIELDS else None
    op = draw(st.sampled_from(OPS_BY_KIND[kind]))
    leaf: dict[str, Any] = {"field": name, "op": op.value}
    if op not in (Op.EXISTS, Op.NOT_EXISTS):
        leaf["value"] = draw(_value(kind, op))
    return leaf


where_filters = st.dictionaries(
    st.sampled_from(["campaign", "amount", "due", "products"]),
    st.one_of(
        scalars,
        st.lists(scalars, min_size=1, max_size=2),
        st.fixed_dictionaries({"op": st.just("gt"), "value": st.sampled_from([0, 5, 0.1])}),
        st.fixed_dictionaries({"op": st.just("lt"), "value": st.sampled_from(DATES)}),
        st.fixed_dictionaries({"op": st.sampled_from(["exists", "not_exists"])}),
        st.fixed_dictionaries({"op": st.just("ne"), "value": scalars}),
        st.fixed_dictionaries({"op": st.just("contains"), "value": scalars}),
    ),
    max_size=2,
)
windows = st.sampled_from([None, 1, 7, 30, 0.5])


@st.composite
def event_leaves(draw: st.DrawFn) -> dict[str, Any]:
    leaf: dict[str, Any] = {"event": draw(st.sampled_from(EVENT_NAMES))}
    where = draw(where_filters)
    if where:
        leaf["where"] = where
    low, high = draw(st.sampled_from([None, 0, 1, 2, 3])), draw(st.sampled_from([None, 0, 1, 2]))
    if low is not None and high is not None and low > high:
        low, high = high, low
    for key, value in (("min", low), ("max", high), ("within_days", draw(windows))):
        if value is not None:
            leaf[key] = value
    return leaf


@st.composite
def bought_leaves(draw: st.DrawFn) -> dict[str, Any]:
    spec = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "product": st.sampled_from(["p1", 7, "S-1", "Shoe", "7"]),
                "category": st.sampled_from(["shoes", 3]),
            },
        ).filter(bool)
    )
    leaf: dict[str, Any] = {"bought": spec}
    window = draw(windows)
    if window is not None:
        leaf["within_days"] = window
    return leaf


consent_leaves = st.fixed_dictionaries(
    {
        "consent": st.fixed_dictionaries(
            {"channel": st.sampled_from(CHANNELS)},
            optional={
                "topic": st.sampled_from(["offers", "news", "*"]),
                "status": st.sampled_from(["granted", "paused", "expired", "withdrawn", "pending"]),
            },
        )
    }
)
segment_leaves = st.fixed_dictionaries({"segment": st.sampled_from(SEGMENT_KEYS)})
leaves = st.one_of(field_leaves(), event_leaves(), bought_leaves(), consent_leaves, segment_leaves)


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda items: {"all": items}),
            st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
            children.map(lambda item: {"not": item}),
        ),
        max_leaves=6,
    )
