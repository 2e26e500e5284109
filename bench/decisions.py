"""Decisions: the engine in memory, the service on a real database, and HTTP ``/api/decide``.

``python -m bench.decisions`` prints one row per measurement. The engine row is
``cadence.decisions.perf`` (encode 20 context features and choose among 5 options); the
service rows run ``service.choose`` (read the point, decide on the cached model, append
the log row) against a fresh database, committing after every decision as the API does,
or after every 100 (a caller deciding in bulk, e.g. a journey step over many contacts);
the HTTP rows serve Cadence with uvicorn in its own process and post decisions over
keep-alive connections; ``healthz_p50_ms`` is the same client's round trip to a route doing
nothing, the floor under the decide latency. Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx
import numpy as np
import orjson

from bench.databases import DATABASES, fresh
from bench.loadgen import post_all
from bench.serving import served
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.decisions import service
from cadence.decisions.perf import _context, bench_decisions, bench_spec

ADMIN_KEY = "cad_a_bench-admin-key-0123456789abcdefghijkl"
POINT = "bench-offer"
OPTIONS = [f"option-{k}" for k in range(5)]


def _features() -> list[str]:
    """The perf benchmark's 20 fields as a decision point declares them."""
    kinds = {"Numeric": "numeric", "Flag": "flag", "Memberships": "memberships"}
    out = []
    for f in bench_spec().fields:
        kind = kinds.get(type(f).__name__)
        out.append(f"{f.name}:{kind}" if kind and f.name not in ("band", "segments") else f.name)
    return out


def _contexts(count: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [_context(rng) for _ in range(count)]


def _summary(latencies: list[float], *, seconds: float) -> dict[str, Any]:
    values = np.array(latencies)
    return {
        "decisions": len(values),
        "per_s": len(values) / seconds,
        "p50_ms": float(np.quantile(values, 0.5)) * 1e3,
        "p99_ms": float(np.quantile(values, 0.99)) * 1e3,
    }


def in_service(url: str, *, decisions: int, per_commit: int) -> dict[str, Any]:
    """Decisions on a fresh database: ``choose`` in its own transaction each
    (``per_commit=1``, as the API does) or ``choose_many`` over ``per_commit`` contexts
    (one read of the point, one insert, one commit); latency is per commit."""
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as uow:
        service.ensure_point(
            uow, key=POINT, options=OPTIONS, features=_features(), reward=None, managed_by="bench"
        )
    contexts = _contexts(decisions)
    latencies: list[float] = []
    started = time.perf_counter()
    for start in range(0, decisions, per_commit):
        asks = [
            service.Ask(contact_id=None, context=c) for c in contexts[start : start + per_commit]
        ]
        begun = time.perf_counter()
        with unit_of_work(engine) as uow:
            service.choose_many(uow, point=POINT, asks=asks, at=1_790_000_000_000, source="bench")
        latencies.append(time.perf_counter() - begun)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        **_summary(latencies, seconds=seconds),
        "decisions": decisions,
        "per_s": decisions / seconds,
    }


def over_http(url: str, *, decisions: int, concurrency: int) -> dict[str, Any]:
    """``POST /api/decide`` to a uvicorn process: latency one at a time, then throughput."""
    env = {"CADENCE_DATABASE_URL": url, "CADENCE_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY}
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
    point = {"key": POINT, "options": OPTIONS, "features": _features()}
    bodies = [orjson.dumps({"decision": POINT, "context": c}) for c in _contexts(decisions)]
    with served(env) as (port, _):
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            client.put("/api/config", content=orjson.dumps({"decisions": [point]}))
            floor = _floor(client, requests=max(decisions // 5, 1))
            latencies = []
            started = time.perf_counter()
            for payload in bodies[: decisions // 5]:
                at = time.perf_counter()
                client.post("/api/decide", content=payload).raise_for_status()
                latencies.append(time.perf_counter() - at)
            sequential = _summary(latencies, seconds=time.perf_counter() - started)
        started = time.perf_counter()
        answered = asyncio.run(
            post_all(
                host="127.0.0.1",
                port=port,
                path="/api/decide",
                bodies=bodies,
                user=ADMIN_KEY,
                concurrency=concurrency,
            )
        )
        seconds = time.perf_counter() - started
    assert answered == len(bodies)
    return {
        **sequential,
        "healthz_p50_ms": floor,
        "concurrent_per_s": len(bodies) / seconds,
        "concurrency": concurrency,
    }


def _floor(client: httpx.Client, *, requests: int) -> float:
    """The median round trip of ``GET /healthz`` (no database, no auth) on the same
    connection: what a request costs before any of Cadence's work, on this machine now."""
    latencies = []
    for _ in range(requests):
        at = time.perf_counter()
        client.get("/healthz").raise_for_status()
        latencies.append(time.perf_counter() - at)
    return float(np.quantile(np.array(latencies), 0.5)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--service-decisions", type=int, default=5_000)
    parser.add_argument("--http-decisions", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    engine = bench_decisions(decisions=args.decisions)
    print(f"engine in memory: {engine}")
    for kind in DATABASES:
        for per_commit in (1, 100):
            with fresh(kind) as url:
                if url is not None:
                    row = in_service(url, decisions=args.service_decisions, per_commit=per_commit)
                    print(f"service.choose, {per_commit} per commit, {kind}: {row}")
    for kind in DATABASES:
        with fresh(kind) as url:
            if url is not None:
                row = over_http(url, decisions=args.http_decisions, concurrency=args.concurrency)
                print(f"HTTP /api/decide, {kind}: {row}")


if __name__ == "__main__":
    main()
