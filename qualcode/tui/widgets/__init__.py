"""Reusable widgets for the qualcode TUI."""
