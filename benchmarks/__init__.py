"""Benchmarks for fdi-risk: `python -m benchmarks` runs every `bench_*` module and writes results/latest.json."""
