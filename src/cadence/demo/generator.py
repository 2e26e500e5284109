"""The demo data set: Segment messages for a synthetic B2B market, in timestamp order.

Messages are generated account by account (each account's contacts depend only on the seed
and their index), collected into sorted runs of at most ``run_size`` messages, and merged.
A run that does not fit is spilled to a temporary file, so millions of messages stream in
bounded memory; the default data set is one run and never touches the disk.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from cadence.demo import ids
from cadence.demo.behaviour import choose_legacy, plan_contact
from cadence.demo.calendar import DAY_MS, Calendar, build_calendar
from cadence.demo.messages import Draft, Message
from cadence.demo.orders import AccountStory
from cadence.demo.population import Account, allocate_contacts, build_accounts, build_contacts
from cadence.demo.runs import SortedRuns
from cadence.demo.timeline import contact_messages, visitor_messages

DAYS_PER_MONTH = 30
DEFAULT_RUN_SIZE = 50_000


def window(*, now: datetime, months: int) -> tuple[int, int]:
    """(start, end) of the data set in epoch milliseconds: ``months`` of 30 days up to now,
    rounded inwards so every millisecond timestamp in it lies within the exact window."""
    end_us = ids.to_micros(now)
    start_us = end_us - months * DAYS_PER_MONTH * DAY_MS * 1000
    return -(-start_us // 1000), end_us // 1000


def _account_drafts(
    *, seed: int, account: Account, first: int, count: int, calendar: Calendar
) -> list[Draft]:
    """Messages of every contact of one account; plans first, so all agree on the account."""
    people = list(build_contacts(seed=seed, account=account, first=first, count=count))
    account_rng = ids.seeded(f"{seed}:account-life:{account.index}")
    legacy = choose_legacy(account=account, contacts=people, rng=account_rng)
    lives = []
    for contact in people:
        rng = ids.seeded(f"{seed}:life:{contact.index}")
        plan = plan_contact(
            contact=contact, calendar=calendar, rng=rng, legacy=contact.index in legacy
        )
        lives.append((contact, rng, plan))
    story = AccountStory.from_plans(
        account=account, plans=[(c.index, plan) for c, _, plan in lives]
    )
    drafts: list[Draft] = []
    for contact, rng, plan in lives:
        drafts.extend(
            contact_messages(
                seed=seed, contact=contact, plan=plan, rng=rng, story=story, calendar=calendar
            )
        )
    return drafts


def _all_drafts(
    *, seed: int, accounts: int, contacts: int, visitors: int, calendar: Calendar
) -> Iterator[list[Draft]]:
    """Messages account by account; anonymous visitors are spread evenly over the accounts."""
    account_list = build_accounts(seed=seed, count=accounts)
    counts = allocate_contacts(accounts=account_list, total=contacts)
    first = 0
    for account, count in zip(account_list, counts, strict=True):
        drafts = _account_drafts(
            seed=seed, account=account, first=first, count=count, calendar=calendar
        )
        first += count
        lo, hi = account.index * visitors // accounts, (account.index + 1) * visitors // accounts
        for index in range(lo, hi):
            drafts.extend(visitor_messages(seed=seed, index=index, calendar=calendar))
        yield drafts


def _check(*, accounts: int, contacts: int, months: int, now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    if accounts < 1 or contacts < 0 or months < 1:
        raise ValueError("need accounts >= 1, contacts >= 0 and months >= 1")


def generate(
    *,
    seed: int = 7,
    accounts: int = 80,
    contacts: int = 800,
    months: int = 6,
    now: datetime,
    visitors: int | None = None,
    run_size: int = DEFAULT_RUN_SIZE,
) -> Iterator[Message]:
    """Yield the demo's Segment messages in timestamp order (ties broken by messageId).

    ``visitors`` anonymous visitors who never sign up come on top of ``contacts``
    (default: half as many). Every timestamp lies in [now - months * 30 days, now].
    """
    _check(accounts=accounts, contacts=contacts, months=months, now=now)
    start_ms, end_ms = window(now=now, months=months)
    calendar = build_calendar(start_ms=start_ms, end_ms=end_ms)
    visitors = contacts // 2 if visitors is None else visitors
    chunks = _all_drafts(
        seed=seed, accounts=accounts, contacts=contacts, visitors=visitors, calendar=calendar
    )
    run: list[Draft] = []
    with contextlib.ExitStack() as stack:
        runs: SortedRuns | None = None
        for chunk in chunks:
            run.extend(chunk)
            if len(run) >= run_size:
                if runs is None:
                    directory = stack.enter_context(tempfile.TemporaryDirectory())
                    runs = SortedRuns(directory=Path(directory))
                runs.add(run)
                run = []
        if runs is None:
            run.sort(key=lambda draft: (draft[0], draft[1]))
            yield from (message for _, _, message in run)
            return
        if run:
            runs.add(run)
        yield from runs.messages()
