"""Benchmarks that print figures (`python -m bench`); the tests never assert times. See bench/README.md."""
