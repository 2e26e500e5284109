"""Storage: engine, unit of work, tables and migrations."""
