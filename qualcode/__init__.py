"""qualcode: qualitative data analysis in the terminal."""

__version__ = "0.1.0"
