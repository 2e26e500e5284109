"""The sender's part of the workspace's ``channels:`` list: each channel's address traits.

The list itself (names, order) belongs to the permission section, which keeps and exports
it as written; this section only checks the ``address_traits`` of channels written as
mappings, so that a bad one is refused with its path before anything is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.consent import store
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.sending.addresses import AddressTraits, read_address_traits
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[AddressTraits, list[FieldError]]:
    return read_address_traits(raw.get("channels"))


def load(uow: UnitOfWork) -> AddressTraits:
    """The applied address traits (the convention when none were written)."""
    document = store.stored_config_document(uow) or {}
    traits, _ = read_address_traits(document.get("channels"))  # checked when applied
    return traits


def _nothing(*_: Any) -> dict[str, Any]:
    return {}


SECTION = register(
    Section(
        name="channel_addresses",
        keys=(),  # `channels:` is the permission section's; it stores and exports it
        read=read,
        plan=_nothing,
        apply=_nothing,
        export=_nothing,
        order=51,
    )
)
