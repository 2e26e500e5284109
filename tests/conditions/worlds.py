"""Hypothesis strategies: random contact histories and random conditions.

Values are drawn from small pools that hit the edges of the type semantics
(numeric strings, bad dates, booleans, arrays, missing keys) and times
cluster on window and day boundaries, where evaluators most easily differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from cadence.db.types import to_millis

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NOW_MS = to_millis(NOW)
DAY = 86_400_000

TRAIT_KEYS = ["country", "plan", "employees", "signup", "tags", "vip"]
EVENT_NAMES = ["Email Clicked", "Demo Requested", "Order Completed", "Unsubscribed"]
CHANNELS = ["email", "sms"]
TOPICS = ["offers", "news", "*"]
SEGMENT_KEYS = ["alpha", "beta"]
TEXTS = [
    "DE", "FR", "de", "", "1000", "-2.5", "+7", "12abc", "1e3", " 5",
    "2024-05-01", "2024-05-31T10:00:00Z", "2024-05-31 23:59:59.999+02:00", "2024-02-30",
    "2024-02-29T00:00", "x@acme.com", "Acme Corp", "Ünïcode", "a\nb", "spring", "7\n",
    "2024-05-01\n",
]  # fmt: skip
NUMBERS = [0, 1, 2, 5, 1000, -2.5, 0.1, 2.5, 1e-7, 123456.789]
BOUNDARIES = [0, -1, 1, -DAY, -7 * DAY, -7 * DAY + 1, -30 * DAY, -30 * DAY - 1, -90 * DAY, DAY]


def offsets() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(BOUNDARIES), st.integers(-100 * DAY, 3 * DAY))


def times() -> st.SearchStrategy[int]:
    return offsets().map(lambda offset: NOW_MS + offset)


def optional_times() -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), times())


numbers = st.one_of(
    st.sampled_from(NUMBERS), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 2000)
)
scalars = st.one_of(st.sampled_from(TEXTS), numbers, st.booleans(), st.none())
json_values = st.one_of(
    scalars, st.lists(st.one_of(st.sampled_from(TEXTS), numbers, st.booleans()), max_size=3)
)
documents = st.dictionaries(st.sampled_from(TRAIT_KEYS), json_values, max_size=5)


def products() -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {},
        optional={
            "product_id": st.sampled_from(["p1", "p2", 7]),
            "sku": st.sampled_from(["S-1", "7"]),
            "name": st.sampled_from(["Shoe", "Hat"]),
            "category": st.sampled_from(["shoes", "hats", 3]),
        },
    )
    return st.one_of(st.lists(st.one_of(item, st.sampled_from(["p1", 7])), max_size=3), scalars)


@dataclass
class Contact:
    traits: dict[str, Any]
    columns: dict[str, Any]
    events: list[tuple[str, int, dict[str, Any]]]
    consents: dict[tuple[str, str], tuple[str, int | None, int | None]]
    accounts: dict[int, bool] = field(default_factory=dict)  # account index -> is_primary
    segments: set[str] = field(default_factory=set)


@dataclass
class World:
    contacts: list[Contact]
    accounts: list[dict[str, Any]]


columns = st.fixed_dictionaries(
    {
        "score": st.one_of(st.sampled_from([0.0, 10.0, 50.0, 100.0]), st.floats(-10, 500)),
        "score_as_of": optional_times(),
        "band": st.integers(1, 5),
        "fit": st.floats(0, 100),
        "grade": st.sampled_from("ABCDE"),
        "lifecycle_stage": st.sampled_from(["lead", "mql", "sql", "customer"]),
        "owner": st.sampled_from([None, "ann", "bob"]),
        "profile_level": st.integers(0, 3),
        "predicted_conversion": st.one_of(st.none(), st.sampled_from([0.1, 0.5]), st.floats(0, 1)),
        "email": st.sampled_from([None, "ann@acme.com", "bob@example.org", "x\n@acme.com"]),
        "first_seen_at": optional_times(),
        "last_seen_at": optional_times(),
        "first_order_at": optional_times(),
        "last_order_at": optional_times(),
        "order_count": st.integers(0, 5),
        "revenue_total": st.sampled_from([0.0, 99.5, 1000.0]),
    }
)

properties = st.fixed_dictionaries(
    {},
    optional={
        "campaign": st.sampled_from(["spring", "summer", 1]),
        "amount": numbers | st.sampled_from(["10", "x"]),
        "due": st.sampled_from(["2024-05-01", "2024-06-01T11:00:00Z", "soon"]),
        "products": products(),
    },
)

consent_rows = st.dictionaries(
    st.tuples(st.sampled_from(CHANNELS), st.sampled_from(TOPICS)),
    st.tuples(
        st.sampled_from(["granted", "withdrawn", "pending", "expired"]),
        optional_times(),
        optional_times(),
    ),
    max_size=3,
)


@st.composite
def contacts_strategy(draw: st.DrawFn, account_count: int) -> Contact:
    links: dict[int, bool] = {}
    if account_count:
        indexes = draw(st.sets(st.integers(0, account_count - 1), max_size=2))
        links = {index: draw(st.booleans()) for index in indexes}
    event_list = draw(
        st.lists(st.tuples(st.sampled_from(EVENT_NAMES), times(), properties), max_size=6)
    )
    return Contact(
        traits=draw(documents),
        columns=draw(columns),
        events=event_list,
        consents=draw(consent_rows),
        accounts=links,
        segments=draw(st.sets(st.sampled_from(SEGMENT_KEYS))),
    )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    account_docs = draw(st.lists(documents, max_size=3))
    people = draw(st.lists(contacts_strategy(len(account_docs)), min_size=1, max_size=6))
    return World(contacts=people, accounts=account_docs)
