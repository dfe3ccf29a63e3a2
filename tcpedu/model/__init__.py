"""The TCP model: sequence arithmetic, segments, the state table, the sans-I/O endpoint and its parts.

Imports nothing above it (see the import-linter contracts in pyproject.toml)."""
