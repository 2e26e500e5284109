"""Decision throughput and latency, in process: ``python -m cadence.decisions.perf``.

A decision here is what ``POST /api/decide`` will do in memory: encode a context of 20
features with a ``FeatureSpec`` and let a warmed-up ``LinearThompson`` choose among 5
eligible options (with its propensity). Rewards are learnt outside the timed section
and measured separately. Latencies are wall-clock (``time.perf_counter``); on a busy
machine a decision that is descheduled mid-way takes a scheduler time slice, which is
why ``cpu_p99_ms`` (thread CPU time) is reported alongside. The numbers depend on the
machine; the tests only check that the benchmark runs, never how fast.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from cadence.decisions.features import (
    Categorical,
    DayOfYear,
    FeatureSpec,
    Field,
    Flag,
    Memberships,
    Numeric,
)
from cadence.decisions.linear_ts import LinearThompson

_LETTERS = ("A", "B", "C", "D", "E")
_SEGMENTS = tuple(f"segment-{i}" for i in range(8))


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    """What ``bench_decisions`` measured."""

    decisions: int
    context_features: int
    dimension: int
    options: int
    decisions_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_p99_ms: float  # the same decisions in thread CPU time: without time spent descheduled
    cpu_decisions_per_second: float  # decisions per second of thread CPU time
    learns_per_second: float


def bench_spec() -> FeatureSpec:
    """Twenty context features of every kind the spec supports."""
    fields: list[Field] = [
        Categorical(name="grade", vocabulary=_LETTERS),
        Numeric(name="band", center=3.0, scale=2.0),
        Categorical(name="lifecycle_stage", vocabulary=("lead", "mql", "sql", "customer")),
        Categorical(name="traits.country", buckets=16),
        Categorical(name="traits.industry", buckets=8),
        Categorical(name="traits.persona", vocabulary=("engineer", "manager", "executive")),
        Memberships(name="segments", vocabulary=_SEGMENTS),
        DayOfYear(name="day_of_year"),
    ]
    fields += [Numeric(name=f"metric_{i}", scale=2.0) for i in range(8)]
    fields += [Flag(name=f"flag_{i}") for i in range(4)]
    return FeatureSpec(fields=tuple(fields))


def _context(rng: np.random.Generator) -> dict[str, object]:
    context: dict[str, object] = {
        "grade": _LETTERS[int(rng.integers(5))],
        "band": int(rng.integers(1, 6)),
        "lifecycle_stage": ("lead", "mql", "sql", "customer")[int(rng.integers(4))],
        "traits": {
            "country": f"C{int(rng.integers(40))}",
            "industry": f"I{int(rng.integers(12))}",
            "persona": ("engineer", "manager", "executive", "founder")[int(rng.integers(4))],
        },
        "segments": [s for s in _SEGMENTS if rng.random() < 0.2],
        "day_of_year": int(rng.integers(1, 366)),
    }
    context.update({f"metric_{i}": float(rng.normal()) for i in range(8)})
    context.update({f"flag_{i}": bool(rng.random() < 0.5) for i in range(4)})
    return context


def bench_decisions(
    *,
    decisions: int = 20_000,
    options: int = 5,
    warmup: int = 2_000,
    seed: int = 0,
    samples: int | None = None,
) -> BenchResult:
    """Time ``decisions`` encode-and-choose calls after ``warmup`` learnt rewards.

    ``samples`` overrides the policy's Monte-Carlo draws per decision (its default if None).
    """
    rng = np.random.default_rng(seed)
    spec = bench_spec()
    names = [f"option-{k}" for k in range(options)]
    policy = LinearThompson(n_features=spec.dimension, seed=seed)
    if samples is not None:
        policy.samples = samples
    contexts = [_context(rng) for _ in range(decisions)]
    for context in contexts[:warmup]:
        x = spec.encode(context=context)
        policy.learn(
            context=x, option=names[int(rng.integers(options))], reward=float(rng.random() < 0.1)
        )
    latencies, cpu = np.zeros(decisions), np.zeros(decisions)
    chosen = []
    for i, context in enumerate(contexts):
        start, start_cpu = time.perf_counter(), time.thread_time()
        x = spec.encode(context=context)
        choice = policy.choose(context=x, options=names)
        latencies[i] = time.perf_counter() - start
        cpu[i] = time.thread_time() - start_cpu
        chosen.append((x, choice.option))
    start = time.perf_counter()
    for x, option in chosen:
        policy.learn(context=x, option=option, reward=float(rng.random() < 0.1))
    learn_seconds = time.perf_counter() - start
    return BenchResult(
        decisions=decisions,
        context_features=len(spec.fields),
        dimension=spec.dimension,
        options=options,
        decisions_per_second=decisions / float(latencies.sum()),
        p50_ms=float(np.quantile(latencies, 0.5)) * 1e3,
        p99_ms=float(np.quantile(latencies, 0.99)) * 1e3,
        max_ms=float(latencies.max()) * 1e3,
        cpu_p99_ms=float(np.quantile(cpu, 0.99)) * 1e3,
        cpu_decisions_per_second=decisions / max(float(cpu.sum()), 1e-9),
        learns_per_second=decisions / learn_seconds,
    )


if __name__ == "__main__":
    print(bench_decisions())
