"""From what a server said to a status code, a category and hard or soft."""

from __future__ import annotations

import re

from cadence.channels.bounces.models import BounceKind, Category

# An RFC 3463 enhanced status code, not part of an IP address or a version number.
_ENHANCED = re.compile(r"(?<![\d.])([245])\.([0-7])\.(\d{1,3})(?![\d]|\.\d)")
# A basic SMTP reply code as it starts a reply line ("550 ", "550-", "550:").
_REPLY = re.compile(r"(?<![\w.#-])([245][0-5]\d)(?=[ :,-]|$)", re.MULTILINE)

# What servers write, per category; checked in this order, so the specific
# ("mailbox full", "host unknown") wins over the generic ("does not exist").
_PHRASES: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (
        Category.MAILBOX_FULL,
        (
            r"mailbox (is )?full",
            r"mailbox.{0,20}(over|exceed\w*).{0,20}(quota|limit|size)",
            r"over ?quota",
            r"quota (exceeded|full|violation)",
            r"exceed\w* (the |their |its )?(storage |disk )?quota",
            r"storage quota",
            r"insufficient (system )?storage",
            r"disk (quota|space|full)",
            r"not enough (disk )?space",
            r"mailbox size limit",
            r"(mail ?box|mail ?folder|inbox) is (over|full)",
        ),
    ),
    (
        Category.MAILBOX_DISABLED,
        (
            r"(account|mailbox|user)( has been| is)? (disabled|suspended|locked|inactive"
            r"|deactivated|expired|closed)",
            r"discontinued",
            r"(inactive|disabled) (user|account|mailbox)",
        ),
    ),
    (
        Category.HOST_UNKNOWN,
        (
            r"host unknown|unknown host",
            r"domain (does not exist|not found|unknown|is not valid)",
            r"no such domain",
            r"(couldn't|could not|can't|cannot) find (any host|a mail exchanger)",
            r"host (or domain )?(name )?not found",
            r"host \S{1,255} not found",
            r"name (service|server) error|nxdomain|dns lookup failure",
            r"no mx|null mx|no (valid )?(mail exchanger|mx record)",
            r"unroutable domain|host name lookup failure",
            r"(doesn't|does not) receive e?-?mail",
        ),
    ),
    (
        Category.USER_UNKNOWN,
        (
            r"user ?unknown|unknown (user|recipient|mailbox|address|local.?part|alias)",
            r"no such (user|mailbox|recipient|account|address|person)",
            r"(does not|doesn't|did not) exist",
            r"(is )?not (a )?valid (recipient|mailbox|user|address)",
            r"invalid (recipient|mailbox|address|user)|invalid .{0,30}user ?id",
            r"(recipient|mailbox|user) not found|not found in directory",
            r"mailbox (is )?unavailable|mailbox not available|no mailbox",
            r"not recognized|address unknown|addressee unknown|recipient (is )?unknown",
            r"unrouteable address|bad destination mailbox|unknown or illegal alias",
            r"doesn't have an? .{1,60} account|not listed in|not our customer",
            r"no longer (valid|active)",
        ),
    ),
    (
        Category.MESSAGE_TOO_LARGE,
        (
            r"message (size|too (big|large))",
            r"exceeds? .{0,30}size",
            r"size (limit|exceeded)",
            r"too large",
        ),
    ),
    (
        Category.MAIL_LOOP,
        (r"mail loop|routing loop|loops back", r"hop count|too many hops"),
    ),
    (
        Category.CONTENT_REJECTED,
        (r"\bspam\b|unsolicited|bulk e?mail", r"content (rejected|filter)", r"virus|malware|phish"),
    ),
    (
        Category.BLOCKED,
        (
            r"block(ed|list)|black ?list|listed (in|on|at|by)|\bbanned|\brbl\b|dnsbl",
            r"reputation|access denied|refused to accept",
            r"not (allowed|permitted|authori[sz]ed)",
            r"\bpolicy\b|\bdmarc\b|\bspf\b|authentication|unauthenticated",
            r"relay(ing)? (access )?denied|sender (was )?rejected",
            r"rejected by .{0,40}filter",
        ),
    ),
    (
        Category.EXPIRED,
        (
            r"too long in (the )?queue|in the queue too long|envelope expired",
            r"retry (time|timeout)|giving up|expired",
            r"(could not|cannot|can't) (be delivered|deliver|send message) for",
        ),
    ),
    (
        Category.NETWORK,
        (
            r"connection (timed out|refused|reset|lost|closed)|timed? ?out|socket error",
            r"network (error|unreachable)|no route|unreachable|not reachable|not responding",
            r"(unable|failed) to (connect|establish)|could not connect",
            r"did not accept our requests to connect",
            r"temporar\w+ (failure|unavailable|error)|try again later|greylist",
        ),
    ),
)
_TEXT_CATEGORIES = tuple(
    (category, re.compile("|".join(phrases), re.IGNORECASE)) for category, phrases in _PHRASES
)

_STATUS_CATEGORIES: dict[str, Category] = {
    "1.1": Category.USER_UNKNOWN,
    "1.0": Category.USER_UNKNOWN,
    "1.3": Category.USER_UNKNOWN,
    "1.6": Category.USER_UNKNOWN,
    "1.2": Category.HOST_UNKNOWN,
    "2.1": Category.MAILBOX_DISABLED,
    "2.2": Category.MAILBOX_FULL,
    "2.3": Category.MESSAGE_TOO_LARGE,
    "3.4": Category.MESSAGE_TOO_LARGE,
    "4.4": Category.HOST_UNKNOWN,
    "4.1": Category.NETWORK,
    "4.2": Category.NETWORK,
    "4.7": Category.EXPIRED,
    "4.6": Category.MAIL_LOOP,
    "7.1": Category.BLOCKED,
}

# Transient by nature whatever the status class says: the address itself is fine.
_ALWAYS_SOFT = frozenset({Category.MAILBOX_FULL, Category.MESSAGE_TOO_LARGE})
_HARD_CATEGORIES = frozenset(
    {Category.USER_UNKNOWN, Category.HOST_UNKNOWN, Category.MAILBOX_DISABLED}
)


def find_status(text: str, *, classes: str = "45") -> str | None:
    """The most specific enhanced status code in ``text``, else one from a reply code.

    Only codes of the given classes count: a failure is explained by 4s and 5s,
    and a stray "250" or a byte count in the text must not pass for its status.
    """
    sample = text[:8192]
    codes = [".".join(m.groups()) for m in _ENHANCED.finditer(sample) if m.group(1) in classes]
    specific = [code for code in codes if not code.endswith(".0.0")]
    if specific:
        return specific[0]
    if codes:
        return codes[0]
    reply = next((m.group(1) for m in _REPLY.finditer(sample) if m.group(1)[0] in classes), None)
    return f"{reply[0]}.0.0" if reply else None


def refine_status(status: str | None, diagnostic: str) -> str | None:
    """A DSN ``Status`` (or none), made specific by the diagnostic when it is generic."""
    if not status:
        return find_status(diagnostic) if diagnostic else None
    found = find_status(diagnostic, classes=status[0]) if diagnostic else None
    if found and status.endswith(".0.0") and found != status:
        return found
    return status


def clean_status(value: str) -> str | None:
    """The ``d.d.d`` code of a DSN ``Status`` field (which may carry a comment)."""
    match = _ENHANCED.search(value)
    return ".".join(match.groups()) if match else None


def categorize(*, status: str | None, text: str) -> Category | None:
    """The category the server's words point to, else the one its status code implies."""
    return category_from_text(text) or category_from_status(status)


def category_from_text(text: str) -> Category | None:
    sample = text[:4096]
    return next((c for c, pattern in _TEXT_CATEGORIES if pattern.search(sample)), None)


def category_from_status(status: str | None) -> Category | None:
    if not status:
        return None
    subject_detail = status.split(".", 1)[1] if "." in status else ""
    category = _STATUS_CATEGORIES.get(subject_detail)
    if category is None and subject_detail.startswith("7."):
        category = Category.BLOCKED
    if category is None and subject_detail.startswith("4."):
        category = Category.NETWORK
    return category or Category.OTHER


def bounce_kind(
    *, status: str | None, category: Category | None, permanent: bool | None = None
) -> BounceKind:
    """Hard or soft: status class first, the category and the dialect's own words after.

    A full mailbox or an oversized message is soft even under a 5.x.x status: the
    address exists, and repeated soft bounces still end in suppression.
    """
    if category in _ALWAYS_SOFT:
        return BounceKind.SOFT
    if status and status[0] == "5":
        return BounceKind.HARD
    if status and status[0] == "4":
        return BounceKind.SOFT
    if category in _HARD_CATEGORIES:
        return BounceKind.HARD
    if permanent and category in (None, Category.OTHER):
        return BounceKind.HARD
    return BounceKind.SOFT


_REMOTE = re.compile(
    r"(?:\bhost\s+|remote host\s+|^|\s)"
    r"(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\s*\[?(?:\d{1,3}(?:\.\d{1,3}){3})?\]?\s*"
    r"(?:said|does not like|failed after|did not like)",
    re.IGNORECASE,
)
_HOST = re.compile(
    r"\b(?:host|by)\s+(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\.?\s*\[\d{1,3}(?:\.\d{1,3}){3}\]"
    r"|\bhost\s+(?P<g>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
    re.IGNORECASE,
)


def remote_mta_in(diagnostic: str) -> str | None:
    """The remote server a diagnostic names ("host mx.example.com said", ...)."""
    match = _REMOTE.search(diagnostic[:2000]) or _HOST.search(diagnostic[:2000])
    if match is None:
        return None
    return next(h for h in match.groups() if h).rstrip(".").lower()
