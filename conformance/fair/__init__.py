"""FAIR 1.0's domain logic: latency statistics, published rules, prices, quota probing."""
