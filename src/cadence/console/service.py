"""Console users (roles, activation, passwords), sign-in with throttling, server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update

from cadence.console.models import Lockout, Role, User, Viewer, retry_after
from cadence.console.passwords import (
    decoy_hash,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from cadence.contacts.profile import normalise_email
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import console_login_failures, console_sessions, console_users
from cadence.db.types import to_millis
from cadence.errors import FieldError, InputError

_U = console_users.c
_S = console_sessions.c
_F = console_login_failures.c
HOUR_MS = 3_600_000


def _email(raw: str) -> str:
    return normalise_email(raw) or raw.strip().lower()


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=Role(row.role),
        active=bool(row.active),
        created_at=to_millis(row.created_at),
        last_login_at=None if row.last_login_at is None else to_millis(row.last_login_at),
    )


def create_user(
    uow: UnitOfWork, *, email: str, name: str, role: str, password: str, now: int
) -> User:
    """Add a user; every problem is reported with its field."""
    errors: list[FieldError] = []
    address = _email(email)
    if "@" not in address or len(address) > 320:
        errors.append(FieldError("email", "must be an email address"))
    if role not in {r.value for r in Role}:
        errors.append(FieldError("role", f"must be one of {', '.join(r.value for r in Role)}"))
    if not name.strip() or len(name) > 200:
        errors.append(FieldError("name", "must have 1 to 200 characters"))
    problem = password_problem(password)
    if problem:
        errors.append(FieldError("password", problem))
    if not errors and find_user(uow, email=address) is not None:
        errors.append(FieldError("email", "a user with this email exists"))
    if errors:
        raise InputError(errors)
    uow.conn.execute(
        insert(console_users).values(
            email=address,
            name=name.strip(),
            role=role,
            password_hash=hash_password(password),
            active=True,
            created_at=now,
        )
    )
    found = find_user(uow, email=address)
    assert found is not None
    return found


def find_user(uow: UnitOfWork, *, email: str) -> User | None:
    row = uow.conn.execute(select(console_users).where(_U.email == _email(email))).first()
    return None if row is None else _user(row)


def list_users(uow: UnitOfWork) -> list[User]:
    return [_user(r) for r in uow.conn.execute(select(console_users).order_by(_U.id))]


def ensure_admin(uow: UnitOfWork, *, email: str, password: str, now: int) -> bool:
    """Create this admin unless a user with the email exists; True when created."""
    if find_user(uow, email=email) is not None:
        return False
    create_user(uow, email=email, name="Administrator", role=Role.ADMIN, password=password, now=now)
    return True


def set_password(uow: UnitOfWork, *, email: str, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InputError([FieldError("password", problem)])
    uow.conn.execute(
        update(console_users)
        .where(_U.email == _email(email))
        .values(password_hash=hash_password(password))
    )


def get_user(uow: UnitOfWork, *, user_id: int) -> User:
    row = uow.conn.execute(select(console_users).where(_U.id == user_id)).first()
    if row is None:
        raise InputError([FieldError("user", f"no user with id {user_id}")], status=404)
    return _user(row)


def _other_active_admins(uow: UnitOfWork, *, user_id: int) -> int:
    # Every active admin row locked, in id order (PostgreSQL; SQLite writers are serialised):
    # two admins demoting each other at once queue instead of each seeing the other in place.
    admins = (
        select(_U.id)
        .where(_U.role == Role.ADMIN, _U.active.is_(True))
        .order_by(_U.id)
        .with_for_update()
    )
    return sum(1 for found in uow.conn.scalars(admins) if found != user_id)


def _keep_an_admin(uow: UnitOfWork, *, user: User, field: str, change: str) -> None:
    if user.role == Role.ADMIN and user.active and not _other_active_admins(uow, user_id=user.id):
        problem = (
            f"{user.email} is the last active admin and cannot be {change}; "
            "make another user admin first"
        )
        raise InputError([FieldError(field, problem)], code="last_admin", status=409)


def change_role(uow: UnitOfWork, *, user_id: int, role: str) -> User:
    """Give a user another role; the last active admin keeps theirs."""
    if role not in {r.value for r in Role}:
        raise InputError([FieldError("role", f"must be one of {', '.join(r.value for r in Role)}")])
    user = get_user(uow, user_id=user_id)
    if role != Role.ADMIN:
        _keep_an_admin(uow, user=user, field="role", change="demoted")
    uow.conn.execute(update(console_users).where(_U.id == user_id).values(role=role))
    return get_user(uow, user_id=user_id)


def set_active(uow: UnitOfWork, *, user_id: int, active: bool) -> User:
    """Deactivate (ending every session of the user at once) or reactivate a user."""
    user = get_user(uow, user_id=user_id)
    if not active:
        _keep_an_admin(uow, user=user, field="active", change="deactivated")
        uow.conn.execute(delete(console_sessions).where(_S.user_id == user_id))
    uow.conn.execute(update(console_users).where(_U.id == user_id).values(active=active))
    return get_user(uow, user_id=user_id)


def _store_password(
    uow: UnitOfWork, *, user_id: int, password: str, field: str, keep_token: str | None
) -> None:
    """Store a new password and end the user's sessions (but the one making the change)."""
    problem = password_problem(password)
    if problem:
        raise InputError([FieldError(field, problem)])
    uow.conn.execute(
        update(console_users).where(_U.id == user_id).values(password_hash=hash_password(password))
    )
    ending = delete(console_sessions).where(_S.user_id == user_id)
    if keep_token:
        ending = ending.where(_S.token_hash != _digest(keep_token))
    uow.conn.execute(ending)


def reset_password(
    uow: UnitOfWork, *, user_id: int, password: str, keep_token: str | None = None
) -> User:
    """An admin sets a user's password; the user's sessions end."""
    user = get_user(uow, user_id=user_id)
    _store_password(
        uow, user_id=user_id, password=password, field="password", keep_token=keep_token
    )
    return user


def change_own_password(
    uow: UnitOfWork, *, user_id: int, current: str, new: str, session_token: str
) -> None:
    """A user changes their password with the current one; their other sessions end."""
    row = uow.conn.execute(select(_U.password_hash).where(_U.id == user_id)).first()
    if row is None or not verify_password(row.password_hash, current):
        raise InputError([FieldError("current_password", "is not your current password")])
    if new == current:
        raise InputError([FieldError("new_password", "must differ from the current password")])
    _store_password(
        uow, user_id=user_id, password=new, field="new_password", keep_token=session_token
    )


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a session token, or why not."""

    token: str | None = None
    retry_after_ms: int | None = None


def _failures(uow: UnitOfWork, *, email: str, ip: str | None, since: int) -> tuple[list[int], ...]:
    by_email = list(
        uow.conn.scalars(select(millis(_F.at)).where(_F.email == email, millis(_F.at) >= since))
    )
    by_ip = (
        list(uow.conn.scalars(select(millis(_F.at)).where(_F.ip == ip, millis(_F.at) >= since)))
        if ip
        else []
    )
    return by_email, by_ip


def sign_in(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    ip: str | None,
    now: int,
    session_hours: int,
    lockout: Lockout = Lockout(),  # noqa: B008 - frozen value object
) -> SignIn:
    """Check the password (throttled per email and per IP) and open a session."""
    address = _email(email)[:320]
    by_email, by_ip = _failures(uow, email=address, ip=ip, since=now - lockout.window_ms)
    window = lockout.window_ms
    waits = [
        retry_after(failures=by_email, limit=lockout.attempts, window_ms=window, now=now),
        retry_after(failures=by_ip, limit=lockout.ip_attempts, window_ms=window, now=now),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        return SignIn(retry_after_ms=wait)
    row = uow.conn.execute(select(console_users).where(_U.email == address)).first()
    stored = row.password_hash if row is not None else decoy_hash()
    if not verify_password(stored, password) or row is None or not row.active:
        uow.conn.execute(insert(console_login_failures).values(email=address, ip=ip, at=now))
        return SignIn()
    changes: dict[str, Any] = {"last_login_at": now}
    if needs_rehash(stored):
        changes["password_hash"] = hash_password(password)
    uow.conn.execute(update(console_users).where(_U.id == row.id).values(**changes))
    uow.conn.execute(delete(console_login_failures).where(_F.email == address))
    return SignIn(token=open_session(uow, user_id=row.id, now=now, hours=session_hours))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(uow: UnitOfWork, *, user_id: int, now: int, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    uow.conn.execute(
        insert(console_sessions).values(
            token_hash=_digest(token),
            user_id=user_id,
            csrf=secrets.token_hex(32),
            created_at=now,
            expires_at=now + hours * HOUR_MS,
        )
    )
    uow.conn.execute(delete(console_sessions).where(millis(_S.expires_at) <= now))
    return token


def session_viewer(uow: UnitOfWork, *, token: str, now: int) -> Viewer | None:
    """The user behind a live session token, or None (unknown, expired, deactivated)."""
    if not token or len(token) > 128:
        return None
    row = uow.conn.execute(
        select(console_users, _S.csrf)
        .join(console_sessions, _S.user_id == _U.id)
        .where(_S.token_hash == _digest(token), millis(_S.expires_at) > now)
    ).first()
    if row is None or not row.active:
        return None
    return Viewer(user=_user(row), csrf=row.csrf)


def close_session(uow: UnitOfWork, *, token: str) -> None:
    uow.conn.execute(delete(console_sessions).where(_S.token_hash == _digest(token)))
