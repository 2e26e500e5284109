"""Context features: declared fields, fixed length, deterministic."""

from __future__ import annotations

import json
import math
import zlib
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.decisions.features import (
    Categorical,
    DayOfYear,
    FeatureSpec,
    Flag,
    Memberships,
    Numeric,
    fit_vocabulary,
    lookup,
)


def spec() -> FeatureSpec:
    return FeatureSpec(
        fields=(
            Categorical(name="grade", vocabulary=("A", "B")),
            Categorical(name="traits.country", buckets=4),
            Numeric(name="score", center=50.0, scale=10.0, clip=2.0),
            Flag(name="customer"),
            Memberships(name="segments", vocabulary=("vip", "trial")),
            DayOfYear(name="day_of_year"),
        )
    )


def test_columns_line_up_with_the_vector() -> None:
    s = spec()
    assert s.dimension == 1 + 3 + 4 + 1 + 1 + 3 + 2
    assert s.columns() == [
        "<intercept>",
        "grade=A",
        "grade=B",
        "grade=<other>",
        "traits.country#0",
        "traits.country#1",
        "traits.country#2",
        "traits.country#3",
        "score",
        "customer",
        "segments=vip",
        "segments=trial",
        "segments=<other>",
        "day_of_year.sin",
        "day_of_year.cos",
    ]


def test_encodes_every_kind_of_field() -> None:
    s = spec()
    x = s.encode(
        context={
            "grade": "B",
            "traits": {"country": "DE"},
            "score": 75,
            "customer": True,
            "segments": ["trial", "newcomers"],
            "day_of_year": date(2024, 1, 1),
        }
    )
    named = dict(zip(s.columns(), x.tolist(), strict=True))
    assert named["<intercept>"] == 1.0
    assert (named["grade=A"], named["grade=B"], named["grade=<other>"]) == (0.0, 1.0, 0.0)
    bucket = zlib.crc32(b"traits.country\x1fDE") % 4
    assert [named[f"traits.country#{i}"] for i in range(4)] == [
        float(i == bucket) for i in range(4)
    ]
    assert named["score"] == 2.0  # (75 - 50) / 10 = 2.5, clipped to 2
    assert named["customer"] == 1.0
    assert (named["segments=vip"], named["segments=trial"], named["segments=<other>"]) == (0, 1, 1)
    assert (named["day_of_year.sin"], named["day_of_year.cos"]) == (0.0, 1.0)


def test_unknown_values_go_to_other_and_missing_values_to_zeros() -> None:
    s = spec()
    x = s.encode(context={"grade": "Z"})
    named = dict(zip(s.columns(), x.tolist(), strict=True))
    assert named["grade=<other>"] == 1.0
    assert sum(x) == 2.0  # the intercept and the "other" grade; nothing else was given
    assert s.encode(context={"score": None, "customer": None, "segments": None}).sum() == 1.0
    assert s.encode(context={"score": float("nan")}).sum() == 1.0


def test_odd_values_are_read_leniently() -> None:
    s = FeatureSpec(
        fields=(
            Numeric(name="n"),
            Flag(name="f"),
            Memberships(name="m", vocabulary=("a",)),
            DayOfYear(name="d"),
        ),
    )
    named = dict(
        zip(
            s.columns(),
            s.encode(context={"n": "2.5", "f": "false", "m": "a"}).tolist(),
            strict=True,
        )
    )
    assert (named["n"], named["f"], named["m=a"]) == (2.5, 0.0, 1.0)
    assert s.encode(context={"n": "many", "f": "Yes", "d": "spring"}).tolist() == [
        1.0,
        0.0,
        1.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    with pytest.raises(ValueError, match="unknown feature kind"):
        FeatureSpec.from_dict(data={"intercept": True, "fields": [{"kind": "image", "name": "x"}]})


def test_time_of_year_is_cyclic() -> None:
    field = DayOfYear(name="d")

    def at(value: object) -> np.ndarray:
        out = np.zeros(2)
        field.write(out=out, at=0, value=value)
        return out

    assert np.linalg.norm(at(date(2023, 12, 31)) - at(date(2024, 1, 1))) < 0.03
    assert np.linalg.norm(at(date(2024, 7, 1)) - at(date(2024, 1, 1))) > 1.9
    assert np.allclose(at(datetime(2024, 3, 1, 15, 0)), at(61))
    assert math.isclose(float(np.linalg.norm(at(200))), 1.0)


def test_hashing_does_not_depend_on_the_instance() -> None:
    a, b = Categorical(name="city", buckets=32), Categorical(name="city", buckets=32)
    values = [f"city-{i}" for i in range(100)]
    assert [a.column(value=v) for v in values] == [b.column(value=v) for v in values]
    assert len({a.column(value=v) for v in values}) > 20  # spread over the buckets


def test_exact_keys_win_over_dotted_paths() -> None:
    assert (
        lookup(
            context={"traits.persona": "flat", "traits": {"persona": "nested"}},
            name="traits.persona",
        )
        == "flat"
    )
    assert lookup(context={"traits": {"persona": "nested"}}, name="traits.persona") == "nested"
    assert lookup(context={"traits": "not a mapping"}, name="traits.persona") is None


def test_the_spec_round_trips_through_json() -> None:
    s = spec()
    again = FeatureSpec.from_dict(data=json.loads(json.dumps(s.to_dict())))
    context = {
        "grade": "A",
        "traits": {"country": "FR"},
        "score": 42.0,
        "segments": ["vip"],
        "day_of_year": 100,
    }
    assert again == s
    assert np.array_equal(again.encode(context=context), s.encode(context=context))


def test_learned_vocabulary_keeps_the_most_frequent_values() -> None:
    values = ["b", "a", "b", "c", "a", "b", None, "d", "d"]
    assert fit_vocabulary(values=values, max_size=3) == ("b", "a", "d")  # ties in text order
    assert fit_vocabulary(values=values, max_size=10, min_count=2) == ("b", "a", "d")
    assert fit_vocabulary(values=[True, False, True], max_size=1) == ("true",)


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="either a vocabulary"):
        Categorical(name="x", vocabulary=("a",), buckets=4)
    with pytest.raises(ValueError, match="either a vocabulary"):
        Categorical(name="x")
    with pytest.raises(ValueError, match="duplicates"):
        Categorical(name="x", vocabulary=("a", "a"))
    with pytest.raises(ValueError, match="unique"):
        FeatureSpec(fields=(Flag(name="x"), Numeric(name="x")))
    with pytest.raises(ValueError, match="positive"):
        Numeric(name="x", scale=0.0)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "grade": values,
            "score": st.one_of(st.none(), st.floats(), st.integers(-(10**9), 10**9)),
            "customer": values,
            "segments": st.lists(st.text(max_size=5), max_size=4),
            "day_of_year": st.integers(1, 366),
            "traits": st.fixed_dictionaries({}, optional={"country": values}),
        },
    )
)
def test_any_context_gives_a_finite_vector_of_the_declared_length(
    context: dict[str, object],
) -> None:
    s = spec()
    x = s.encode(context=context)
    assert x.shape == (s.dimension,)
    assert np.all(np.isfinite(x))
    assert x[0] == 1.0
    assert np.array_equal(x, s.encode(context=context))
