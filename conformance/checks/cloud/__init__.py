"""Checks of CLOUD 1.0, cloud switching and migration (S3, OCI and the switching API)."""
