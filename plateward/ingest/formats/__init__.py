"""Parsers for reads exported by other systems: one module per format, sharing ``records``.

Each format turns a file into ``Record``s (where it is, what it holds) and a record into zero
or more ``NewRead``s; ``plateward.ingest.imports`` streams them into the database.
"""
