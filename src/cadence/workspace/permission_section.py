"""The ``topics:``, ``channels:``, ``frequencies:`` and ``consent:`` sections.

The applied sections are kept as one JSON document (``meta`` key ``permission.config``);
every consent use case reads them from there. A section left out of the file takes its
default. When the consent rules or frequencies change, every contact's stored consent is
re-folded from the ledger under the new rules (the gate always folds with the current ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select

from cadence.consent import store
from cadence.consent.config import ConfigError, PermissionConfig, parse_config
from cadence.consent.service import refold
from cadence.db.engine import UnitOfWork
from cadence.db.tables import consent_heads
from cadence.errors import FieldError
from cadence.workspace.sections import Section, register

KEYS: Final = ("topics", "channels", "frequencies", "consent")
Parsed = tuple[dict[str, Any], PermissionConfig | None]


def read(raw: Mapping[str, Any]) -> tuple[Parsed, list[FieldError]]:
    document = {key: raw[key] for key in KEYS if key in raw}
    try:
        return (document, parse_config(workspace=document)), []
    except ConfigError as error:
        return (document, None), [FieldError(path, message) for path, message in error.problems]


def plan(uow: UnitOfWork, parsed: Parsed) -> dict[str, Any]:
    wanted, _ = parsed
    stored = store.stored_config_document(uow) or {}
    changed = sorted(key for key in KEYS if wanted.get(key) != stored.get(key))
    unchanged = sorted(key for key in KEYS if key in wanted and key not in changed)
    return {"updated": changed, "unchanged": unchanged}


def apply(uow: UnitOfWork, parsed: Parsed, now: int) -> dict[str, Any]:
    wanted, config = parsed
    assert config is not None, "read reported the errors"
    before = store.load_config(uow)
    result = plan(uow, parsed)
    store.save_config(uow, document=wanted)
    refolded = 0
    if (before.consent, before.frequencies) != (config.consent, config.frequencies):
        refolded = refold_everyone(uow, config=config, now=now)
    return {**result, "refolded_contacts": refolded}


def refold_everyone(uow: UnitOfWork, *, config: PermissionConfig, now: int) -> int:
    """Store every contact's consent as folded under ``config``; the number of contacts."""
    done: set[int] = set()
    for contact_id in list(uow.conn.scalars(select(consent_heads.c.contact_id))):
        family = store.family(uow, contact_id=contact_id, lock=True)
        if family.contact_id not in done:
            refold(uow, family=family, config=config, now=now)
            done.add(family.contact_id)
    return len(done)


def export(uow: UnitOfWork) -> dict[str, Any]:
    return store.stored_config_document(uow) or {}


SECTION = register(
    Section(
        name="permission",
        keys=KEYS,
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=50,  # before segments, whose consent conditions name these topics
    )
)
