"""Named faults: deliberate breakages that prove each check can fail."""
