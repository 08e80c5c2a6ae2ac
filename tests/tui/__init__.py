"""Tests for the Textual user interface."""
