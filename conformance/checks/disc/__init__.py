"""Checks of DISC 1.0, rules and algorithm disclosure."""
