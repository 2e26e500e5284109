"""A contacts CSV for imports and import benchmarks, written row by row (any size, flat memory)."""

from __future__ import annotations

import csv
import os

from cadence.demo import ids
from cadence.demo.catalog import COUNTRIES, fictional_phone, persona_for
from cadence.demo.names import FIRST_NAMES, LAST_NAMES
from cadence.demo.population import ascii_fold, build_accounts, draw_title

CSV_HEADER = (
    "email",
    "first_name",
    "last_name",
    "company",
    "job_title",
    "country",
    "city",
    "phone",
    "department",
    "persona",
    "lead_source",
)
COMPANIES = 2000  # a fixed pool, so memory does not grow with the number of rows
LEAD_SOURCES = ("website", "trade show", "webinar", "partner referral", "event badge scan")
_BAD_EMAILS = ("", "", "{local}{domain}", "{local}@@{domain}", "{local} x@{domain}", "{local}@")


def is_bad_row(index: int, *, bad_fraction: float) -> bool:
    """Whether row ``index`` (0-based) is deliberately bad: exactly floor(rows * fraction) of
    the first ``rows`` rows are, spread evenly."""
    return int((index + 1) * bad_fraction) > int(index * bad_fraction)


def write_contacts_csv(
    path: str | os.PathLike[str], *, rows: int, seed: int, bad_fraction: float = 0.0
) -> None:
    """Write ``rows`` contacts (plus a header) at companies of a fixed pool; unique emails.

    With ``bad_fraction``, that share of rows has an empty or malformed email (the rows for
    which ``is_bad_row`` holds), for testing how imports report bad lines.
    """
    if rows < 0 or not 0.0 <= bad_fraction <= 1.0:
        raise ValueError("rows must be >= 0 and bad_fraction within [0, 1]")
    rng = ids.seeded(f"{seed}:csv")
    companies = build_accounts(seed=seed, count=COMPANIES)
    by_region = {
        region: [c for c in COUNTRIES if c.region == region]
        for region in {c.region for c in COUNTRIES}
    }
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_HEADER)
        for index in range(rows):
            account = companies[rng.randrange(len(companies))]
            country = account.country
            if rng.random() < 0.15:
                country = rng.choice(by_region[country.region])
            culture = rng.choice(country.cultures)
            first, last = rng.choice(FIRST_NAMES[culture]), rng.choice(LAST_NAMES[culture])
            seniority, department, title = draw_title(rng, account.employees)
            local = f"{ascii_fold(first) or 'contact'}.{ascii_fold(last) or 'person'}{index}"
            email = f"{local}@{account.domain}"
            if is_bad_row(index, bad_fraction=bad_fraction):
                email = rng.choice(_BAD_EMAILS).format(local=local, domain=account.domain)
            phone = ""
            if rng.random() < 0.55:
                phone = fictional_phone(country=country, digits=f"{rng.randrange(10**6):06d}")
            writer.writerow(
                (
                    email,
                    first,
                    last,
                    account.name,
                    title if rng.random() < 0.9 else "",
                    country.code,
                    rng.choice(country.cities),
                    phone,
                    department,
                    persona_for(seniority=seniority, department=department),
                    rng.choice(LEAD_SOURCES),
                )
            )
