"""Plateward: automated licence plate recognition with accountability built in."""

__version__ = "0.1.0"
