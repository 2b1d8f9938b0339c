"""Persistence: SQLite in the data directory, and scrubbing of personal details."""
