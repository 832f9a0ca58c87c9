"""Calibrating the history scenario against official statistics (docs/calibration.md).

plan: the plan file; search: the staged Optuna search; check: the fit check and the plan's
acceptance criteria; report: the fit report; command: `ngosim calibrate`.
"""
