"""CPU and RSS per process from /proc, sampled in a background thread and summarised per phase."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float | None:
    """Resident set size in MB."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None


def _busy_and_total() -> tuple[int, int]:
    """Ticks of all cores since boot: busy (not idle, not waiting for IO) and in total."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return sum(ticks) - idle, sum(ticks)


def wait_machine_quiet(below: float = 0.25, hold: int = 3, timeout: float = 120.0) -> float:
    """Wait until the machine's cores are busy less than `below` for `hold` seconds in a row
    (what the previous benchmark left — a server's checkpoint or vacuum — has settled); the
    seconds waited, `timeout` at most."""
    t0, calm = time.monotonic(), 0
    busy, total = _busy_and_total()
    while calm < hold and time.monotonic() - t0 < timeout:
        time.sleep(1.0)
        busy2, total2 = _busy_and_total()
        share = (busy2 - busy) / max(total2 - total, 1)
        calm = calm + 1 if share < below else 0
        busy, total = busy2, total2
    return time.monotonic() - t0


@dataclass
class Point:
    """One sample of one named process group (a process and its children)."""

    t: float
    cpu: float  # cumulative CPU seconds of the live members
    rss: float  # MB, summed over the members
    pids: tuple[int, ...]


@dataclass
class ProcSampler:
    """Samples `groups()` (name → pids) every `every` seconds."""

    groups: Callable[[], dict[str, list[int]]]
    every: float = 1.0
    points: dict[str, list[Point]] = field(default_factory=dict)
    machine: list[tuple[float, int, int]] = field(default_factory=list)  # (t, busy ticks, all ticks)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin sampling in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="procstat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End sampling."""
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def sample(self) -> None:
        """Take one sample now."""
        now = time.time()
        self.machine.append((now, *_busy_and_total()))
        for name, pids in self.groups().items():
            cpus = [c for c in (cpu_seconds(p) for p in pids) if c is not None]
            rss = [r for r in (rss_mb(p) for p in pids) if r is not None]
            self.points.setdefault(name, []).append(Point(now, sum(cpus), sum(rss), tuple(pids)))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def summary(self, t0: float, t1: float) -> dict[str, dict[str, float]]:
        """Per process group between two wall times: mean CPU % (of one core) and max RSS MB."""
        out: dict[str, dict[str, float]] = {}
        for name, pts in self.points.items():
            window = [p for p in pts if t0 <= p.t <= t1]
            if len(window) < 2:
                continue
            cpu = 0.0
            for a, b in itertools.pairwise(window):
                if a.pids == b.pids and b.cpu >= a.cpu:  # a restart or a new worker resets counters
                    cpu += b.cpu - a.cpu
            span = window[-1].t - window[0].t
            out[name] = {
                "cpu_percent": round(100 * cpu / span, 1) if span > 0 else 0.0,
                "rss_mb_max": round(max(p.rss for p in window), 1),
            }
        return out

    def machine_summary(self, t0: float, t1: float, groups: dict[str, dict[str, float]]) -> dict[str, float]:
        """Between two wall times: how busy the whole machine was (% of one core, like the
        groups), and how much of that none of `groups` (their `summary(t0, t1)`) used — other
        users of the machine."""
        window = [m for m in self.machine if t0 <= m[0] <= t1]
        if len(window) < 2:
            return {}
        (ta, busy_a, _), (tb, busy_b, _) = window[0], window[-1]
        busy = 100 * (busy_b - busy_a) / TICK / (tb - ta) if tb > ta else 0.0
        ours = sum(g["cpu_percent"] for g in groups.values())
        return {"busy_percent": round(busy, 1), "outside_percent": round(max(0.0, busy - ours), 1)}
