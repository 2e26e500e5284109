"""The scale path: data sets larger than memory stream from sorted runs on disk."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from cadence.demo import generate, ids
from cadence.demo.runs import SortedRuns
from tests.demo.conftest import NOW


def test_spilled_runs_give_exactly_the_in_memory_sequence() -> None:
    in_memory = list(generate(seed=3, accounts=12, contacts=150, now=NOW))
    spilled = list(generate(seed=3, accounts=12, contacts=150, now=NOW, run_size=200))
    assert spilled == in_memory


def test_runs_merge_level_by_level_in_order(tmp_path: Path) -> None:
    runs = SortedRuns(directory=tmp_path, fan_in=3)
    drafts = [
        (at, ids.message_id(seed=1, visitor=f"v{base}", seq=0), {"n": at})
        for base, at in ((7, 5), (3, 5), (1, 9), (2, 1), (9, 4), (4, 4), (8, 0), (6, 7))
    ]
    for start in range(0, len(drafts), 1):
        runs.add(drafts[start : start + 1])
        assert len(list(tmp_path.iterdir())) <= 4
    expected = [message for _, _, message in sorted(drafts, key=lambda d: (d[0], d[1]))]
    assert list(runs.messages()) == expected


def _peak_bytes(*, accounts: int, contacts: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(
            1 for _ in generate(accounts=accounts, contacts=contacts, now=NOW, run_size=500)
        )
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_the_data_set_doubles() -> None:
    small_count, small_peak = _peak_bytes(accounts=12, contacts=120)
    large_count, large_peak = _peak_bytes(accounts=24, contacts=240)
    assert large_count > 1.7 * small_count
    assert large_peak < 1.6 * small_peak
