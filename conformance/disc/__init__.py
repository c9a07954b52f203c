"""DISC 1.0: the published rules, the arithmetic they imply, and inputs to test them with."""
