"""Outbound webhooks: hand MQLs, SQLs (and any outbox event) to a CRM, signed and retried."""
