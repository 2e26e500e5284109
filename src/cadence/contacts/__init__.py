"""Unified profiles: contacts, identities, accounts, merges and completeness levels."""
