"""The console's pure parts: sign-in throttling, roles, sparklines, heat levels, graph layout."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cadence.console.charts import heat_rows, shade, sparkline
from cadence.console.graph import layout
from cadence.console.models import GRANTS, Permission, Role, allowed, retry_after

WINDOW = 900_000


@given(
    st.lists(st.integers(min_value=0, max_value=2 * WINDOW), max_size=30),
    st.integers(min_value=1, max_value=8),
)
def test_retry_after_frees_exactly_when_enough_failures_leave_the_window(
    failures: list[int], limit: int
) -> None:
    now = 2 * WINDOW
    wait = retry_after(failures=failures, limit=limit, window_ms=WINDOW, now=now)
    in_window = [t for t in failures if now - t < WINDOW]
    assert (wait is None) == (len(in_window) < limit)
    if wait is not None:
        later = now + wait
        assert wait > 0
        left = [t for t in failures if later - t < WINDOW]
        assert len(left) < limit  # allowed again at that moment
        just_before = [t for t in failures if later - 1 - t < WINDOW]
        assert len(just_before) >= limit  # and not a millisecond earlier


def test_roles() -> None:
    assert GRANTS[Role.ADMIN] == frozenset(Permission)
    assert allowed(Role.SALES, Permission.LEAD_ACTIONS)
    assert not allowed(Role.MARKETER, Permission.LEAD_ACTIONS)
    assert not allowed(Role.MARKETER, Permission.MANAGE_USERS)
    assert GRANTS[Role.READ_ONLY] == {Permission.VIEW}


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=60))
def test_sparkline_stays_inside_its_box(values: list[float]) -> None:
    line = sparkline(values, width=120, height=28)
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert len(points) == len(values)
    assert all(0 <= x <= 120 and 0 <= y <= 28 for x, y in points)
    assert points[0][0] == 0 and (len(points) == 1 or round(points[-1][0]) == 120)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_heat_levels(count: int, highest: int) -> None:
    level = shade(count, highest=max(count, highest))
    assert 0 <= level <= 5
    assert (level == 0) == (count == 0)


def test_heat_rows_keep_grade_and_band_order() -> None:
    rows = heat_rows({"A1": 4, "E5": 8}, grades="AE", bands=[1, 5])
    assert rows == [("A", [("A1", 4, 3), ("A5", 0, 0)]), ("E", [("E1", 0, 0), ("E5", 8, 5)])]


def test_graph_layout_puts_steps_in_columns_by_distance() -> None:
    drawn = layout(
        order=[("start", "random"), ("a", "send"), ("b", "wait"), ("end", "goal")],
        targets={
            "start": [("branches", "a"), ("branches", "b")],
            "a": [("next", "end")],
            "b": [("next", "end")],
            "end": [],
        },
        labels={"a": "3 passed"},
    )
    xs = {n.id: n.x for n in drawn.nodes}
    assert xs["start"] < xs["a"] == xs["b"] < xs["end"]
    assert len(drawn.edges) == 4 and drawn.nodes[1].label == "3 passed"
    assert all(0 < e.x1 <= drawn.width and 0 < e.y2 <= drawn.height for e in drawn.edges)
