"""Contact and account records as the ingestion pipeline holds them (times in epoch ms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IDENTITY_KINDS = ("user_id", "anonymous_id", "email")


@dataclass(slots=True)
class ContactRecord:
    id: int
    user_id: str | None
    email: str | None
    traits: dict[str, Any]
    trait_times: dict[str, int]
    created_at: int
    updated_at: int
    first_seen_at: int | None = None
    last_seen_at: int | None = None
    order_count: int = 0
    revenue_total: float = 0.0
    first_order_at: int | None = None
    last_order_at: int | None = None
    last_response_at: int | None = None
    has_preferences: bool = False
    profile_level: int = 0
    has_account: bool = False
    is_new: bool = False
    dirty: bool = False
    changed_traits: set[str] = field(default_factory=set)


@dataclass(slots=True)
class AccountRecord:
    id: int
    group_id: str
    name: str | None
    traits: dict[str, Any]
    trait_times: dict[str, int]
    created_at: int
    updated_at: int
    is_new: bool = False
    dirty: bool = False


@dataclass(frozen=True, slots=True)
class Merge:
    from_id: int
    into_id: int
    reason: str
    message_id: str | None
    at: int
