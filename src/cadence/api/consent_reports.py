"""REST: what people chose in the preference center and by one-click unsubscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from cadence.api.deps import Admin, Work
from cadence.consent import preference_center
from cadence.db.types import to_millis

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get(
    "/preferences",
    summary="Contacts who reduced frequency, paused, left a topic or left everything",
)
def preferences_report(
    uow: Work, _: Admin, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    return preference_center.report(
        uow,
        since=to_millis(since) if since is not None else None,
        until=to_millis(until) if until is not None else None,
    )
