"""Where the shared bounce corpus lives, and reading it (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _corpus() -> Path:
    """``../shared/corpora/bounces`` beside the checkout, or where CADENCE_CORPORA points."""
    configured = os.environ.get("CADENCE_CORPORA")
    if configured:
        return Path(configured) / "bounces"
    return PROJECT_ROOT.parent / "shared" / "corpora" / "bounces"


CORPUS = _corpus()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def corpus_files(prefix: str = "") -> list[str]:
    """Names of the corpus messages starting with ``prefix``, sorted."""
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.glob(f"{prefix}*.eml"))


def read(name: str) -> bytes:
    """The raw bytes of one corpus message; skips (fails in CI) when the corpus is absent."""
    path = CORPUS / name
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"bounce corpus file missing: {path}")
        pytest.skip(f"bounce corpus not available at {CORPUS} (a failure when CI=true)")
    return path.read_bytes()


def require_corpus() -> None:
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"bounce corpus missing: {CORPUS}")
        pytest.skip(f"bounce corpus not available at {CORPUS} (a failure when CI=true)")
