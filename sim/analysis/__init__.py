"""Analysis of experiment tables: pure functions over pandas/numpy, independent of the model and the experiment runner.

paired      - scenario differences paired by replicate seed, with bootstrap or t intervals
sensitivity - Sobol' and Morris indices via SALib, with checks that outputs match the sampled design
discovery   - PRIM scenario discovery via ema_workbench
figures     - matplotlib figures of the above (no display)
report      - one self-contained HTML report
atomic      - atomic file writes shared by figures and report
"""
