"""The demo's recent weeks, played through the real services at simulated moments.

Starting where the loaded history ends, each simulated day runs the scheduler (journeys
move, campaigns send into the pickup directory, decision rewards close), and between days
people react: campaign recipients open and click (their tracking links, read back from
the ``.eml`` files and verified), some addresses bounce or complain (RFC 3464 / ARF reports
fed to bounce ingestion), visitors get a homepage offer from the decision point and some
ask for a demo, others register for a webinar and may attend. Seeded: the same seed and
database give the same story.
"""

from __future__ import annotations

import heapq
import random
import re
import tempfile
from dataclasses import dataclass, field
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, select

from cadence import pipeline
from cadence.campaigns import service as campaigns_service
from cadence.channels import bounce_service
from cadence.channels.events import channel_event
from cadence.channels.tracking import CLICK_PATH, OPEN_PATH, read_click, read_open, tracking_key
from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.db.tables import campaigns, contacts, sends
from cadence.decisions import service as decisions
from cadence.demo import reports
from cadence.events.spec import Event
from cadence.messages import service as messages_service
from cadence.messages.models import Message
from cadence.runtime import secret_key
from cadence.scheduler import run_until_idle
from cadence.segments import service as segments_service
from cadence.segments.config import SegmentSpec

HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS
STORY_DAYS: Final = 14
# (day of the story, message, segment): the campaigns the marketing team ran
CAMPAIGNS: Final = ((1, "webinar-invite", "subscribers"), (8, "spring-offer", "subscribers"))
# what the marketing team set up in the console before the first campaign
SUBSCRIBERS: Final = SegmentSpec(
    key="subscribers",
    name="Newsletter subscribers",
    description="Everyone who said yes to news or offers by email",
    kind="dynamic",
    condition={
        "any": [
            {"consent": {"channel": "email", "topic": "news"}},
            {"consent": {"channel": "email", "topic": "offers"}},
        ]
    },
)
INVITE: Final = Message(
    key="webinar-invite",
    channel="email",
    topic="news",
    subject="{{ first_name('Hello') }}, live next week: the B2B playbook webinar",
    html=(
        "<p>Hello {{ first_name('there') }},</p><p>Join our product team live.</p>"
        '<p><a href="https://example.com/webinar/b2b-playbook">Save your seat</a></p>'
        '<p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>'
    ),
    text="Join our product team live: https://example.com/webinar/b2b-playbook",
)
DECISION_POINT: Final = "homepage-offer"
VISITORS_PER_DAY: Final = 30
# chance that a visitor shown the option asks for a demo within the week
DEMO_RATES: Final = {"guide": 0.06, "webinar": 0.16, "discount": 0.04}
WEBINAR_SIGNUPS_PER_DAY: Final = 6
# what happens to one delivered email (cumulative draws; the rest: nothing)
REACTIONS: Final = (("hard", 0.02), ("soft", 0.03), ("complaint", 0.037), ("open", 0.4))
CLICK_GIVEN_OPEN: Final = 0.3
_TOKEN: Final = re.compile(r"(/t/[oc]/[A-Za-z0-9_\-.~%]+)")


@dataclass
class Tally:
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    bounced: int = 0
    complaints: int = 0
    decisions: int = 0
    events: int = 0
    campaigns: list[int] = field(default_factory=list)

    def describe(self, outbox: str) -> str:
        return (
            f"demo recent weeks: {len(self.campaigns)} campaigns, {self.sent:,} emails delivered"
            f" to {outbox}, {self.opened:,} opened, {self.clicked:,} clicked,"
            f" {self.bounced:,} bounced, {self.complaints:,} complaints,"
            f" {self.decisions:,} decisions, {self.events:,} later events"
        )


@dataclass
class _Queue:
    """Events that happen later, processed when the simulated clock reaches them."""

    heap: list[tuple[int, int, Event]] = field(default_factory=list)
    counter: int = 0

    def push(self, event: Event) -> None:
        self.counter += 1
        heapq.heappush(self.heap, (event.ts, self.counter, event))

    def due(self, now: int) -> list[Event]:
        out: list[Event] = []
        while self.heap and self.heap[0][0] <= now:
            out.append(heapq.heappop(self.heap)[2])
        return out


def demo_settings(settings: Settings) -> Settings:
    """The demo never talks to a mail server: email goes to the pickup directory (the
    configured one, else a fresh temporary one)."""
    folder = settings.mail_pickup_dir or tempfile.mkdtemp(prefix="cadence-demo-mail-")
    return settings.model_copy(update={"smtp_url": "", "mail_pickup_dir": folder})


def play(engine: Engine, settings: Settings, *, seed: int, start: int, end: int) -> Tally | None:
    """Play the days from ``start`` to ``end`` (epoch ms); once: None when a campaign exists."""
    with unit_of_work(engine, write=False) as uow:
        if uow.conn.execute(select(campaigns.c.id).limit(1)).first() is not None:
            return None
        people = [
            int(i)
            for i in uow.conn.scalars(
                select(contacts.c.id)
                .where(contacts.c.merged_into.is_(None), contacts.c.email.is_not(None))
                .order_by(contacts.c.id)
            )
        ]
    rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, not security
    key = tracking_key(secret=secret_key(engine, settings))
    outbox = Path(settings.mail_pickup_dir)
    tally, queue = Tally(), _Queue()
    with unit_of_work(engine) as uow:
        segments_service.save(uow, SUBSCRIBERS, now=start, managed_by="console")
        messages_service.save_message(uow, message=INVITE, managed_by="console")
    midnight = start - start % DAY_MS
    for day in range(1, (end - midnight) // DAY_MS + 1):
        moment = midnight + day * DAY_MS + 10 * HOUR_MS  # 10:00 UTC, office hours in Europe
        if moment >= end:
            break
        _process(engine, queue.due(moment), now=moment, tally=tally)
        for _, message, segment in (c for c in CAMPAIGNS if c[0] == day):
            tally.campaigns.append(_start_campaign(engine, message, segment, now=moment))
        before = _last_send_id(engine)
        run_until_idle(engine, now=moment, settings=settings)
        _react(engine, rng, queue, tally, key=key, outbox=outbox, after=before, now=moment)
        _visitors(engine, rng, queue, tally, people=people, now=moment)
        _webinars(rng, queue, people=people, now=moment)
    _process(engine, queue.due(end), now=end, tally=tally)
    run_until_idle(engine, now=end, settings=settings)
    return tally


def _process(engine: Engine, events: list[Event], *, now: int, tally: Tally) -> None:
    if events:
        with unit_of_work(engine) as uow:
            pipeline.process(uow, events, now=now)
        tally.events += len(events)


def _start_campaign(engine: Engine, message: str, segment: str, *, now: int) -> int:
    with unit_of_work(engine) as uow:
        made = campaigns_service.create(
            uow, message_key=message, segment_key=segment, send_at=None, now=now
        )
        campaigns_service.start(uow, campaign_id=int(made["id"]), now=now)
    return int(made["id"])


def _last_send_id(engine: Engine) -> int:
    with unit_of_work(engine, write=False) as uow:
        found = uow.conn.execute(select(sends.c.id).order_by(sends.c.id.desc()).limit(1)).scalar()
    return int(found or 0)


def _delivered(engine: Engine, *, after: int) -> list[Any]:
    s = sends.c
    with unit_of_work(engine, write=False) as uow:
        return list(
            uow.conn.execute(
                select(s.id, s.contact_id, s.message_key, s.source, s.topic)
                .where(s.id > after, s.channel == "email", s.status == "sent")
                .order_by(s.id)
            )
        )


def _react(
    engine: Engine,
    rng: random.Random,
    queue: _Queue,
    tally: Tally,
    *,
    key: bytes,
    outbox: Path,
    after: int,
    now: int,
) -> None:
    """Recipients of the emails delivered just now open, click, bounce or complain."""
    for send in _delivered(engine, after=after):
        eml_path = outbox / f"{send.id}.eml"
        if not eml_path.exists():
            continue
        tally.sent += 1
        eml = eml_path.read_bytes()
        draw = rng.random()
        reaction = next((name for name, limit in REACTIONS if draw < limit), None)
        at = now + rng.randrange(10 * 60_000, 20 * HOUR_MS)
        if reaction in ("hard", "soft", "complaint"):
            _report(engine, eml, reaction, key=key, at=at)
            tally.bounced += reaction != "complaint"
            tally.complaints += reaction == "complaint"
        elif reaction == "open":
            _track(send, eml, rng, queue, tally, key=key, at=at)


def _report(engine: Engine, eml: bytes, reaction: str, *, key: bytes, at: int) -> None:
    raw = (
        reports.complaint(eml=eml, at=at)
        if reaction == "complaint"
        else reports.delivery_status(eml=eml, kind=reaction, at=at)
    )
    with unit_of_work(engine) as uow:
        bounce_service.ingest_report(uow, raw=raw, key=key, now=at, source="demo")


def tracking_tokens(eml: bytes) -> tuple[list[str], list[str]]:
    """The open-pixel and click tokens in a sent message's HTML part."""
    message = BytesParser(policy=email_policy.default).parsebytes(eml)
    body = message.get_body(preferencelist=("html",))
    html = str(body.get_content()) if body is not None else ""
    paths = _TOKEN.findall(html)
    opens = [p[len(OPEN_PATH) :] for p in paths if p.startswith(OPEN_PATH)]
    clicks = [p[len(CLICK_PATH) :] for p in paths if p.startswith(CLICK_PATH)]
    return opens, clicks


def _track(
    send: Any,
    eml: bytes,
    rng: random.Random,
    queue: _Queue,
    tally: Tally,
    *,
    key: bytes,
    at: int,
) -> None:
    """The reader's client loads the pixel (and maybe follows a link): the signed tokens
    are read as the tracking endpoints read them, and the same events recorded."""
    opens, clicks = tracking_tokens(eml)
    properties = {
        "message": send.message_key,
        "send_id": send.id,
        "source": send.source,
        "topic": send.topic,
    }
    if not opens or read_open(key=key, token=opens[0]) != send.id:
        return
    queue.push(_channel("Email Opened", send, properties, at=at))
    tally.opened += 1
    click = read_click(key=key, token=clicks[0]) if clicks else None
    if click is not None and click.send_id == send.id and rng.random() < CLICK_GIVEN_OPEN:
        later = at + rng.randrange(5_000, 10 * 60_000)
        queue.push(_channel("Email Clicked", send, {**properties, "url": click.url}, at=later))
        tally.clicked += 1


def _channel(name: str, send: Any, properties: dict[str, Any], *, at: int) -> Event:
    return channel_event(
        name=name,
        contact_id=int(send.contact_id),
        properties=properties,
        at=at,
        message_id=f"demo-track-{name[6:].lower()}-{send.id}",
        context={"userAgent": "Mozilla/5.0 (demo mail client)"},
    )


def _visitors(
    engine: Engine,
    rng: random.Random,
    queue: _Queue,
    tally: Tally,
    *,
    people: list[int],
    now: int,
) -> None:
    """Known visitors see the homepage offer the decision point picks; some ask for a demo."""
    visitors = rng.sample(people, min(VISITORS_PER_DAY, len(people)))
    with unit_of_work(engine) as uow:
        for contact_id in visitors:
            at = now + rng.randrange(8 * HOUR_MS)
            chosen = decisions.choose(
                uow,
                point=DECISION_POINT,
                contact_id=contact_id,
                eligible=None,
                context={"page": "/"},
                at=at,
                source="demo",
            )
            tally.decisions += 1
            if rng.random() < DEMO_RATES.get(chosen.option, 0.05):
                asked = at + rng.randrange(HOUR_MS, 5 * DAY_MS)
                queue.push(_event("Demo Requested", contact_id, at=asked, seq=tally.decisions))


def _webinars(rng: random.Random, queue: _Queue, *, people: list[int], now: int) -> None:
    """A few people register for next week's webinar; about half attend a day later."""
    for contact_id in rng.sample(people, min(WEBINAR_SIGNUPS_PER_DAY, len(people))):
        at = now + rng.randrange(10 * HOUR_MS)
        seq = queue.counter + 1
        queue.push(_event("Webinar Registered", contact_id, at=at, seq=seq))
        if rng.random() < 0.5:
            queue.push(_event("Webinar Attended", contact_id, at=at + DAY_MS, seq=seq))


def _event(name: str, contact_id: int, *, at: int, seq: int) -> Event:
    """A visitor's own action on the website."""
    slug = name.lower().replace(" ", "-")
    return channel_event(
        name=name,
        contact_id=contact_id,
        properties={},
        at=at,
        message_id=f"demo-story-{slug}-{contact_id}-{seq}",
        context={"channel": "web"},
    )
