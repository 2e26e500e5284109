"""The send gate: may this message go to this contact on this channel, about this topic, now?

``check`` runs ``CHECKS`` in order and returns the first block, so the logged
reason is the most fundamental one. A message is allowed only when:

1. the channel and the topic are configured (a message is about one concrete
   topic, so ``'*'`` is not a topic here);
2. the address is not suppressed;
3. the row that governs (channel, topic) — its own, else the channel's ``'*'``
   row — is granted at ``at`` (confirmed where double opt-in applies: the fold
   keeps such rows pending until confirmed) and not expired;
4. it is not paused at ``at``;
5. it respects the contact's frequency choice for the topic: every other
   message of the topic on the channel is at least the window apart
   (``FREQUENCY_WINDOW_MS``: realtime none, daily 1 day, weekly 7 days,
   monthly 30 days, quarterly 91 days; no choice recorded means no limit from
   the contact, the organisation's caps still apply). Sends after ``at`` count
   too, so a message scheduled between two others cannot crowd them.

6. it respects the organisation's contact policy (``cadence.policy.rules``): caps per
   channel and period, the minimum gap between any two messages, quiet hours on the
   contact's clock and the sunset of contacts who stopped responding. It runs last, after
   every consent check, so a message without permission is always blocked for that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from cadence.consent.config import PermissionConfig
from cadence.consent.models import ALL_TOPICS, FREQUENCY_WINDOW_MS, Status
from cadence.consent.state import ConsentRow, ContactConsent
from cadence.policy import rules as policy_rules
from cadence.policy.models import NO_POLICY, Candidate, PastSend, Policy


class Reason(StrEnum):
    """Stable codes for why a message was blocked (logged, reported, shown to marketers)."""

    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_TOPIC = "unknown_topic"
    SUPPRESSED = "suppressed"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    PENDING_CONFIRMATION = "pending_confirmation"
    EXPIRED = "expired"
    PAUSED = "paused"
    FREQUENCY = "frequency"
    # the organisation's contact policy (same codes as ``policy.rules.Limit``)
    CAP = "cap"
    MIN_GAP = "min_gap"
    QUIET_HOURS = "quiet_hours"
    SUNSET = "sunset"
    PRIORITY = "priority"


@dataclass(frozen=True, kw_only=True)
class Allowed:
    consent: ConsentRow  # the row that allowed it, for the decision log


@dataclass(frozen=True, kw_only=True)
class Blocked:
    reason: Reason
    detail: str
    retry_at: int | None = None  # when this block lifts by itself (pause, frequency), if it does


Decision = Allowed | Blocked


@dataclass(frozen=True, kw_only=True)
class SendContext:
    """Everything the checks may look at for one message."""

    consent_state: ContactConsent
    consent: ConsentRow | None
    suppressed: bool
    recent_sends: Sequence[int]
    channel: str
    topic: str
    at: int
    config: PermissionConfig
    policy: Policy = NO_POLICY
    history: Sequence[PastSend] = ()  # the contact's booked sends on every channel, near ``at``
    # the contact's time zone, else the workspace's
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    last_response: int | None = None  # the contact's latest open, click, reply ... (epoch ms)
    priority: int = 0
    message_key: str | None = None


def check(
    *,
    consent_state: ContactConsent,
    suppressed: bool,
    recent_sends: Sequence[int],
    channel: str,
    topic: str,
    at: int,
    config: PermissionConfig,
    policy: Policy = NO_POLICY,
    history: Sequence[PastSend] = (),
    zone: ZoneInfo | None = None,
    last_response: int | None = None,
    priority: int = 0,
    message_key: str | None = None,
) -> Decision:
    """Allow or block one message; ``recent_sends`` are this contact's sends of the topic on
    the channel (epoch ms), ``suppressed`` whether the channel's address is suppressed;
    ``policy`` and the rest describe the contact for the organisation's contact policy."""
    context = SendContext(
        consent_state=consent_state,
        consent=consent_state.row_for(channel=channel, topic=topic),
        suppressed=suppressed,
        recent_sends=recent_sends,
        channel=channel,
        topic=topic,
        at=at,
        config=config,
        policy=policy,
        history=history,
        zone=zone or ZoneInfo(policy.timezone),
        last_response=last_response,
        priority=priority,
        message_key=message_key,
    )
    for rule in CHECKS:
        blocked = rule(context)
        if blocked is not None:
            return blocked
    if context.consent is None:  # unreachable while _consent_in_force runs; fail closed
        return Blocked(reason=Reason.NO_CONSENT, detail="no consent recorded")
    return Allowed(consent=context.consent)


def _known_channel(context: SendContext) -> Blocked | None:
    if context.channel in context.config.channels:
        return None
    return Blocked(reason=Reason.UNKNOWN_CHANNEL, detail=f"channel {context.channel!r}")


def _known_topic(context: SendContext) -> Blocked | None:
    if context.topic != ALL_TOPICS and context.topic in context.config.topics:
        return None
    return Blocked(reason=Reason.UNKNOWN_TOPIC, detail=f"topic {context.topic!r}")


def _not_suppressed(context: SendContext) -> Blocked | None:
    if not context.suppressed:
        return None
    return Blocked(reason=Reason.SUPPRESSED, detail="the address is on the suppression list")


_STATUS_REASONS: Final = {
    Status.WITHDRAWN: Reason.WITHDRAWN,
    Status.PENDING: Reason.PENDING_CONFIRMATION,
    Status.EXPIRED: Reason.EXPIRED,
}


def _consent_in_force(context: SendContext) -> Blocked | None:
    row = context.consent
    if row is None:
        where = f"{context.channel}/{context.topic}"
        return Blocked(reason=Reason.NO_CONSENT, detail=f"no consent recorded for {where}")
    status = row.status_at(at=context.at)
    if status is Status.GRANTED:
        return None
    return Blocked(
        reason=_STATUS_REASONS[status],
        detail=f"consent for {row.channel}/{row.topic} is {status} since {row.updated_at}",
    )


def _not_paused(context: SendContext) -> Blocked | None:
    row = context.consent
    if row is None or not row.paused_at(at=context.at):
        return None
    return Blocked(
        reason=Reason.PAUSED,
        detail=f"paused until {row.paused_until}",
        retry_at=row.paused_until,
    )


def _within_frequency(context: SendContext) -> Blocked | None:
    row = context.consent
    if row is None or row.frequency is None:
        return None
    window = FREQUENCY_WINDOW_MS[row.frequency]
    retry_at = next_free(at=context.at, sends=context.recent_sends, window=window)
    if retry_at == context.at:
        return None
    return Blocked(
        reason=Reason.FREQUENCY,
        detail=f"{row.frequency}: another message of {context.topic!r} within {window} ms",
        retry_at=retry_at,
    )


def _within_policy(context: SendContext) -> Blocked | None:
    limited = policy_rules.check(
        policy=context.policy,
        candidate=Candidate(
            at=context.at,
            channel=context.channel,
            priority=context.priority,
            message_key=context.message_key,
        ),
        history=context.history,
        zone=context.zone,
        last_response=context.last_response,
    )
    if limited is None:
        return None
    return Blocked(
        reason=Reason(limited.reason.value), detail=limited.detail, retry_at=limited.retry_at
    )


def next_free(*, at: int, sends: Sequence[int], window: int) -> int:
    """The earliest moment from ``at`` that is at least ``window`` away from every send."""
    if window <= 0:
        return at
    moment = at
    while True:
        crowding = [sent for sent in sends if abs(moment - sent) < window]
        if not crowding:
            return moment
        moment = max(crowding) + window


CHECKS: Final[tuple[Callable[[SendContext], Blocked | None], ...]] = (
    _known_channel,
    _known_topic,
    _not_suppressed,
    _consent_in_force,
    _not_paused,
    _within_frequency,
    _within_policy,
)
"""The checks in order; the first block wins."""
