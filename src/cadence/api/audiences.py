"""REST: a segment as an ad audience (hashed, consent-checked) and its syncs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from cadence.api.deps import Admin, Work
from cadence.channels import audiences
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/segments", tags=["audiences"])
Platform = Annotated[Literal["google", "meta"], Query(description="the ad platform")]
Topic = Annotated[str, Query(min_length=1, max_length=64, description="what the ads are about")]


@router.get("/{key}/audience", summary="The segment's audience: hashed emails and phones")
def get_audience(
    key: str,
    uow: Work,
    _: Admin,
    platform: Platform,
    topic: Topic,
    format: Literal["json", "csv"] = "json",
) -> Any:
    audience = audiences.build(uow, segment=key, platform=platform, topic=topic, now=now_millis())
    rows = list(audience.members.values())
    if format == "csv":
        return Response(
            audiences.upload_csv(platform, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{key}-{platform}.csv"'},
        )
    return {
        "segment": key,
        "platform": platform,
        "topic": topic,
        "members": len(rows),
        "skipped": audience.skipped,
        "upload": audiences.upload_document(platform, rows),
    }


@router.post(
    "/{key}/audience/sync",
    summary="Sync the audience: who to add and who to remove since the last sync",
)
def sync_audience(
    key: str, uow: Work, _: Admin, platform: Platform, topic: Topic
) -> dict[str, Any]:
    now = now_millis()
    audience = audiences.build(uow, segment=key, platform=platform, topic=topic, now=now)
    return audiences.sync(uow, audience, now=now)
