"""The organisation's contact strategy: caps, quiet hours, minimum gap, sunset, priorities."""
