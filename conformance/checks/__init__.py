"""The checks, one package per standard; run them with ``pytest --pyargs conformance.checks``."""
