"""ALPR equipment: equipped vehicles, where cameras are mounted, and maintenance (policy D, E)."""
