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
