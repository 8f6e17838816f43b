"""Public records requests about ALPR data, routed to Internal Affairs (policy C; CPRA)."""
