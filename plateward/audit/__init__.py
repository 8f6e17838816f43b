"""The access log every inquiry writes, and the checks auditors run on it (1798.90.52)."""
