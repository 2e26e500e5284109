"""Pictures computed on the server: sparklines and heat-map shades as plain values (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # the SVG polyline's points attribute
    last: float
    low: float
    high: float


def sparkline(values: Sequence[float], *, width: int = 120, height: int = 28) -> Sparkline:
    """A polyline through ``values``, scaled to the box (flat in the middle when constant)."""
    data = list(values) or [0.0]
    low, high = min(data), max(data)
    span = high - low
    step = width / max(1, len(data) - 1)
    pad = 2

    def y(v: float) -> float:
        if span == 0:
            return height / 2
        return pad + (height - 2 * pad) * (1 - (v - low) / span)

    points = " ".join(f"{i * step:.1f},{y(v):.1f}" for i, v in enumerate(data))
    return Sparkline(width, height, points, data[-1], low, high)


def shade(count: int, *, highest: int) -> int:
    """A heat level 0..5 for a cell (0 = empty), so the stylesheet, not inline style, colours it."""
    if count <= 0 or highest <= 0:
        return 0
    return 1 + min(4, int(4 * count / highest))


Cell = tuple[str, int, int]  # key ("A1"), count, heat level


def heat_rows(
    cells: dict[str, int], *, grades: Sequence[str], bands: Sequence[int]
) -> list[tuple[str, list[Cell]]]:
    """The matrix as rows (grade A first) of cells, each with its count and heat level."""
    highest = max(cells.values(), default=0)
    rows = []
    for grade in grades:
        keys = [f"{grade}{band}" for band in bands]
        rows.append(
            (grade, [(k, cells.get(k, 0), shade(cells.get(k, 0), highest=highest)) for k in keys])
        )
    return rows


def line_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """A Chart.js line chart configuration from server-computed series."""
    return {
        "type": "line",
        "data": {
            "labels": list(labels),
            "datasets": [{"label": name, "data": list(values)} for name, values in series.items()],
        },
    }


def bar_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], *, stacked: bool = False
) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {
            "labels": list(labels),
            "datasets": [{"label": name, "data": list(values)} for name, values in series.items()],
        },
        "stacked": stacked,
    }
