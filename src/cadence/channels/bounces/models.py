"""What a parsed bounce, complaint or auto-reply says: plain frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CADENCE_MESSAGE_HEADER = "X-Cadence-Message"
CADENCE_CONTACT_HEADER = "X-Cadence-Contact"


class ReportKind(StrEnum):
    """What the report means for the address it is about."""

    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"
    AUTO_REPLY = "auto_reply"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    UNKNOWN = "unknown"


class BounceKind(StrEnum):
    """Hard: the address will not work again. Soft: it may, so retry."""

    HARD = "hard"
    SOFT = "soft"


class Category(StrEnum):
    """Why delivery failed, coarse enough for a suppression policy to act on."""

    USER_UNKNOWN = "user_unknown"
    MAILBOX_DISABLED = "mailbox_disabled"
    MAILBOX_FULL = "mailbox_full"
    HOST_UNKNOWN = "host_unknown"
    MESSAGE_TOO_LARGE = "message_too_large"
    CONTENT_REJECTED = "content_rejected"
    BLOCKED = "blocked"
    NETWORK = "network"
    EXPIRED = "expired"
    MAIL_LOOP = "mail_loop"
    OTHER = "other"


# Failures that say something about our message or sending servers (a block list,
# a DMARC policy, a spam filter), not about the address: suppressing it would not help.
SENDER_SIDE_CATEGORIES = frozenset(
    {Category.BLOCKED, Category.CONTENT_REJECTED, Category.MAIL_LOOP, Category.MESSAGE_TOO_LARGE}
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """One address a report is about, with what the reporting server said of it.

    ``address`` is where delivery finally failed (a DSN's Final-Recipient);
    ``original_address`` is the address the sender used (Original-Recipient),
    given only when it differs, as it does after an alias or a forward.
    """

    address: str
    original_address: str | None = None
    action: str | None = None
    status: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    kind: BounceKind | None = None
    category: Category | None = None

    @property
    def sender_side(self) -> bool:
        """Whether the failure is about our message or servers rather than the address."""
        return self.category in SENDER_SIDE_CATEGORIES


@dataclass(frozen=True, slots=True)
class Report:
    """A parsed bounce (DSN or a non-standard dialect), complaint or auto-reply."""

    kind: ReportKind
    recipients: tuple[Recipient, ...] = ()
    feedback_type: str | None = None
    original_message_id: str | None = None
    original_recipient: str | None = None
    cadence_headers: Mapping[str, str] = field(default_factory=dict)
    reporting_mta: str | None = None
    reason: str | None = None
    dialect: str | None = None

    @property
    def cadence_message(self) -> str | None:
        """The ``X-Cadence-Message`` of the returned original, matching it to our send."""
        return self.cadence_headers.get(CADENCE_MESSAGE_HEADER)

    @property
    def cadence_contact(self) -> str | None:
        return self.cadence_headers.get(CADENCE_CONTACT_HEADER)

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(r.address for r in self.recipients)
