"""Importing this module registers every built-in workspace section."""

from cadence.workspace import (
    forms_section,
    leads_section,
    messages_section,
    permission_section,
    segments_section,
    webhooks_section,
)

__all__ = [
    "forms_section",
    "leads_section",
    "messages_section",
    "permission_section",
    "segments_section",
    "webhooks_section",
]

# sending (A2): the contact policy
from cadence.policy import section as policy_section

__all__ += ["policy_section"]

# decision points (B1): the decision API's points
from cadence.workspace import decisions_section  # noqa: E402

__all__ += ["decisions_section"]

# journeys (B2): journey graphs
from cadence.journeys import section as journeys_section  # noqa: E402

__all__ += ["journeys_section"]

# sending (A2, issue 6): address traits per channel, in the `channels:` list
from cadence.sending import section as channel_addresses_section  # noqa: E402

__all__ += ["channel_addresses_section"]
