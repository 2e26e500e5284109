"""The suppression rule: who may be granted consent when their address is suppressed.

Hard bounces, spam complaints and erased contacts put the hashed email on the
suppression list. Nothing is sent to a suppressed address (the gate blocks
it), and no consent can be granted to it again except by a new, express opt-in
that the person confirms through double opt-in, whatever the channel's own
double opt-in setting; only that confirmation lifts the suppression.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from cadence.consent.models import Basis


class GrantScreen(StrEnum):
    """What to do with a grant, given the suppression list."""

    ACCEPT = "accept"  # record it (and, if the address was suppressed, lift the suppression)
    CONFIRM_FIRST = "confirm_first"  # record a double opt-in request (`pending`) instead
    REFUSE = "refuse"  # record nothing; the address stays suppressed


def email_hash(*, email: str) -> str:
    """The key of the suppression list: SHA-256 hex of the trimmed, lower-cased address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def screen_grant(
    *, suppressed: bool, basis: Basis, confirmed_by_double_opt_in: bool
) -> GrantScreen:
    """Decide a grant: a suppressed address only accepts an express, double-opt-in-confirmed one."""
    if not suppressed:
        return GrantScreen.ACCEPT
    if basis is not Basis.EXPRESS:
        return GrantScreen.REFUSE
    return GrantScreen.ACCEPT if confirmed_by_double_opt_in else GrantScreen.CONFIRM_FIRST
