"""API keys and other secrets."""
