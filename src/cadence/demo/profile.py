"""What a contact has told us so far, and the identify and group calls that tell Cadence."""

from __future__ import annotations

from typing import Any

from cadence.demo.life import Life
from cadence.demo.messages import Device
from cadence.demo.population import Contact

ALL_FIELDS = ("email", "first_name", "last_name", "company", "job_title", "country", "city")
# Progressive profiling asks for the next missing fields in this order, two at a time.
_PROGRESSIVE = ("last_name", "company", "job_title", "country", "city")


def traits_of(contact: Contact, fields: set[str]) -> dict[str, Any]:
    """Identify traits for the fields a person has revealed."""
    values: dict[str, Any] = {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": contact.account.name,
        "job_title": contact.job_title,
        "country": contact.country.code,
        "city": contact.city,
        "phone": contact.phone,
    }
    traits = {key: value for key, value in values.items() if key in fields and value is not None}
    if "last_name" in fields:
        traits["name"] = f"{contact.first_name} {contact.last_name}"
    if "job_title" in fields:
        traits["seniority"] = contact.seniority
        traits["department"] = contact.department
        traits["persona"] = contact.persona
    if "country" in fields:
        traits["region"] = contact.country.region
    return traits


def reveal(
    life: Life, at: int, fields: tuple[str, ...] | None = None, *, device: Device | None
) -> None:
    """Identify with newly revealed fields (the next two missing ones when ``fields`` is None)
    and link the account once the company is known.

    Only the first identify carries the browser's anonymous id, so each anonymous id is
    identified by exactly one user id even after the contact is aliased to a product id.
    """
    if fields is None:
        fields = tuple(f for f in _PROGRESSIVE if f not in life.known)[:2]
    new = set(fields) - life.known
    if not new:
        return
    first_time = not life.known
    life.known |= new
    user_id = life.web_user(at)
    traits = traits_of(life.contact, new | {"email"})
    life.out.identify(at, user_id=user_id, traits=traits, device=device if first_time else None)
    if "company" in new:
        account = life.contact.account
        traits = account.traits(plan=life.story.plan_at(at))
        life.out.group(at + 1000, user_id=user_id, group_id=account.group_id, traits=traits)
