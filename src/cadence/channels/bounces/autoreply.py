"""RFC 3834 automatic replies: out-of-office and vacation notices."""

from __future__ import annotations

import re
from email.message import Message

from cadence.channels.bounces.mime import header

_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ _-]?(reply|response|respons\w*|antwort|answer)\b|out of (the )?office"
    r"|away (from|until)|on vacation|vacation|abwesenheit|r[ée]ponse automatique|absence"
    r"|risposta automatica|respuesta autom[áa]tica|resposta autom[áa]tica|自動応答|自動返信)",
    re.IGNORECASE,
)
_FLAG_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Vacation")


def is_auto_reply(msg: Message) -> bool:
    """True when the headers or the subject mark ``msg`` as an automatic reply."""
    if header(msg, "Auto-Submitted").lower().startswith("auto-replied"):
        return True
    if header(msg, "Precedence").lower() == "auto_reply":
        return True
    if header(msg, "X-Apple-Action").upper() == "VACATION":
        return True
    if any(header(msg, name) for name in _FLAG_HEADERS):
        return True
    return _SUBJECT.search(header(msg, "Subject")) is not None
