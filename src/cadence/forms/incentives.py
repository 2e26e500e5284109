"""Adaptive incentives: a form's incentive chosen per audience by a decision point.

A form with ``incentive_choice: adaptive`` owns the decision point ``form:<key>``: its
options are the form's incentives, its one feature the visitor's audience, and its goal
a confirmed opt-in within ``optin_within_days``. Each display is a logged decision
(``source`` names the display, so its conversion finds it); an opt-in that needs no
confirmation earns 1 when it is made, a double opt-in earns 1 when the window closes if
it was confirmed by then (``decisions.rewards``), and a display that never converts
earns 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select, update

from cadence.db.engine import UnitOfWork
from cadence.db.tables import decision_log
from cadence.decisions import service as decisions
from cadence.decisions import store as decision_store
from cadence.decisions.config import RewardSpec
from cadence.decisions.rewards import OPTIN
from cadence.errors import FieldError, InputError
from cadence.forms.config import FormSpec, Incentive

MANAGED_BY: Final = "forms"
FEATURES: Final = ("audience",)
_L = decision_log.c


def point_key(form_key: str) -> str:
    return f"form:{form_key}"


def view_source(view_id: int) -> str:
    return f"form-view:{view_id}"


def eligible(form: FormSpec, audience: str) -> list[Incentive]:
    """The incentives that target the audience (those without audiences target everybody)."""
    return [i for i in form.incentives if not i.audiences or audience in i.audiences]


def register_points(uow: UnitOfWork, *, forms: Sequence[FormSpec], now: int) -> None:
    """Keep one decision point per adaptive form; retire those of forms no longer adaptive."""
    wanted = {point_key(f.key): f for f in forms if f.adaptive}
    taken = _taken(uow, forms)
    if taken:
        raise InputError(taken)
    for key, form in wanted.items():
        decisions.ensure_point(
            uow,
            key=key,
            options=[i.key for i in form.incentives],
            features=FEATURES,
            reward=RewardSpec(event=OPTIN, within_days=form.optin_within_days),
            managed_by=MANAGED_BY,
            now=now,
        )
    for point in decision_store.load_points(uow, managed_by=MANAGED_BY):
        if point.spec.key not in wanted:
            decision_store.retire_point(uow, point.spec.key, now=now)


def _taken(uow: UnitOfWork, forms: Sequence[FormSpec]) -> list[FieldError]:
    """Adaptive forms whose point another owner (the workspace, a journey) already has."""
    errors = []
    for index, form in enumerate(forms):
        point = decision_store.load_point(uow, point_key(form.key)) if form.adaptive else None
        if point is not None and point.active and point.managed_by != MANAGED_BY:
            message = f"the decision point {point.spec.key!r} is used by {point.managed_by}"
            errors.append(FieldError(f"forms[{index}].incentive_choice", message))
    return errors


def choose(
    uow: UnitOfWork,
    *,
    form: FormSpec,
    audience: str,
    contact_id: int | None,
    view_id: int,
    now: int,
) -> Incentive | None:
    """The incentive for one display, chosen and logged at the form's point."""
    options = eligible(form, audience)
    if not options:
        return None
    chosen = decisions.choose(
        uow,
        point=point_key(form.key),
        contact_id=contact_id,
        eligible=[i.key for i in options],
        context={"audience": audience},
        at=now,
        source=view_source(view_id),
    )
    return next(i for i in options if i.key == chosen.option)


def converted(
    uow: UnitOfWork, *, form: FormSpec, view_id: int, contact_id: int, pending: bool, now: int
) -> None:
    """A display led to an opt-in: follow its contact, and reward it if it took effect."""
    row = uow.conn.execute(
        select(_L.id).where(_L.source == view_source(view_id), _L.point == point_key(form.key))
    ).first()
    if row is None:  # shown before the form became adaptive
        return
    uow.conn.execute(update(decision_log).where(_L.id == row.id).values(contact_id=contact_id))
    if not pending:
        decisions.reward(uow, decision_id=row.id, value=1.0, at=now)
