"""The harness: probing, running, judging and reporting. Internal; the public API is ``conformance``."""
