"""The ``webhooks:`` section: where to send which outbox topics, and the signing secret."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from cadence.errors import FieldError

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")


@dataclass(frozen=True)
class Webhook:
    key: str
    url: str
    secret_env: str  # the secret itself stays out of the file: the name of an env variable
    topics: tuple[str, ...]

    def as_document(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "url": self.url,
            "secret_env": self.secret_env,
            "topics": list(self.topics),
        }


def parse(raw: Any) -> tuple[list[Webhook], list[FieldError]]:
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [FieldError("webhooks", "must be a list")]
    hooks: list[Webhook] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"webhooks[{index}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(path, "must be a mapping with key, url, secret_env, topics"))
            continue
        before = len(errors)
        for unknown in sorted(set(item) - {"key", "url", "secret_env", "topics"}, key=str):
            errors.append(FieldError(f"{path}.{unknown}", "unknown field"))
        key, url, env = item.get("key"), item.get("url"), item.get("secret_env")
        if not isinstance(key, str) or not KEY.match(key):
            errors.append(FieldError(f"{path}.key", "lower-case letters, digits, - and _"))
        elif key in seen:
            errors.append(FieldError(f"{path}.key", "duplicate key"))
        parsed = urlparse(url) if isinstance(url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors.append(FieldError(f"{path}.url", "must be an http(s) URL"))
        if not isinstance(env, str) or not re.match(r"^[A-Z][A-Z0-9_]*$", env):
            errors.append(
                FieldError(
                    f"{path}.secret_env", "the NAME of an environment variable holding the secret"
                )
            )
        topics = item.get("topics", ["contact.became_mql", "contact.became_sql"])
        if (
            not isinstance(topics, list)
            or not topics
            or not all(isinstance(t, str) and t for t in topics)
        ):
            errors.append(FieldError(f"{path}.topics", "a non-empty list of outbox topics"))
        if len(errors) == before:
            assert isinstance(key, str) and isinstance(url, str) and isinstance(env, str)
            seen.add(key)
            hooks.append(Webhook(key, url, env, tuple(topics)))
    return hooks, errors
