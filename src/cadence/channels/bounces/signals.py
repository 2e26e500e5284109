"""Is this a bounce, from which kind of server, and where does its own text end?"""

from __future__ import annotations

import re
from email.message import Message

from cadence.channels.bounces.mime import header

_I = re.IGNORECASE
_IM = re.IGNORECASE | re.MULTILINE

_BOUNCE_FROM = re.compile(
    r"mailer[-_ ]?daemon|post_?master|mail delivery|delivery (subsystem|system)|mail administrator"
    r"|mail ?system|mdaemon|\bMAILER\b|e-?mail interconnect",
    _I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|return(ing|ed) (mail|message)|delivery (status|failure|failed"
    r"|has failed|notification|problem|report)|failure (notice|delivery)|failed delivery"
    r"|mail delivery|could not be delivered|not (be )?delivered|non remis|non recapitabile"
    r"|unzustellbar|mail system error|delayed mail|warning: (could not|message)"
    r"|error sending|delivery failure|mail failure|недоставленное|не доставлено",
    _I,
)
_BOUNCE_BODY = re.compile(
    r"qmail-send program|created automatically by mail delivery software|could not be delivered"
    r"|couldn't be delivered|(was|were) not delivered|undeliverable|delivery (has )?failed"
    r"|failed permanently|did not reach|permanent (fatal )?error|unable to deliver"
    r"|transcript of session follows|following address(es)? (had|failed)|could not be reached"
    r"|error (has )?occurred while attempting to deliver|error delivering your mail"
    r"|mail system at host|has not yet been delivered|delivery to the following recipient"
    r"|(message|mail) delivery failed|delivery failure|could not deliver|cannot be delivered"
    r"|delivery to the following recipients failed|recipient address rejected"
    r"|requested action not taken|invalid user address",
    _I,
)
_PERMANENT = re.compile(
    r"permanent(ly)? (fatal )?(error|failure)|failed permanently|i've given up|fatal errors"
    r"|could not be delivered|delivery has failed|not going to try again",
    _I,
)
_DELAYED = re.compile(
    r"has (been )?delayed|not yet been delivered|warning message only|will be retried"
    r"|will continue to (try|retry)|delivery attempts will continue|still being retried"
    r"|temporary failure report|could not send (mail|message) for past|delayed for more than",
    _I,
)

# Lines where the report's own text ends and a copy of the original begins.
_ORIGINAL_START = re.compile(
    r"^[ \t|-]*(below this line is a copy of the message|original message( follows)?"
    r"|(this is )?a copy of (the|your) message|enclosed is a copy of the message"
    r"|unsent message follows|returned message|message headers follow|message text follows"
    r"|below is a copy of the original message|the header of the original message"
    r"|original message header|begin returned message)"
    r"|^content-type:[ \t]*message/rfc822"
    r"|^(return-path|received|dkim-signature|x-received|delivered-to|x-original-to):",
    _IM,
)

_DIALECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, _I))
    for name, pattern in (
        ("qmail", r"qmail-send program|\(#\d\.\d\.\d\)"),
        ("dragonfly", r"dragonfly mail agent"),
        ("opensmtpd", r"this is the mailer-daemon, please do not reply"),
        ("exim", r"created automatically by mail delivery software|X-Failed-Recipients"),
        ("postfix", r"this is the mail system at host|\(in reply to \w+"),
        ("sendmail", r"----- (the following addresses|transcript of session)"),
        ("gmail", r"google tried to deliver|mailer-daemon@google(mail)?\.com"),
        ("yahoo", r"sorry, we were unable to deliver your message"),
        ("exchange", r"did not reach the following recipient|could not be reached|MSEXCH"),
        ("office365", r"office ?365|delivery has failed to these recipients"),
        ("amazon_ses", r"amazonses|amazon ses"),
    )
)


def is_bounce_like(msg: Message, text: str) -> bool:
    """Whether a message without a DSN part still reads as a delivery failure notice."""
    if header(msg, "X-Failed-Recipients"):
        return True
    sender = header(msg, "From")
    subject = header(msg, "Subject")
    return bool(
        _BOUNCE_FROM.search(sender)
        or _BOUNCE_SUBJECT.search(subject)
        or _BOUNCE_BODY.search(text[:20000])
    )


def is_permanent(text: str) -> bool:
    return _PERMANENT.search(text) is not None


def is_delay_notice(msg: Message, text: str) -> bool:
    """A warning that delivery is late and still being tried, not a failure."""
    subject = header(msg, "Subject")
    if re.search(r"\(delay\)|delayed|warning", subject, _I):
        return _DELAYED.search(text) is not None or "delay" in subject.lower()
    return _DELAYED.search(text) is not None and _PERMANENT.search(text) is None


def dialect_of(msg: Message, text: str) -> str:
    """A best-effort name for the server software or provider that wrote the report."""
    haystack = "\n".join((header(msg, "From"), header(msg, "Subject"), text[:20000]))
    found = next((name for name, pattern in _DIALECTS if pattern.search(haystack)), None)
    return found or ("exim" if header(msg, "X-Failed-Recipients") else "generic")


def own_text(text: str) -> str:
    """The report's own words: ``text`` up to where a copy of the original starts."""
    match = _ORIGINAL_START.search(text)
    return text[: match.start()] if match else text
