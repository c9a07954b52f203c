"""Checks of COMMON 1.0: discovery, errors, limits, deprecations."""
