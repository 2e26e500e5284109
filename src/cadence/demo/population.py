"""Synthetic accounts and contacts, each with a visible profile and hidden propensities.

Fit (title seniority, company size, industry, department) drives a hidden ``intent``; intent
drives how much a person engages and whether they ask for a demo and buy. The profile is what
Cadence sees; intent is what its scores and models should recover.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cadence.demo import ids
from cadence.demo.catalog import (
    COUNTRIES,
    DEPARTMENTS,
    EXECUTIVE_DEPARTMENT,
    INDUSTRIES,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    SENIORITIES,
    TITLES,
    Country,
    Industry,
    fictional_phone,
    persona_for,
    size_band,
)
from cadence.demo.names import FIRST_NAMES, LAST_NAMES

MIN_EMPLOYEES = 5
MAX_EMPLOYEES = 50_000
_SENIORITY_WEIGHT = {key: weight for key, weight, _ in SENIORITIES}
_DEPARTMENT_WEIGHT = {name: weight for name, weight, _ in DEPARTMENTS} | {
    EXECUTIVE_DEPARTMENT[0]: EXECUTIVE_DEPARTMENT[1]
}

_SENIORITY_KEYS = [key for key, _, _ in SENIORITIES]
_SENIORITY_CUM = [list(itertools.accumulate(s[2][band] for s in SENIORITIES)) for band in range(3)]
_DEPARTMENT_KEYS = [name for name, _, _ in DEPARTMENTS]
_DEPARTMENT_CUM = list(itertools.accumulate(share for _, _, share in DEPARTMENTS))


@dataclass(frozen=True)
class Account:
    index: int
    group_id: str
    name: str
    domain: str
    industry: Industry
    employees: int
    country: Country
    city: str

    @property
    def size_score(self) -> float:
        """Company size on a log scale, 0 at 5 employees and 1 at 50,000."""
        span = math.log(MAX_EMPLOYEES / MIN_EMPLOYEES)
        return min(1.0, max(0.0, math.log(self.employees / MIN_EMPLOYEES) / span))

    def traits(self, *, plan: str) -> dict[str, Any]:
        """Group traits as Segment's spec names them, plus region and domain."""
        return {
            "name": self.name,
            "domain": self.domain,
            "website": f"https://www.{self.domain}",
            "industry": self.industry.name,
            "employees": self.employees,
            "country": self.country.code,
            "city": self.city,
            "region": self.country.region,
            "plan": plan,
        }


@dataclass(frozen=True)
class Contact:
    index: int
    account: Account
    user_id: str
    first_name: str
    last_name: str
    email: str
    seniority: str
    department: str
    job_title: str
    persona: str
    country: Country
    city: str
    phone: str | None
    fit: float
    intent: float
    engagement: float
    email_affinity: float

    @property
    def is_senior(self) -> bool:
        return self.seniority in ("C-level", "VP", "Director", "Head of")


@functools.lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _pick(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights)[0]


def _company_name(rng: random.Random, *, industry: Industry, used: set[str]) -> tuple[str, str]:
    """A unique (domain slug, display name); numbered only when the name space runs out."""
    stem = ""
    for _ in range(12):
        stem = rng.choice(NAME_PREFIXES) + rng.choice(NAME_SUFFIXES)
        noun = rng.choice(industry.nouns)
        if rng.random() < 0.6:
            slug, name = stem.lower(), stem if rng.random() < 0.3 else f"{stem} {noun}"
        else:
            slug, name = ascii_fold(stem + noun), f"{stem} {noun}"
        if slug not in used and name not in used:
            used.update((slug, name))
            return slug, name
    n = 2
    while f"{stem.lower()}{n}" in used:
        n += 1
    used.add(f"{stem.lower()}{n}")
    return f"{stem.lower()}{n}", f"{stem} {n}"


def build_accounts(*, seed: int, count: int) -> list[Account]:
    """``count`` companies with log-normal sizes, unique names and ``.example`` domains."""
    rng = ids.seeded(f"{seed}:accounts")
    used: set[str] = set()
    accounts = []
    for index in range(count):
        industry: Industry = _pick(rng, INDUSTRIES, [i.weight for i in INDUSTRIES])
        country: Country = _pick(rng, COUNTRIES, [c.weight for c in COUNTRIES])
        employees = round(math.exp(rng.gauss(math.log(220), 1.7)))
        employees = min(MAX_EMPLOYEES, max(MIN_EMPLOYEES, employees))
        slug, name = _company_name(rng, industry=industry, used=used)
        if rng.random() < 0.35:
            name = f"{name} {rng.choice(country.legal_forms)}"
        accounts.append(
            Account(
                index=index,
                group_id=ids.group_id(seed=seed, account=index),
                name=name,
                domain=f"{slug}.example",
                industry=industry,
                employees=employees,
                country=country,
                city=rng.choice(country.cities),
            )
        )
    return accounts


def allocate_contacts(*, accounts: Sequence[Account], total: int) -> list[int]:
    """Contacts per account, growing with the square root of company size, never above it."""
    weights = [math.sqrt(a.employees) for a in accounts]
    scale = total / sum(weights) if weights else 0.0
    shares = [w * scale for w in weights]
    counts = [min(int(s), a.employees) for s, a in zip(shares, accounts, strict=True)]
    by_remainder = sorted(range(len(accounts)), key=lambda i: (counts[i] - shares[i], i))
    missing = total - sum(counts)
    while missing > 0:
        progressed = False
        for i in by_remainder:
            if missing > 0 and counts[i] < accounts[i].employees:
                counts[i] += 1
                missing -= 1
                progressed = True
        if not progressed:
            raise ValueError(f"{total} contacts do not fit in these accounts")
    return counts


def draw_title(rng: random.Random, employees: int) -> tuple[str, str, str]:
    """(seniority, department, job title), with seniority shares by company size."""
    band = size_band(employees)
    seniority: str = rng.choices(_SENIORITY_KEYS, cum_weights=_SENIORITY_CUM[band])[0]
    if seniority == "C-level" and rng.random() < 0.35:
        department = EXECUTIVE_DEPARTMENT[0]
    else:
        department = rng.choices(_DEPARTMENT_KEYS, cum_weights=_DEPARTMENT_CUM)[0]
    return seniority, department, rng.choice(TITLES[seniority][department])


def _email(rng: random.Random, first: str, last: str, domain: str, used: set[str]) -> str:
    f, last_part = ascii_fold(first) or "contact", ascii_fold(last) or "person"
    pattern = rng.random()
    if pattern < 0.6:
        local = f"{f}.{last_part}"
    elif pattern < 0.8:
        local = f"{f[0]}{last_part}"
    elif pattern < 0.9:
        local = f"{f}_{last_part}"
    else:
        local = f
    base, n = local, 1
    while local in used:
        n += 1
        local = f"{base}{n}"
    used.add(local)
    return f"{local}@{domain}"


def _propensities(
    rng: random.Random, *, account: Account, seniority: str, department: str
) -> tuple[float, float, float, float]:
    """Fit from the profile, then hidden intent, engagement and email affinity."""
    fit = (
        0.40 * _SENIORITY_WEIGHT[seniority]
        + 0.25 * account.size_score
        + 0.20 * account.industry.fit
        + 0.15 * _DEPARTMENT_WEIGHT[department]
    )
    latent = rng.gauss(0.0, 1.0)
    intent = 1.0 / (1.0 + math.exp(-(7.0 * (fit - 0.55) + 0.7 * latent)))
    engagement = math.exp(1.6 * (intent - 0.35) + rng.gauss(0.0, 0.35))
    email_affinity = 1.0 / (1.0 + math.exp(-(rng.gauss(0.0, 1.0) + 1.5 * (intent - 0.4))))
    return fit, intent, engagement, email_affinity


def build_contacts(*, seed: int, account: Account, first: int, count: int) -> Iterator[Contact]:
    """The contacts of one account, global indices ``first .. first + count - 1``."""
    used: set[str] = set()
    for index in range(first, first + count):
        rng = ids.seeded(f"{seed}:contact:{index}")
        country = account.country
        if rng.random() < 0.15:
            country = rng.choice([c for c in COUNTRIES if c.region == account.country.region])
        city = account.city if country is account.country and rng.random() < 0.7 else None
        culture = rng.choice(country.cultures)
        first_name = rng.choice(FIRST_NAMES[culture])
        last_name = rng.choice(LAST_NAMES[culture])
        seniority, department, job_title = draw_title(rng, account.employees)
        fit, intent, engagement, email_affinity = _propensities(
            rng, account=account, seniority=seniority, department=department
        )
        digits = f"{rng.randrange(10**6):06d}"
        yield Contact(
            index=index,
            account=account,
            user_id=ids.user_id(seed=seed, contact=index),
            first_name=first_name,
            last_name=last_name,
            email=_email(rng, first_name, last_name, account.domain, used),
            seniority=seniority,
            department=department,
            job_title=job_title,
            persona=persona_for(seniority=seniority, department=department),
            country=country,
            city=city or rng.choice(country.cities),
            phone=fictional_phone(country=country, digits=digits) if rng.random() < 0.55 else None,
            fit=fit,
            intent=intent,
            engagement=engagement,
            email_affinity=email_affinity,
        )
