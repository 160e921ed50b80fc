"""Benchmarks that print their figures; each takes the corpus path as an argument."""
