"""Checks of PORT 1.0, end-user data portability."""
