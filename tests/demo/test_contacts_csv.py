"""The contacts CSV: deterministic, unique emails, bad rows on request, streamed."""

from __future__ import annotations

import csv
import re
import tracemalloc
from pathlib import Path

import pytest

from cadence.demo import CSV_HEADER, write_contacts_csv
from cadence.demo.contacts_csv import is_bad_row

VALID = re.compile(r"^[a-z0-9._]+@[a-z0-9-]+\.example$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == CSV_HEADER
        return list(reader)


def test_rows_are_realistic_and_emails_unique(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_csv(path, rows=2000, seed=5)
    rows = _rows(path)
    assert len(rows) == 2000
    assert all(VALID.match(row["email"]) for row in rows)
    assert len({row["email"] for row in rows}) == 2000
    assert {"email", "first_name", "last_name", "company", "country", "city"} <= set(CSV_HEADER)
    assert all(row["first_name"] and row["company"] and row["country"] for row in rows)
    assert 0.3 < sum(not row["phone"] for row in rows) / len(rows) < 0.6
    assert 0.03 < sum(not row["job_title"] for row in rows) / len(rows) < 0.2
    assert len({row["company"] for row in rows}) > 500


def test_same_seed_same_file_other_seed_other_file(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_contacts_csv(first, rows=300, seed=1, bad_fraction=0.05)
    write_contacts_csv(again, rows=300, seed=1, bad_fraction=0.05)
    write_contacts_csv(other, rows=300, seed=2, bad_fraction=0.05)
    assert first.read_bytes() == again.read_bytes() != other.read_bytes()


@pytest.mark.parametrize(("rows", "fraction"), [(1000, 0.01), (997, 0.05), (50, 0.0)])
def test_bad_rows_appear_at_the_requested_fraction(
    tmp_path: Path, rows: int, fraction: float
) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_csv(path, rows=rows, seed=9, bad_fraction=fraction)
    data = _rows(path)
    bad = [index for index, row in enumerate(data) if not VALID.match(row["email"])]
    assert len(bad) == int(rows * fraction)
    assert bad == [index for index in range(rows) if is_bad_row(index, bad_fraction=fraction)]
    if bad:
        assert any(data[index]["email"] == "" for index in bad)
        assert any(data[index]["email"] != "" for index in bad)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad_fraction"):
        write_contacts_csv(tmp_path / "x.csv", rows=10, seed=1, bad_fraction=1.5)


def _peak(path: Path, rows: int) -> int:
    tracemalloc.start()
    try:
        write_contacts_csv(path, rows=rows, seed=3, bad_fraction=0.01)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writing_streams_in_flat_memory(tmp_path: Path) -> None:
    """Twenty times the rows, the same peak: nothing grows with the file (tracemalloc makes
    each row several times slower, so 100k rows stand in for the million of the benchmark)."""
    small = _peak(tmp_path / "small.csv", 5_000)
    large = _peak(tmp_path / "large.csv", 100_000)
    assert (tmp_path / "large.csv").stat().st_size > 19 * (tmp_path / "small.csv").stat().st_size
    assert large < 1.2 * small + 256 * 1024
    assert large < 4_000_000
