"""Camera health: last reads, read rates, edge heartbeats and notices to administrators (D.3)."""
