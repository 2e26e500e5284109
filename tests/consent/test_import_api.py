"""CSV import of consent over HTTP: a column per channel:topic, file-wide terms required."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cadence.db.tables import consent_ledger

from .apihelp import count, new_contact

TERMS = {"source": "import", "basis": "express", "wording": "Tick to get our offers by email"}


def upload(client: TestClient, text: str, **form: str) -> Any:
    data = {**TERMS, **form}
    return client.post(
        "/api/imports/consents",
        files={"file": ("consent.csv", text.encode(), "text/csv")},
        data={k: v for k, v in data.items() if v != "-"},
    )


def test_imports_good_rows_and_reports_bad_ones(client: TestClient) -> None:
    wim = new_contact(client, "wim@example.org")
    xia = new_contact(client, "xia@example.org")
    text = (
        "email,sms:offers,sms:*,email:news,consented_at,ip,first_name\n"
        "WIM@example.org,yes,,granted,2024-03-01T10:00:00Z,192.0.2.4,Wim\n"
        "xia@example.org,,no,,,,Xia\n"
        "nobody@example.org,yes,,,,,No\n"
        "xia@example.org,perhaps,,,,,Xia\n"
        "xia@example.org,yes\n"
    )
    answer = upload(client, text)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows"], report["contacts"], report["entries"], report["rejected"]) == (
        5,
        2,
        3,
        3,
    )
    assert report["ignored_columns"] == ["first_name"]
    assert [e["line"] for e in report["errors"]] == [4, 5, 6]
    assert "no contact" in report["errors"][0]["reason"]
    history = client.get(f"/api/contacts/{wim}/consents/history").json()["entries"]
    assert [(e["channel"], e["topic"], e["action"], e["at"]) for e in history] == [
        ("sms", "offers", "granted", "2024-03-01T10:00:00Z"),
        ("email", "news", "granted", "2024-03-01T10:00:00Z"),
    ]
    assert history[0]["wording"] == TERMS["wording"] and history[0]["source"] == "import"
    assert history[0]["ip"] == "192.0.2.4"
    state = client.get(f"/api/contacts/{xia}/consents").json()["consents"]
    assert [(r["topic"], r["status"]) for r in state] == [("*", "withdrawn")]


def test_terms_and_header_are_required_and_refusal_writes_nothing(client: TestClient) -> None:
    new_contact(client, "yan@example.org")
    good = "email,sms:offers\nyan@example.org,yes\n"
    for field in ("wording", "source", "basis"):
        answer = upload(client, good, **{field: "-"})
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == field
    assert upload(client, good, wording="  ").json()["errors"][0]["field"] == "wording"
    assert upload(client, good, source="system").status_code == 400
    bad_header = upload(client, "email,fax:offers,sms:gossip\nyan@example.org,yes,yes\n").json()
    assert [e["field"] for e in bad_header["errors"]] == ["header.fax:offers", "header.sms:gossip"]
    assert upload(client, "name,sms:offers\nYan,yes\n").json()["errors"][0]["field"] == "header"
    assert upload(client, "").json()["errors"][0]["field"] == "file"
    assert count(client, consent_ledger) == 0
