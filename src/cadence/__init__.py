"""Cadence: consent-first, adaptive marketing automation."""

__version__ = "0.1.0"
