"""Calibrating the history scenario against official statistics (docs/calibration.md)."""
