"""Who used the CPU during a timed phase: the server, the database, the bench itself, the rest.

On two cores, throughput is bounded by the CPU that all of them share, so a figure of reads/s
means little without the split: it says which side a change must make cheaper. Reads Linux's
/proc; elsewhere every figure is None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


def _ticks_per_second() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Sample:
    """CPU seconds used so far: per process (pid -> (name, parent pid, seconds)) and in all."""

    processes: dict[int, tuple[str, int, float]]
    machine_busy: float


def sample() -> Sample | None:
    if not (_PROC / "stat").is_file():
        return None
    tick = _ticks_per_second()
    processes: dict[int, tuple[str, int, float]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # Fields after the name: state, ppid, ..., utime (12th), stime (13th), counted from 0.
        processes[int(entry.name)] = (
            name,
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / tick,
        )
    # The machine's line: user, nice, system, idle, iowait, irq, softirq, ... in ticks.
    ticks = [int(v) for v in (_PROC / "stat").read_text().splitlines()[0].split()[1:8]]
    busy = (sum(ticks[:3]) + sum(ticks[5:7])) / tick
    return Sample(processes, busy)


def split(before: Sample | None, after: Sample | None, server_pid: int) -> dict[str, float] | None:
    """CPU seconds between two samples: server (its process tree), postgres, bench, other."""
    if before is None or after is None:
        return None
    tree = {server_pid}
    grew = True
    while grew:
        children = {pid for pid, (_, parent, _) in after.processes.items() if parent in tree}
        grew = not children <= tree
        tree |= children
    own = os.getpid()
    used = {"server": 0.0, "postgres": 0.0, "bench": 0.0}
    for pid, (name, _, seconds) in after.processes.items():
        spent = seconds - before.processes.get(pid, (name, 0, 0.0))[2]
        if pid in tree:
            used["server"] += spent
        elif name == "postgres":
            used["postgres"] += spent
        elif pid == own:
            used["bench"] += spent
    used["other"] = max(0.0, after.machine_busy - before.machine_busy - sum(used.values()))
    return used
