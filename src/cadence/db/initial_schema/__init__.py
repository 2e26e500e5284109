"""The first revision's tables (migration 0001), by use case; applied migrations never change."""
