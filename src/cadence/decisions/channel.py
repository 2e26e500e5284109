"""Channel choice: among the channels a person consented to, the likeliest to get a response.

Each channel's response rate for this person has a Beta posterior: their own
``responded`` out of ``sent`` on that channel, with a prior worth ``strength``
pseudo-messages at the population's rate for the channel (itself shrunk toward the
population's rate over all channels, so a channel nobody has used yet is not a blank).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cadence.decisions.shrink import shrunk_rate


@dataclass(frozen=True, kw_only=True)
class Responses:
    """Messages sent on a channel and how many got a response."""

    sent: int = 0
    responded: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.responded <= self.sent:
            raise ValueError("need 0 <= responded <= sent")


@dataclass(frozen=True, kw_only=True)
class ChannelPosterior:
    """``Beta(alpha, beta)`` for one person's response rate on one channel."""

    channel: str
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def channel_posteriors(
    *,
    channels: Sequence[str],
    contact: Mapping[str, Responses],
    population: Mapping[str, Responses],
    strength: float = 20.0,
) -> list[ChannelPosterior]:
    """The person's posterior per channel, in ``channels`` order."""
    if strength <= 0:
        raise ValueError("strength must be positive")
    none = Responses()
    pop = [population.get(c, none) for c in channels]
    everyone = sum(p.sent for p in population.values())
    overall = (sum(p.responded for p in population.values()) + 1.0) / (everyone + 2.0)
    prior = shrunk_rate(
        successes=np.array([p.responded for p in pop]),
        trials=np.array([p.sent for p in pop]),
        prior=overall,
        strength=strength,
    )
    posteriors = []
    for c, rate in zip(channels, prior.tolist(), strict=True):
        own = contact.get(c, none)
        posteriors.append(
            ChannelPosterior(
                channel=c,
                alpha=strength * rate + own.responded,
                beta=strength * (1.0 - rate) + own.sent - own.responded,
            )
        )
    return posteriors


def best_channel(
    *,
    consented: Sequence[str],
    contact: Mapping[str, Responses],
    population: Mapping[str, Responses],
    strength: float = 20.0,
) -> str | None:
    """The consented channel with the highest posterior mean (first on ties); None if none."""
    posteriors = channel_posteriors(
        channels=consented, contact=contact, population=population, strength=strength
    )
    best: ChannelPosterior | None = None
    for posterior in posteriors:
        if best is None or posterior.mean > best.mean:
            best = posterior
    return None if best is None else best.channel
