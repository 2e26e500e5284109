"""Segments: dynamic (a condition) and static (a list); membership that moves by itself."""
