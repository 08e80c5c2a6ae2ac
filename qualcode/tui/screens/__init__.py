"""Screens and dialogs of the qualcode TUI, one module each."""
