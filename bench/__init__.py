"""Benchmarks: run with `make bench*`; they print figures, they do not assert."""
