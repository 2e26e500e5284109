"""Permission: the consent ledger, current consent state, the send gate and signed links."""
