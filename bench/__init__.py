"""Benchmarks for doover-tui (not tests): each prints a table with a same-run baseline."""
