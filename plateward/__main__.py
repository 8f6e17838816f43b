"""``python -m plateward``: the same as the ``plateward`` command."""

from plateward.cli import app

app()
