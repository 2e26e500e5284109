"""Benchmarks (not tests): ``make bench`` runs them and prints the figures."""
