"""The one-click action most suggestions share: put the contacts concerned on a static list.

A list changes nobody's consent or messages by itself; marketers then target or exclude it
(a monthly digest offer, a lower-cadence journey, a profiling email).
"""

from __future__ import annotations

from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.insights.models import Apply
from cadence.segments import service as segments
from cadence.segments.config import SegmentSpec

MANAGED_BY = "insights"


def list_apply(*, key: str, name: str, description: str, count: int) -> Apply:
    return Apply(
        action="add_to_list",
        label=f"Add {count} contact(s) to the list '{name}'",
        params={"list": key, "name": name, "description": description},
    )


def add_to_list(
    uow: UnitOfWork, *, params: dict[str, Any], contact_ids: list[int], now: int
) -> int:
    """Create the static list when missing, then add the contacts; returns how many joined."""
    key = str(params["list"])
    if not segments.exists(uow, key):
        spec = SegmentSpec(
            key=key,
            name=str(params.get("name", key)),
            description=str(params.get("description", "")),
            kind="static",
            condition=None,
        )
        segments.save(uow, spec, now=now, managed_by=MANAGED_BY)
    return segments.set_static(uow, key, contact_ids, add=True, now=now)
