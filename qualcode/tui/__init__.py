"""The Textual app: screens, widgets, styles and commands."""
