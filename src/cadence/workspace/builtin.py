"""Importing this module registers every built-in workspace section."""

from cadence.workspace import segments_section

__all__ = ["segments_section"]
