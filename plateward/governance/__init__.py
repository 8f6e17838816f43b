"""Governance: the policy's workflows beside the data (policy C, D.2, D.3, E, Attachment 2).

``records/`` routes public records requests to Internal Affairs with their legal due dates,
``breaches/`` keeps data breach incidents and drafts the Civil Code 1798.29 notice,
``equipment/`` is the registry of equipped vehicles and the maintenance tickets, and
``health/`` watches each camera's reads and heartbeats. Each has its tables (``schema.py``),
its pure rules (``rules.py``), its domain functions, ``api.py`` and ``cli.py``; every change
is written to the access log in the transaction that makes it.
"""
