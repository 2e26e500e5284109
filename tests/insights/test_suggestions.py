"""Each suggestion, triggered by data built for it, on SQLite and PostgreSQL; one-click apply."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from cadence.db import tables
from cadence.db.engine import unit_of_work
from cadence.errors import InputError, NotFound
from cadence.insights import service
from cadence.insights.models import Suggestion
from tests.insights.factories import (
    DAY,
    NOW,
    apply_workspace,
    contact_ids,
    identify,
    ingest,
    rows,
    track,
)


def people(engine: Engine, count: int, *, since: int = NOW - 60 * DAY) -> list[int]:
    ingest(engine, [identify(f"p{n}", since, email=f"p{n}@example.com") for n in range(count)])
    ids = contact_ids(engine)
    return [ids[f"p{n}"] for n in range(count)]


def current(engine: Engine, now: int = NOW) -> dict[str, Suggestion]:
    with unit_of_work(engine, write=False) as uow:
        return {s.id: s for s in service.suggestions(uow, now=now)}


def set_columns(engine: Engine, ids: list[int], **values: Any) -> None:
    with unit_of_work(engine) as uow:
        uow.conn.execute(
            update(tables.contacts).where(tables.contacts.c.id.in_(ids)).values(**values)
        )


def test_hot_leads_without_owner_are_assigned_in_one_click(engine: Engine) -> None:
    a, b, owned, cold = people(engine, 4)
    set_columns(engine, [a, b, owned], grade="A", band=1)
    set_columns(engine, [cold], grade="A", band=4)
    set_columns(engine, [owned], owner="ann@example.com")
    found = current(engine)["unowned_leads"]
    assert found.contact_ids == (a, b) and found.contact_count == 2
    assert found.apply is not None and found.apply.params["owners"] == ["ann@example.com"]
    with unit_of_work(engine) as uow:
        applied = service.apply_suggestion(
            uow,
            suggestion_id="unowned_leads",
            actor="tester",
            now=NOW,
            params={"owners": ["bob", "cy"]},
        )
    assert applied.changed == 2
    with unit_of_work(engine, write=False) as uow:
        owners = {
            i: o for i, o in uow.conn.execute(select(tables.contacts.c.id, tables.contacts.c.owner))
        }
        log = list(uow.conn.execute(select(tables.suggestion_actions)))
    assert (owners[a], owners[b]) == ("bob", "cy")
    assert [(r.suggestion_id, r.actor, r.changed) for r in log] == [("unowned_leads", "tester", 2)]
    assert "unowned_leads" not in current(engine)


def test_rejected_apply_writes_nothing(engine: Engine) -> None:
    (a,) = people(engine, 1)
    set_columns(engine, [a], grade="A", band=2)
    with pytest.raises(InputError) as error, unit_of_work(engine) as uow:
        service.apply_suggestion(
            uow, suggestion_id="unowned_leads", actor="t", now=NOW, params={"owners": [""]}
        )
    assert error.value.errors[0].field == "owners"
    with pytest.raises(NotFound), unit_of_work(engine) as uow:
        service.apply_suggestion(uow, suggestion_id="nothing:here", actor="t", now=NOW)
    with unit_of_work(engine, write=False) as uow:
        assert uow.conn.execute(select(tables.contacts.c.owner)).scalar() is None
        assert list(uow.conn.execute(select(tables.suggestion_actions))) == []


def test_mqls_past_the_sales_sla(engine: Engine) -> None:
    apply_workspace(engine)  # sales_sla_days defaults to 3
    late, fresh = people(engine, 2)
    set_columns(engine, [late, fresh], lifecycle_stage="mql")
    rows(
        engine,
        tables.lifecycle_history,
        [
            {
                "contact_id": late,
                "from_stage": "lead",
                "to_stage": "mql",
                "at": NOW - 5 * DAY,
                "reason": "r",
                "actor": "rule:mql",
            },
            {
                "contact_id": fresh,
                "from_stage": "lead",
                "to_stage": "mql",
                "at": NOW - DAY,
                "reason": "r",
                "actor": "rule:mql",
            },
        ],
    )
    found = current(engine)["mql_sla"]
    assert found.contact_ids == (late,)
    assert found.evidence["longest_wait_days"] == 5.0 and found.apply is None


def _sends(ids: list[int], topic: str, per_person: int, start: int) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": c,
            "channel": "email",
            "topic": topic,
            "status": "sent",
            "at": start + k * DAY,
        }
        for c in ids
        for k in range(per_person)
    ]


def test_topic_fatigue_after_a_frequency_increase(engine: Engine) -> None:
    ids = people(engine, 20)
    rows(
        engine,
        tables.sends,
        _sends(ids, "news", 1, NOW - 50 * DAY) + _sends(ids, "news", 4, NOW - 25 * DAY),
    )
    rows(
        engine,
        tables.sends,
        _sends(ids, "offers", 2, NOW - 50 * DAY) + _sends(ids, "offers", 2, NOW - 25 * DAY),
    )
    leavers = ids[:4]
    rows(
        engine,
        tables.preference_choices,
        [
            {
                "contact_id": c,
                "kind": "topic_unsubscribe",
                "channel": "email",
                "topic": "news",
                "source": "preference_center",
                "at": NOW - 10 * DAY,
            }
            for c in leavers
        ],
    )
    found = current(engine)
    assert "frequency_fatigue:offers" not in found  # same volume: nothing to say
    news = found["frequency_fatigue:news"]
    assert news.evidence["opted_out_recent"] == 4
    assert news.evidence["emails_per_recipient_recent"] == 4.0
    assert set(news.contact_ids) == set(ids[4:]) and news.contact_count == 16


def test_cadence_saturated_and_under_served(engine: Engine) -> None:
    tired, eager, steady = people(engine, 3)
    rows(
        engine,
        tables.sends,
        _sends([tired], "news", 4, NOW - 55 * DAY) + _sends([tired], "news", 12, NOW - 28 * DAY),
    )
    rows(
        engine,
        tables.sends,
        _sends([eager], "news", 2, NOW - 20 * DAY) + _sends([steady], "news", 3, NOW - 20 * DAY),
    )
    opens = [track("p0", "Email Opened", NOW - 50 * DAY + k * DAY) for k in range(4)]
    opens += [track("p0", "Email Opened", NOW - 5 * DAY)]
    opens += [track("p1", "Email Opened", NOW - 10 * DAY + k) for k in range(3)]
    opens += [track("p2", "Email Opened", NOW - 10 * DAY)]
    ingest(engine, opens)
    found = current(engine)
    assert found["cadence_saturated"].contact_ids == (tired,)
    assert found["cadence_underserved"].contact_ids == (eager,)
    assert found["cadence_saturated"].evidence["on_target"] == 1
    with unit_of_work(engine) as uow:
        applied = service.apply_suggestion(
            uow, suggestion_id="cadence_saturated", actor="t", now=NOW
        )
    assert applied.changed == 1
    with unit_of_work(engine, write=False) as uow:
        segment = uow.conn.execute(
            select(tables.segments).where(tables.segments.c.key == "cadence-saturated")
        ).one()
        members = list(
            uow.conn.scalars(
                select(tables.segment_members.c.contact_id).where(
                    tables.segment_members.c.segment_id == segment.id
                )
            )
        )
    assert segment.kind == "static" and members == [tired]


def test_contacts_stuck_at_a_profile_level(engine: Engine) -> None:
    old = people(engine, 3, since=NOW - 90 * DAY)
    ingest(engine, [identify("new", NOW - 2 * DAY, email="new@example.com")])
    found = [s for s in current(engine).values() if s.kind == "profile_stuck"]
    assert len(found) == 1
    stuck = found[0]
    assert stuck.evidence["level"] == 0 and sorted(stuck.contact_ids) == sorted(old)
    assert stuck.evidence["field"] in ("first_name", "last_name", "company", "job_title", "country")
    assert "(no form asks for it today)" in str(stuck.evidence["fill_with"]) or "form" in str(
        stuck.evidence["fill_with"]
    )


def _views(
    form: str, audience: str, incentive: str, views: int, submitted: int, at: int
) -> list[dict[str, Any]]:
    return [
        {
            "form_key": form,
            "incentive_key": incentive,
            "audience": audience,
            "shown_at": at + n,
            "submitted_at": at + n + 1 if n < submitted else None,
        }
        for n in range(views)
    ]


def test_an_incentive_that_earns_far_more_in_an_audience(engine: Engine) -> None:
    rows(engine, tables.form_views, _views("newsletter", "b2b", "guide", 200, 60, NOW - 40 * DAY))
    rows(engine, tables.form_views, _views("newsletter", "b2b", "prize", 200, 20, NOW - 10 * DAY))
    rows(
        engine, tables.form_views, _views("newsletter", "social", "prize", 100, 30, NOW - 10 * DAY)
    )
    found = current(engine)
    assert list(k for k in found if k.startswith("incentive")) == [
        "incentive_mismatch:newsletter:b2b"
    ]
    evidence = found["incentive_mismatch:newsletter:b2b"].evidence
    assert (evidence["better_incentive"], evidence["current_incentive"]) == ("guide", "prize")
    assert evidence["better_rate"] == 0.3 and evidence["current_rate"] == 0.1


def test_journey_dropout_and_a_starved_variant(engine: Engine) -> None:
    ids = people(engine, 25)
    enrolments = [
        {
            "id": n + 1,
            "journey_id": 1,
            "journey_key": "welcome",
            "contact_id": c,
            "status": "exited" if n < 20 else "active",
            "entered_at": NOW - 20 * DAY,
            "trigger": "t",
            "path": [],
        }
        for n, c in enumerate(ids)
    ]
    rows(engine, tables.journey_enrolments, enrolments)
    runs = [
        {
            "enrolment_id": n + 1,
            "seq": 1,
            "step_id": "email-1",
            "at": NOW - 19 * DAY,
            "outcome": "sent",
        }
        for n in range(25)
    ]
    runs += [
        {
            "enrolment_id": n + 1,
            "seq": 2,
            "step_id": "email-2",
            "at": NOW - 12 * DAY,
            "outcome": "sent",
        }
        for n in range(20, 25)
    ]
    rows(engine, tables.journey_runs, runs)
    rows(
        engine,
        tables.decision_points,
        [
            {
                "key": "welcome-subject",
                "options": ["a", "b"],
                "features": [],
                "algorithm": "thompson",
                "epsilon": 0.0,
                "managed_by": "journey:welcome",
                "version": 1,
                "active": True,
                "created_at": NOW - 30 * DAY,
                "updated_at": NOW - 30 * DAY,
            }
        ],
    )
    log = [
        {
            "point": "welcome-subject",
            "version": 1,
            "contact_id": ids[n % 25],
            "context": {},
            "eligible": ["a", "b"],
            "chosen": "a" if n < 190 else "b",
            "propensity": 0.9,
            "draw": n,
            "at": NOW - 5 * DAY,
        }
        for n in range(198)
    ]
    rows(engine, tables.decision_log, log)
    found = current(engine)
    drop = found["journey_dropout:welcome:email-1"]
    assert drop.evidence["dropped"] == 20 and drop.evidence["reached"] == 25
    assert "journey_dropout:welcome:email-2" not in found
    starved = found["journey_starved_variant:welcome-subject:b"]
    assert starved.evidence["decisions"] == 198


def test_suggestions_over_http(client: TestClient, engine: Engine) -> None:
    a, owned = people(engine, 2)
    set_columns(engine, [a, owned], grade="A", band=1)
    set_columns(engine, [owned], owner="ann")
    body = client.get("/api/suggestions").json()
    item = next(i for i in body["items"] if i["id"] == "unowned_leads")
    assert item["contacts"] == {"ids": [a], "count": 1}
    assert item["apply"]["action"] == "assign_owner" and item["reason"]
    done = client.post("/api/suggestions/unowned_leads/apply", json={"by": "marketer@example.com"})
    assert done.status_code == 200, done.text
    assert done.json()["changed"] == 1
    again = client.post("/api/suggestions/unowned_leads/apply", json={})
    assert again.status_code == 404 and again.json()["errors"][0]["field"] == "suggestion_id"
    assert client.post("/api/suggestions/x/apply", json={"nope": 1}).status_code == 400
