"""Use cases. The CLI and TUI call these; they own transactions and return records."""
