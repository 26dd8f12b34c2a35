"""Screens: each owns its workers and turns store results into widget state."""
