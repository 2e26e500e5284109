"""Pure profile rules: trait recency, purchases, completeness levels and merging records."""

from __future__ import annotations

from typing import Any

from cadence.contacts.models import AccountRecord, ContactRecord

# Level 1 is "contact details and key fields"; `company` also counts when an account is linked.
LEVEL_1_FIELDS = ("email", "first_name", "last_name", "company", "job_title", "country")
RESPONSE_EVENTS = frozenset({"Email Opened", "Email Clicked", "Form Submitted", "SMS Replied"})
ORDER_EVENT = "Order Completed"


def normalise_email(value: Any) -> str | None:
    """Lower-cased, trimmed address, or None when it is not an address."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email:
        return None
    return email


def apply_traits(
    record: ContactRecord | AccountRecord, traits: dict[str, Any], ts: int
) -> set[str]:
    """Set each trait unless a newer value is already held; returns the names changed."""
    changed: set[str] = set()
    for name, value in traits.items():
        held_at = record.trait_times.get(name)
        if held_at is not None and held_at > ts:
            continue
        if name in record.traits and record.traits[name] == value:
            record.trait_times[name] = ts
            continue
        record.traits[name] = value
        record.trait_times[name] = ts
        changed.add(name)
    if changed or traits:
        record.dirty = True
    return changed


def observe(record: ContactRecord, ts: int) -> None:
    """Keep first and last seen times whatever order events arrive in."""
    if record.first_seen_at is None or ts < record.first_seen_at:
        record.first_seen_at = ts
        record.dirty = True
    if record.last_seen_at is None or ts > record.last_seen_at:
        record.last_seen_at = ts
        record.dirty = True


def order_revenue(properties: dict[str, Any]) -> float:
    """Revenue of an ``Order Completed`` event: ``revenue``, else ``total``, else 0."""
    for key in ("revenue", "total"):
        value = properties.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                continue
    return 0.0


def record_order(record: ContactRecord, properties: dict[str, Any], ts: int) -> None:
    record.order_count += 1
    record.revenue_total += order_revenue(properties)
    if record.first_order_at is None or ts < record.first_order_at:
        record.first_order_at = ts
    if record.last_order_at is None or ts > record.last_order_at:
        record.last_order_at = ts
    record.dirty = True


def record_response(record: ContactRecord, ts: int) -> None:
    if record.last_response_at is None or ts > record.last_response_at:
        record.last_response_at = ts
        record.dirty = True


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != {} and value != []


def missing_fields(record: ContactRecord) -> tuple[int, list[str]]:
    """The profile level reached and the fields missing for the next one."""
    have = {name for name, value in record.traits.items() if _present(value)}
    if record.email:
        have.add("email")
    if record.has_account:
        have.add("company")
    missing = [name for name in LEVEL_1_FIELDS if name not in have]
    if missing:
        return 0, missing
    if not record.has_preferences:
        return 1, ["preferences"]
    gaps = []
    if record.order_count == 0:
        gaps.append("purchases")
    if record.last_response_at is None:
        gaps.append("responses")
    return (2, gaps) if gaps else (3, [])


def merge_into(survivor: ContactRecord, other: ContactRecord) -> None:
    """Fold ``other`` into ``survivor``: newer traits win, aggregates combine."""
    for name, value in other.traits.items():
        other_at = other.trait_times.get(name, 0)
        if name not in survivor.traits or survivor.trait_times.get(name, 0) < other_at:
            survivor.traits[name] = value
            survivor.trait_times[name] = other_at
            survivor.changed_traits.add(name)
    survivor.user_id = survivor.user_id or other.user_id
    survivor.email = survivor.email or other.email
    for ts in (other.first_seen_at, other.last_seen_at):
        if ts is not None:
            observe(survivor, ts)
    survivor.order_count += other.order_count
    survivor.revenue_total += other.revenue_total
    survivor.first_order_at = _min(survivor.first_order_at, other.first_order_at)
    survivor.last_order_at = _max(survivor.last_order_at, other.last_order_at)
    survivor.last_response_at = _max(survivor.last_response_at, other.last_response_at)
    survivor.has_preferences = survivor.has_preferences or other.has_preferences
    survivor.has_account = survivor.has_account or other.has_account
    survivor.created_at = min(survivor.created_at, other.created_at)
    survivor.dirty = True


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
