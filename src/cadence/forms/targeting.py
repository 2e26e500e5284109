"""Which audience a visitor belongs to and which incentive they are shown (pure).

Audiences are tried in order, the first that matches wins; a visitor matching none is in
``everyone``. An audience with a ``condition`` only matches a known visitor whose profile
satisfies it; a ``context`` matches when every named part does (UTM source, referring
host or one of its parents, country, business or consumer email domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cadence.conditions import ContactState, EvalContext, evaluate, parse_condition
from cadence.forms.config import EVERYONE, Audience, FormSpec, Incentive

# Mailbox providers: an address there says nothing about an employer.
CONSUMER_DOMAINS: Final = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com",
        "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.de",
        "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.ru", "yandex.com", "proton.me",
        "protonmail.com", "zoho.com", "qq.com", "163.com", "126.com", "orange.fr", "free.fr",
        "laposte.net", "wanadoo.fr", "t-online.de", "libero.it", "btinternet.com",
        "comcast.net", "hey.com", "fastmail.com", "tutanota.com",
    }
)  # fmt: skip
_CONSUMER_PREFIXES: Final = ("yahoo.", "hotmail.", "outlook.", "live.")


@dataclass(frozen=True, kw_only=True)
class Visitor:
    """What a form request tells about its visitor."""

    utm_source: str | None = None
    referrer_host: str | None = None
    country: str | None = None
    email: str | None = None
    known: ContactState | None = None
    contact_id: int | None = None


def email_domain_kind(email: str | None) -> str | None:
    """``business`` or ``consumer`` for an address's domain; None without an address."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    if domain in CONSUMER_DOMAINS or domain.startswith(_CONSUMER_PREFIXES):
        return "consumer"
    return "business"


def _host_matches(host: str | None, wanted: tuple[str, ...]) -> bool:
    if not host:
        return False
    host = host.lower()
    return any(host == w or host.endswith("." + w) for w in wanted)


def matches(audience: Audience, visitor: Visitor, *, ctx: EvalContext) -> bool:
    if audience.condition is not None:
        if visitor.known is None:
            return False
        if not evaluate(parse_condition(audience.condition), state=visitor.known, ctx=ctx):
            return False
    for name, wanted in audience.context.items():
        if name == "email_domain":
            if email_domain_kind(visitor.email) != wanted:
                return False
        elif name == "utm_source":
            if (visitor.utm_source or "").lower() not in wanted:
                return False
        elif name == "referrer":
            if not _host_matches(visitor.referrer_host, wanted):
                return False
        elif name == "country" and (visitor.country or "").lower() not in wanted:
            return False
    return True


def choose(form: FormSpec, visitor: Visitor, *, ctx: EvalContext) -> tuple[str, Incentive | None]:
    """The visitor's audience and the incentive to show them (None if none targets them)."""
    audience = next((a.key for a in form.audiences if matches(a, visitor, ctx=ctx)), EVERYONE)
    for incentive in form.incentives:
        if not incentive.audiences or audience in incentive.audiences:
            return audience, incentive
    return audience, None
