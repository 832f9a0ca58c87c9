"""Benchmarks of ngosim: a plain per-agent Mesa reference of the register's rules, the harness
that runs the engine's `Population` the same way, and `run.py`, which measures both."""
