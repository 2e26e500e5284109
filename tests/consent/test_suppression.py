from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.consent.models import Basis
from cadence.consent.suppression import GrantScreen, email_hash, screen_grant


@pytest.mark.parametrize(
    ("suppressed", "basis", "confirmed", "outcome"),
    [
        (False, Basis.IMPLIED, False, GrantScreen.ACCEPT),
        (False, Basis.EXPRESS, False, GrantScreen.ACCEPT),
        (True, Basis.IMPLIED, False, GrantScreen.REFUSE),
        (True, Basis.IMPLIED, True, GrantScreen.REFUSE),
        (True, Basis.LEGITIMATE_INTEREST, True, GrantScreen.REFUSE),
        (True, Basis.EXPRESS, False, GrantScreen.CONFIRM_FIRST),
        (True, Basis.EXPRESS, True, GrantScreen.ACCEPT),
    ],
)
def test_a_suppressed_address_only_accepts_an_express_confirmed_opt_in(
    suppressed: bool, basis: Basis, confirmed: bool, outcome: GrantScreen
) -> None:
    assert (
        screen_grant(suppressed=suppressed, basis=basis, confirmed_by_double_opt_in=confirmed)
        is outcome
    )


@given(st.booleans(), st.sampled_from(list(Basis)), st.booleans())
def test_a_suppressed_address_is_never_accepted_otherwise(
    suppressed: bool, basis: Basis, confirmed: bool
) -> None:
    outcome = screen_grant(suppressed=suppressed, basis=basis, confirmed_by_double_opt_in=confirmed)
    if outcome is GrantScreen.ACCEPT:
        assert not suppressed or (basis is Basis.EXPRESS and confirmed)


def test_email_hash_ignores_case_and_surrounding_space() -> None:
    assert email_hash(email=" Ann@Example.COM\n") == email_hash(email="ann@example.com")
    assert email_hash(email="ann@example.com") == hashlib.sha256(b"ann@example.com").hexdigest()
