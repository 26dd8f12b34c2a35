"""Widgets of the doover-tui screens."""
