"""Writing a bench script's figures into its own section of docs/benchmarks.md.

Each script owns the lines between its start and end markers and replaces only those, so
running one benchmark never disturbs another's figures.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def replace_section(owner: str, lines: Sequence[str]) -> None:
    start, end = f"<!-- {owner}: start -->", f"<!-- {owner}: end -->"
    section = "\n".join([start, *lines, end])
    text = DOCS.read_text(encoding="utf-8") if DOCS.is_file() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text, encoding="utf-8")


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        found = re.search(
            r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE
        )
        cpu = found.group(1).strip() if found else platform.processor() or cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        found = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        ram = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else ram
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} CPUs (nproc), {cpu}, {ram} RAM, Python {platform.python_version()}"


def server_settings(url: str) -> str:
    """The PostgreSQL settings a figure depends on, as the docs quote them beside it; read
    from the server's own database, since the bench's may be dropped by then."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(server)
    with engine.connect() as connection:
        found = [
            f"{name} {connection.execute(text(f'SHOW {name}')).scalar_one()}"
            for name in ("server_version", "shared_buffers", "max_wal_size")
        ]
    engine.dispose()
    return ", ".join(found)
