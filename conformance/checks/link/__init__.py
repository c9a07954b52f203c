"""LINK 1.0 checks: link interconnection."""
