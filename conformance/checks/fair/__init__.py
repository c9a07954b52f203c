"""Checks of FAIR 1.0, fair access for third parties."""
