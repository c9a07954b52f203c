"""The CLOUD standard's domain logic: S3 and OCI clients, the switching rules, the inventory."""
