"""Synthetic data sets for benchmarks and tests (`bdp generate`); never written into data/."""
