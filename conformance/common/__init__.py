"""COMMON's domain: what every standard shares (problems, deprecations, dates, rate limits, claims, roles)."""
