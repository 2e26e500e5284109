"""Delivery channels and the parsing of what comes back from them."""
