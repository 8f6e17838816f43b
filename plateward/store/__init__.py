"""The reads database: agencies, cameras, reads and their images (policy A.5, A.7)."""
