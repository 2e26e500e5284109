"""CSV import of contacts: streamed in chunks through the same pipeline as identify calls."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine

from cadence.contacts.profile import normalise_email
from cadence.contacts.service import is_suppressed
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.errors import FieldError, InputError
from cadence.events.spec import Event

SKIP = "-"
Pipeline = Callable[..., object]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    bad: list[BadRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "rejected": len(self.bad),
            "errors": [{"line": b.line, "reason": b.reason} for b in self.bad],
        }


def _column_name(header: str) -> str:
    return "_".join(header.strip().lower().split())


def plan_columns(header: Sequence[str], mapping: dict[str, str] | None) -> list[str]:
    """The trait each column feeds ("-" to skip); refuses headers it cannot map."""
    mapping = mapping or {}
    unknown = sorted(set(mapping) - set(header))
    errors = [FieldError(f"mapping.{name}", "no such column in the file") for name in unknown]
    targets = [mapping.get(h, _column_name(h)) for h in header]
    seen: set[str] = set()
    for index, target in enumerate(targets):
        if target == SKIP:
            continue
        if not target:
            errors.append(FieldError(f"header[{index}]", "empty column name; map it or skip it"))
        elif target in seen:
            errors.append(FieldError(f"header[{index}]", f"column {target!r} appears twice"))
        seen.add(target)
    if "email" not in seen and "user_id" not in seen:
        errors.append(FieldError("header", "the file needs an email or a user_id column"))
    if errors:
        raise InputError(errors)
    return targets


def _row_event(targets: list[str], values: list[str], now: int) -> Event | str:
    if len(values) != len(targets):
        return f"expected {len(targets)} columns, found {len(values)}"
    traits: dict[str, Any] = {}
    user_id: str | None = None
    for target, raw in zip(targets, values, strict=True):
        value = raw.strip()
        if target == SKIP or value == "":
            continue
        if target == "user_id":
            user_id = value
        else:
            traits[target] = value
    if "email" in traits:
        email = normalise_email(traits["email"])
        if email is None:
            return f"email: {traits['email']!r} is not an email address"
        traits["email"] = email
    elif user_id is None:
        return "no email and no user_id"
    digest = hashlib.sha256(
        orjson.dumps([user_id, traits], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    return Event(
        message_id=f"import-{digest[:40]}",
        type="identify",
        user_id=user_id,
        anonymous_id=None,
        ts=now,
        received_at=now,
        traits=traits,
    )


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, [f"\x00{error}"]
            continue
        yield reader.line_num, values


def import_contacts(
    engine: Engine,
    lines: Iterable[str],
    *,
    pipeline: Pipeline,
    now: Callable[[], int],
    mapping: dict[str, str] | None = None,
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every good row, one transaction per chunk; report each bad row with its line."""
    rows = _rows(lines)
    first = next(rows, None)
    if first is None:
        raise InputError([FieldError("file", "empty file; the first line must be a header")])
    targets = plan_columns(first[1], mapping)
    report = ImportReport()
    chunk: list[tuple[int, Event]] = []
    for line, values in rows:
        if not any(v.strip() for v in values):
            continue
        report.rows += 1
        if values and values[0].startswith("\x00"):
            report.bad.append(BadRow(line, f"unreadable CSV: {values[0][1:]}"))
            continue
        event = _row_event(targets, values, now())
        if isinstance(event, str):
            report.bad.append(BadRow(line, event))
            continue
        chunk.append((line, event))
        if len(chunk) >= chunk_size:
            _commit(engine, chunk, report, pipeline, now)
            if progress:
                progress(report.rows)
            chunk = []
    if chunk:
        _commit(engine, chunk, report, pipeline, now)
    if progress:
        progress(report.rows)
    report.bad.sort(key=lambda b: b.line)
    return report


def _commit(
    engine: Engine,
    chunk: list[tuple[int, Event]],
    report: ImportReport,
    pipeline: Pipeline,
    now: Callable[[], int],
) -> None:
    with unit_of_work(engine) as uow:
        blocked = _suppressed(uow, chunk)
        events = []
        for line, event in chunk:
            if event.traits.get("email") in blocked:
                report.bad.append(
                    BadRow(line, "email is on the suppression list (erased, bounced or complained)")
                )
            else:
                events.append(event)
        pipeline(uow, events, now=now())
    report.imported += len(events)


def _suppressed(uow: UnitOfWork, chunk: list[tuple[int, Event]]) -> set[str]:
    emails = [e.traits["email"] for _, e in chunk if "email" in e.traits]
    return is_suppressed(uow, emails) if emails else set()
