"""Console users, roles and what each role may do (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    SALES = "sales"
    READ_ONLY = "read-only"


class Permission(StrEnum):
    VIEW = "view"
    EDIT_DEFINITIONS = "edit definitions"  # segments, the workspace file
    LEAD_ACTIONS = "act on leads"  # accept / reject MQLs
    APPLY_SUGGESTIONS = "apply suggestions"
    MANAGE_USERS = "manage users"
    MANAGE_KEYS = "manage API keys"


GRANTS: Final[dict[Role, frozenset[Permission]]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MARKETER: frozenset(
        {Permission.VIEW, Permission.EDIT_DEFINITIONS, Permission.APPLY_SUGGESTIONS}
    ),
    Role.SALES: frozenset({Permission.VIEW, Permission.LEAD_ACTIONS}),
    Role.READ_ONLY: frozenset({Permission.VIEW}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: Role
    active: bool
    created_at: int
    last_login_at: int | None


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of one request, with the session's CSRF token for its forms."""

    user: User
    csrf: str

    def can(self, permission: Permission) -> bool:
        return self.user.active and allowed(self.user.role, permission)


@dataclass(frozen=True)
class Lockout:
    """Sign-in throttling: at most ``attempts`` failures per ``window_ms`` per email or IP."""

    attempts: int = 5
    ip_attempts: int = 30
    window_ms: int = 15 * 60 * 1000


def retry_after(*, failures: list[int], limit: int, window_ms: int, now: int) -> int | None:
    """Milliseconds until another attempt is allowed, or None when one is allowed now."""
    recent = sorted(t for t in failures if now - t < window_ms)
    if len(recent) < limit:
        return None
    # the attempt that frees a slot is the oldest of the last `limit` failures leaving the window
    return recent[-limit] + window_ms - now
