"""Importing this module registers every built-in workspace section."""

from cadence.workspace import leads_section, segments_section, webhooks_section

__all__ = ["leads_section", "segments_section", "webhooks_section"]
