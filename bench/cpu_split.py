"""Who used the CPU during a timed phase: the server, the database, the bench itself, the rest.

On two cores, throughput is bounded by the CPU that all of them share, so a figure of reads/s
means little without the split: it says which side a change must make cheaper. PostgreSQL's
share is split by process role (the backends serving the server's queries, autovacuum, and
the WAL writer, checkpointer and background writer), because autovacuum workers come and go
and a backend's figure alone would hide them. Reads Linux's /proc; elsewhere it says nothing.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

_PROC = Path("/proc")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_EVERY_S = 0.5


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (role name, parent pid, CPU seconds used so far)."""
    found: dict[int, tuple[str, int, float]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended while we looked
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        # Fields after the name: state, ppid, ..., utime (12th), stime (13th), counted from 0.
        fields = raw[raw.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK
        found[int(entry.name)] = (_role(name, command), int(fields[1]), seconds)
    return found


def _role(name: str, command: str) -> str:
    if name != "postgres":
        return name
    if "autovacuum" in command:
        return "postgres autovacuum"
    if "postgres:" in command and any(
        part in command for part in ("writer", "checkpointer", "logger", "archiver")
    ):
        return "postgres background"
    return "postgres backends"


def _machine_busy() -> float:
    # The machine's line: user, nice, system, idle, iowait, irq, softirq, ... in ticks.
    ticks = [int(v) for v in (_PROC / "stat").read_text().splitlines()[0].split()[1:8]]
    return (sum(ticks[:3]) + sum(ticks[5:7])) / _TICK


def wait_until_quiet(*, busy_cores: float = 0.2, every_s: float = 0.2, max_s: float = 5.0) -> None:
    """Return once the machine used less than ``busy_cores`` of CPU over ``every_s``.

    Between two timed phases, what the first leaves behind (a server's work after its last
    response, PostgreSQL's writers) would otherwise be charged to the second.
    """
    if not (_PROC / "stat").is_file():
        return
    deadline = time.monotonic() + max_s
    before = _machine_busy()
    while time.monotonic() < deadline:
        time.sleep(every_s)
        now = _machine_busy()
        if (now - before) / every_s < busy_cores:
            return
        before = now


class CpuWatch:
    """Samples every process's CPU time while the block runs; ``split()`` afterwards.

    Sampling (every 0.5 s) rather than reading twice catches processes that start and end
    inside the block, such as autovacuum workers; what such a process used after its last
    sample is counted under "other".
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.available = (_PROC / "stat").is_file()
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, int, float]] = {}
        self._busy = (0.0, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        if self.available:
            self._busy = (_machine_busy(), 0.0)
            self._sample()
            self._first = {pid: seconds for pid, (_, _, seconds) in self._last.items()}
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()
            self._sample()
            self._busy = (self._busy[0], _machine_busy())

    def _run(self) -> None:
        while not self._stop.wait(_EVERY_S):
            self._sample()

    def _sample(self) -> None:
        self._last.update(_processes())

    def split(self) -> dict[str, float]:
        """CPU seconds used in the block: server (its process tree), bench, postgres roles, other."""
        if not self.available:
            return {}
        tree = {self.server_pid}
        grew = True
        while grew:
            children = {pid for pid, (_, parent, _) in self._last.items() if parent in tree}
            grew = not children <= tree
            tree |= children
        used: dict[str, float] = {"server": 0.0, "bench": 0.0}
        own = os.getpid()
        for pid, (role, _, seconds) in self._last.items():
            spent = seconds - self._first.get(pid, 0.0)
            if pid in tree:
                used["server"] += spent
            elif pid == own:
                used["bench"] += spent
            elif role.startswith("postgres"):
                used[role] = used.get(role, 0.0) + spent
        used["other"] = max(0.0, self._busy[1] - self._busy[0] - sum(used.values()))
        return used
