"""What the linear bandits share: the choice, the exploration floor, the random streams.

Every decision ``n`` of a policy draws its randomness from its own stream: a PCG64
generator seeded with the policy's seed and advanced by ``n · 2⁴⁰`` outputs, where ``n``
is the policy's decision counter (stored with its state) or a number the caller gives
the decision (its id). So a decision is reproducible from the stored state, the
context, the eligible options and ``n`` alone, and ``distribution(draw=n)`` returns
exactly the probabilities decision ``n`` sampled from: the logged propensity can be
audited.

The floor on exploration: with ``k`` eligible options the policy picks from
``epsilon / k + (1 - epsilon) · greedy``, where ``greedy`` is the bandit's own
distribution, so every eligible option has probability at least ``epsilon / k``, and
off-policy estimates over the log never divide by a vanishing propensity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from cadence.decisions.arms import LinearArms, Moments


@dataclass(frozen=True, kw_only=True)
class Choice:
    """The chosen option, the probability it had, and the whole distribution it came from."""

    option: str
    propensity: float
    probabilities: Mapping[str, float]
    draw: int


STREAM_STRIDE = 1 << 40  # outputs reserved per decision; a decision uses a few thousand
MAX_DRAWS = 1 << 80  # decision numbers: 2**80 streams of 2**40 fit PCG64's 2**128 period


def _offset(draw: int) -> int:
    if not 0 <= draw < MAX_DRAWS:
        raise ValueError("a decision's draw number must be within [0, 2**80)")
    return draw * STREAM_STRIDE


def stream(*, seed: int, draw: int) -> np.random.Generator:
    """The random stream of decision ``draw`` of a policy seeded with ``seed``."""
    return np.random.Generator(np.random.PCG64(seed).advance(_offset(draw)))


class Streams:
    """``stream(seed=seed, draw=n)`` without seeding a new generator each time (faster)."""

    def __init__(self, *, seed: int) -> None:
        self._bits = np.random.PCG64(seed)
        self._start = self._bits.state
        self._generator = np.random.Generator(self._bits)

    def at(self, *, draw: int) -> np.random.Generator:
        """The generator positioned at decision ``draw`` (valid until the next call)."""
        self._bits.state = self._start
        self._bits.advance(_offset(draw))
        return self._generator


def with_floor(*, greedy: Sequence[float], epsilon: float) -> list[float]:
    """Mix ``greedy`` with the uniform distribution: each entry at least ``epsilon / k``."""
    floor, rest = epsilon / len(greedy), 1.0 - epsilon
    return [floor + rest * g for g in greedy]


def sample_index(*, probabilities: Sequence[float], u: float) -> int:
    """The index that a uniform ``u`` in [0, 1) selects (inverse CDF; a plain loop, k is small)."""
    target, cumulative = u * math.fsum(probabilities), 0.0
    for j, p in enumerate(probabilities):
        cumulative += p
        if target < cumulative:
            return j
    return len(probabilities) - 1


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0]) >> 1


def check_options(*, options: Sequence[str]) -> None:
    if not options:
        raise ValueError("at least one option must be eligible")
    if len(set(options)) != len(options):
        raise ValueError("eligible options must be distinct")


@dataclass(kw_only=True, eq=False)
class LinearPolicy:
    """A bandit over per-option linear models; subclasses say how scores become choices.

    An instance is not thread-safe (its streams share one generator): use one per worker,
    loaded from the stored state.
    """

    kind: ClassVar[str] = ""
    n_features: int
    epsilon: float = 0.05
    seed: int | None = None
    decisions: int = 0
    arms: LinearArms = field(init=False, repr=False)
    stream_seed: int = field(init=False, repr=False)
    _streams: Streams = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError("epsilon must be within [0, 1]")
        # An unseeded policy still records the seed it drew, so its state stays replayable.
        self.stream_seed = self.seed if self.seed is not None else _fresh_seed()
        self._streams = Streams(seed=self.stream_seed)
        self.arms = self._new_arms()

    def _new_arms(self) -> LinearArms:
        raise NotImplementedError

    def _greedy(self, *, moments: Moments, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "epsilon": self.epsilon}

    def _mixed(
        self, *, context: np.ndarray, options: Sequence[str], rng: np.random.Generator
    ) -> list[float]:
        check_options(options=options)
        moments = self.arms.moments(context=context, options=options)
        greedy = self._greedy(moments=moments, rng=rng)
        return with_floor(greedy=greedy.tolist(), epsilon=self.epsilon)

    def distribution(
        self, *, context: np.ndarray, options: Sequence[str], draw: int | None = None
    ) -> np.ndarray:
        """The probabilities of ``options`` at decision ``draw`` (default: the next one)."""
        n = self.decisions if draw is None else draw
        rng = self._streams.at(draw=n)
        return np.array(self._mixed(context=context, options=options, rng=rng))

    def choose(
        self, *, context: np.ndarray, options: Sequence[str], draw: int | None = None
    ) -> Choice:
        """Pick one of the eligible ``options`` for ``context``, with its propensity.

        ``draw`` numbers the decision's random stream. By default it is the policy's
        counter, which then advances (a state change to store). A caller that gives
        each decision its own number (its id) leaves the state untouched, so many
        deciders can share one stored state that only rewards change.
        """
        n = self.decisions if draw is None else draw
        rng = self._streams.at(draw=n)
        probabilities = self._mixed(context=context, options=options, rng=rng)
        j = sample_index(probabilities=probabilities, u=float(rng.random()))
        if draw is None:
            self.decisions = n + 1
        return Choice(
            option=options[j],
            propensity=probabilities[j],
            probabilities=dict(zip(options, probabilities, strict=True)),
            draw=n,
        )

    def learn(self, *, context: np.ndarray, option: str, reward: float) -> None:
        """Fold a reward observed for ``option`` in ``context`` into the model, O(d²)."""
        self.arms.update(context=context, option=option, reward=reward)

    def expected_rewards(self, *, context: np.ndarray, options: Sequence[str]) -> np.ndarray:
        """The posterior mean reward of each option (for explanations and suggestions)."""
        return self.arms.moments(context=context, options=options).means

    def to_dict(self) -> dict[str, Any]:
        """The whole state as plain JSON-able values (dicts, lists, numbers, strings)."""
        return {
            "kind": self.kind,
            "params": self._params(),
            "seed": self.stream_seed,
            "decisions": self.decisions,
            "arms": self.arms.to_dict(),
        }

    def header(self) -> dict[str, Any]:
        """``to_dict()`` without the arms' arrays: those travel as ``arms.packed()`` bytes."""
        return {
            "kind": self.kind,
            "params": self._params(),
            "seed": self.stream_seed,
            "decisions": self.decisions,
            "arms": self.arms.header(),
        }

    @classmethod
    def from_dict(cls, *, data: Mapping[str, Any]) -> Self:
        if data["kind"] != cls.kind:
            raise ValueError(f"state of a {data['kind']!r} policy, not {cls.kind!r}")
        policy = cls(**data["params"], seed=int(data["seed"]), decisions=int(data["decisions"]))
        policy.arms = LinearArms.from_dict(data=data["arms"])
        return policy
