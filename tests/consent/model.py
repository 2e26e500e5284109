"""A second, deliberately naive reading of the documented consent rules, for one
(channel, topic): it replays only the entries of that channel whose topic is that topic
or '*', with no rows, seeding or materialisation, so the fold can be checked against it."""

from __future__ import annotations

from dataclasses import dataclass

from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Action, Basis, Frequency, Status


@dataclass
class Model:
    """The state of one (channel, topic) as the documented rules describe it."""

    status: Status | None = None
    until: int | None = None  # validity or request deadline
    requested_until: int | None = None
    basis: Basis | None = None
    frequency: Frequency | None = None
    paused_until: int | None = None
    confirmed: bool = False

    def effective(self, at: int) -> Status | None:
        live = self.until is None or at < self.until
        if self.status in (Status.GRANTED, Status.PENDING) and not live:
            return Status.EXPIRED
        return self.status

    def choose(self, item: LedgerEntry) -> None:
        if item.frequency is not None:
            self.frequency = item.frequency
        if item.paused_until is not None:
            self.paused_until = item.paused_until
        if self.paused_until is not None and self.paused_until <= item.at:
            self.paused_until = None

    def grant(self, item: LedgerEntry, config: PermissionConfig, explicit: int | None) -> None:
        self.status = Status.GRANTED
        self.until = explicit
        if self.basis is Basis.IMPLIED:
            lapse = item.at + config.consent.implied_expiry_ms
            self.until = lapse if explicit is None else min(lapse, explicit)
        self.requested_until = None

    def request(self, item: LedgerEntry, config: PermissionConfig) -> None:
        self.status, self.confirmed, self.basis = Status.PENDING, False, item.basis
        self.until = item.at + config.consent.confirm_expiry_ms
        self.requested_until = item.expires_at
        self.choose(item)

    def step(self, item: LedgerEntry, config: PermissionConfig) -> None:
        now = self.effective(item.at)
        if item.action is Action.PENDING or (
            item.action is Action.GRANTED
            and item.channel in config.consent.double_opt_in
            and now is not Status.GRANTED
        ):
            self.request(item, config)
        elif item.action is Action.GRANTED:
            self.confirmed = self.confirmed and now is Status.GRANTED
            self.basis = item.basis
            self.choose(item)
            self.grant(item, config, item.expires_at)
        elif item.action is Action.CONFIRMED and now is Status.PENDING:
            self.confirmed = True
            self.basis = item.basis or self.basis
            self.choose(item)
            self.grant(item, config, item.expires_at or self.requested_until)
        elif item.action is Action.WITHDRAWN:
            self.status, self.until, self.paused_until, self.confirmed = (
                Status.WITHDRAWN,
                None,
                None,
                False,
            )
        elif item.action is Action.EXPIRED and self.status not in (None, Status.WITHDRAWN):
            self.status, self.confirmed, self.requested_until = Status.EXPIRED, False, None


def model_of(
    entries: list[LedgerEntry], *, channel: str, topic: str, config: PermissionConfig
) -> Model:
    rank = {Action.CONFIRMED: 1, Action.EXPIRED: 2, Action.WITHDRAWN: 2}
    relevant = sorted(
        (
            (item.at, rank.get(item.action, 0), index, item)
            for index, item in enumerate(entries)
            if item.channel == channel and item.topic in (topic, ALL_TOPICS)
        ),
        key=lambda key: key[:3],
    )
    model = Model()
    for *_, item in relevant:
        model.step(item, config)
    return model
