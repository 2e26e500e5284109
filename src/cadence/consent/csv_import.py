"""CSV import of consent: a column per ``channel:topic`` (topic ``*`` = the whole channel).

The file names each contact by an ``email``, ``user_id`` or ``contact_id`` column; the
contact must exist (import contacts first). Cells read ``granted`` (also yes, y, true, 1,
x) or ``withdrawn`` (also no, n, false, 0); an empty cell changes nothing. Optional
columns ``consented_at`` (ISO 8601, when the person agreed; default: the import time),
``ip`` and ``user_agent`` add evidence. The source, basis and exact wording apply to the
whole file and are required. Other columns are ignored and listed in the report. Bad rows
are reported with their line, the rest is kept; a bad header writes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, select

from cadence.consent import store
from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Action, Basis, Source
from cadence.consent.service import record_entries
from cadence.contacts.profile import normalise_email
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import identities
from cadence.db.types import to_millis
from cadence.errors import FieldError, InputError, NotFound
from cadence.segments.membership import Touch, update_memberships

KEYS: Final = ("email", "user_id", "contact_id")
EVIDENCE: Final = ("consented_at", "ip", "user_agent")
_YES: Final = frozenset({"granted", "yes", "y", "true", "1", "x"})
_NO: Final = frozenset({"withdrawn", "no", "n", "false", "0"})


@dataclass(frozen=True, kw_only=True)
class FileTerms:
    """What applies to every row: how the consent was obtained."""

    source: Source
    basis: Basis
    wording: str


@dataclass
class ConsentImportReport:
    rows: int = 0
    contacts: int = 0
    entries: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "contacts": self.contacts,
            "entries": self.entries,
            "rejected": len(self.errors),
            "ignored_columns": self.ignored_columns,
            "errors": sorted(self.errors, key=lambda e: int(e["line"])),
        }


@dataclass(frozen=True)
class Plan:
    key: tuple[int, str]  # column index, key kind
    consents: tuple[tuple[int, str, str], ...]  # column index, channel, topic
    evidence: dict[str, int]
    ignored: tuple[str, ...]
    width: int


def plan_header(header: Sequence[str], *, config: PermissionConfig) -> Plan:
    """Which column is the contact key, which are consents; InputError naming each bad one."""
    names = [h.strip() for h in header]
    errors: list[FieldError] = []
    keys = [(i, n.lower()) for i, n in enumerate(names) if n.lower() in KEYS]
    if len(keys) != 1:
        errors.append(FieldError("header", "needs exactly one of: email, user_id, contact_id"))
    consents: list[tuple[int, str, str]] = []
    evidence: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(names):
        channel, colon, topic = name.partition(":")
        if colon:
            channel, topic = channel.strip().lower(), topic.strip().lower()
            if channel not in config.channels:
                errors.append(FieldError(f"header.{name}", f"unknown channel {channel!r}"))
            elif topic != ALL_TOPICS and topic not in config.topics:
                errors.append(FieldError(f"header.{name}", f"unknown topic {topic!r}"))
            consents.append((index, channel, topic))
        elif name.lower() in EVIDENCE:
            evidence[name.lower()] = index
        elif name.lower() not in KEYS:
            ignored.append(name)
    if not consents:
        errors.append(FieldError("header", "no consent column (name them channel:topic)"))
    if errors:
        raise InputError(errors)
    return Plan(keys[0], tuple(consents), evidence, tuple(ignored), len(names))


def row_entries(
    plan: Plan, values: Sequence[str], *, terms: FileTerms, contact_id: int, now: int
) -> list[LedgerEntry]:
    """The entries one row asks for; ValueError with a readable reason."""
    at = now
    if "consented_at" in plan.evidence and values[plan.evidence["consented_at"]].strip():
        raw = values[plan.evidence["consented_at"]].strip()
        try:
            at = to_millis(datetime.fromisoformat(raw))
        except ValueError:
            raise ValueError(f"consented_at: {raw!r} is not an ISO 8601 time") from None
        if at > now:
            raise ValueError("consented_at: in the future")
    ip = _cell(plan, values, "ip", 64)
    agent = _cell(plan, values, "user_agent", 1000)
    entries = []
    for index, channel, topic in plan.consents:
        cell = values[index].strip().lower()
        if not cell:
            continue
        if cell not in _YES | _NO:
            raise ValueError(
                f"{channel}:{topic}: {values[index]!r} is neither granted nor withdrawn"
            )
        granted = cell in _YES
        entries.append(
            LedgerEntry(
                contact_id=contact_id,
                channel=channel,
                topic=topic,
                action=Action.GRANTED if granted else Action.WITHDRAWN,
                source=terms.source,
                at=at,
                basis=terms.basis if granted else None,
                wording=terms.wording,
                ip=ip,
                user_agent=agent,
            )
        )
    return entries


def _cell(plan: Plan, values: Sequence[str], name: str, limit: int) -> str | None:
    if name not in plan.evidence:
        return None
    return values[plan.evidence[name]].strip()[:limit] or None


def find_contact(uow: UnitOfWork, *, kind: str, value: str) -> int:
    """The contact a key cell names (merged ids lead to their survivor)."""
    if kind == "contact_id":
        if not value.isdigit():
            raise ValueError(f"contact_id: {value!r} is not a number")
        return store.family(uow, contact_id=int(value)).contact_id
    if kind == "email":
        email = normalise_email(value)
        if email is None:
            raise ValueError(f"email: {value!r} is not an email address")
        value = email
    row = uow.conn.execute(
        select(identities.c.contact_id).where(
            identities.c.kind == kind, identities.c.value == value
        )
    ).first()
    if row is None:
        raise NotFound("contact", kind)
    return store.family(uow, contact_id=row[0]).contact_id


def import_consents(
    engine: Engine,
    lines: Iterable[str],
    *,
    terms: FileTerms,
    now: Callable[[], int],
    chunk_size: int = 500,
) -> ConsentImportReport:
    """Record every good row, one transaction per chunk of rows."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise InputError([FieldError("file", "empty file; the first line must be a header")])
    with unit_of_work(engine, write=False) as uow:
        plan = plan_header(header, config=store.load_config(uow))
    report = ConsentImportReport(ignored_columns=list(plan.ignored))
    chunk: list[tuple[int, list[str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        report.rows += 1
        chunk.append((reader.line_num, values))
        if len(chunk) >= chunk_size:
            _commit(engine, plan, chunk, terms=terms, now=now(), report=report)
            chunk = []
    if chunk:
        _commit(engine, plan, chunk, terms=terms, now=now(), report=report)
    return report


def _commit(
    engine: Engine,
    plan: Plan,
    chunk: list[tuple[int, list[str]]],
    *,
    terms: FileTerms,
    now: int,
    report: ConsentImportReport,
) -> None:
    with unit_of_work(engine) as uow:
        touched: dict[int, Touch] = {}
        for line, values in chunk:
            try:
                if len(values) != plan.width:
                    raise ValueError(f"expected {plan.width} columns, found {len(values)}")
                kind = plan.key[1]
                contact_id = find_contact(uow, kind=kind, value=values[plan.key[0]].strip())
                entries = row_entries(plan, values, terms=terms, contact_id=contact_id, now=now)
                if entries:
                    record_entries(
                        uow, contact_id=contact_id, entries=entries, now=now, update_segments=False
                    )
                    touched[contact_id] = Touch(consent=True, cause="consent imported")
                    report.contacts += 1
                    report.entries += len(entries)
            except NotFound as error:
                report.errors.append(
                    {"line": line, "reason": f"no contact with this {error.field}"}
                )
            except ValueError as error:  # LedgerError is one
                report.errors.append({"line": line, "reason": str(error)})
            except InputError as error:
                report.errors.append({"line": line, "reason": error.message})
        update_memberships(uow, touched, now=now)  # one pass per chunk
