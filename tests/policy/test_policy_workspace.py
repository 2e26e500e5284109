"""The ``policy:`` section through the workspace API: applied, exported, and refused whole
with every problem named by its path."""

from __future__ import annotations

from fastapi.testclient import TestClient

POLICY = """
policy:
  caps:
    - {channel: email, max: 3, per_days: 7}
  quiet_hours: {start: "21:00", end: "08:00"}
  min_gap_hours: 12
"""


def test_apply_export_and_refuse(client: TestClient) -> None:
    applied = client.put("/api/config", content=POLICY)
    assert applied.status_code == 200, applied.text
    assert applied.json()["policy"] == {"updated": ["policy"]}
    exported = client.get("/api/config").json()["policy"]
    assert exported == {
        "caps": [{"channel": "email", "max": 3, "per_days": 7.0}],
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "min_gap_hours": 12.0,
    }
    bad = client.put(
        "/api/config",
        content="policy:\n  caps: [{channel: fax, max: 3, per_days: 7}]\n  min_gap_hours: -1\n",
    )
    assert bad.status_code in (400, 422)
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"policy.caps[0].channel", "policy.min_gap_hours"}
    assert client.get("/api/config").json()["policy"] == exported  # nothing written
