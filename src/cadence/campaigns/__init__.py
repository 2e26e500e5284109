"""Campaigns: a one-off send of a message to a segment, now or at a set time."""
