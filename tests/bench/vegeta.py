"""HTTP load from vegeta (Go), recorded as the Python driver's samples.

Why not the Python driver for cheap requests: `requests` on threads costs its process
0.8–0.9 ms of CPU per request and serialises on the GIL. Against bare Flask that made the
*driver* the bottleneck (950 req/s with the driver at 85 % of a core and the server at 56 %;
vegeta drove the same server to 3000–3200 req/s at 0.09 ms of CPU per request), so the
baseline measured the client, and its GIL queue showed up in open-loop p99 (GET /me at
380 req/s: p99 156 ms from the Python driver, 25 ms from vegeta, same server, same minute).
Logins and registrations (a few per second) stay on the Python driver: there it costs nothing.

A closed loop is `-rate=0` with a fixed number of workers (each sends its next request when
its reply is in); an open loop is a fixed `-rate`, vegeta adding workers whenever the ones it
has are all waiting (up to `MAX_OPEN_WORKERS`), so a slow reply does not delay the schedule.
Beyond that many requests in flight the schedule slips and its lateness is not counted, so an
open loop above capacity reports a p99 lower than its clients would see (its served rate, below
the offered one, says so).
Each result (start, status, latency) becomes a `load.Sample`, so the statistics, the timeline
and the chart are computed as for every other phase.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import load
from suite import provision_module

MAX_OPEN_WORKERS = 2000  # an open loop above capacity queues this many requests, then falls behind
# One request in this many asks to close its connection (`Connection: close`), so that the
# connections spread over the gunicorn workers again, as many clients' would (the Python driver
# reconnects as often). Kept alive for good, vegeta's connections land wherever the first accepts
# put them: once all 16 on one worker, bare Flask served 1465 req/s with the machine 2/3 idle.
RECONNECT_EVERY = 20
Target = tuple[str, Mapping[str, str]]  # url, headers


@functools.cache
def binary() -> Path:
    """The pinned vegeta, built from the Go module proxy on first use (deploy/provision.py);
    looked up once per process, not at every phase."""
    return Path(provision_module().fetch_vegeta())


def attack(
    rec: load.Recorder,
    name: str,
    targets: Sequence[Target],
    seconds: float,
    *,
    rate: float | None = None,
    workers: int = 16,
    reconnect_every: int = RECONNECT_EVERY,
    on_start: Callable[[int], None] = lambda _pid: None,
) -> float:
    """GET each target in turn for `seconds`: a closed loop of `workers`, or an open loop at
    `rate` per second. Every reply is recorded in `rec` under its current phase; the wall time."""
    exe = binary()
    with tempfile.TemporaryDirectory(prefix="vegeta-") as tmp:
        spec = Path(tmp) / "targets.json"
        spec.write_text("".join(json.dumps(t) + "\n" for t in _cycle(targets, reconnect_every)))
        pace = [f"-rate={max(1, round(rate))}/1s", f"-max-workers={MAX_OPEN_WORKERS}"] if rate else [
            "-rate=0", f"-workers={workers}", f"-max-workers={workers}"
        ]  # fmt: skip
        cmd = [
            str(exe), "attack", "-format=json", f"-targets={spec}", f"-duration={seconds}s",
            "-keepalive=true", "-http2=false", "-max-body=0", "-timeout=30s", *pace,
        ]  # fmt: skip
        results = Path(tmp) / "results.bin"
        t0 = time.perf_counter()
        with results.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
            on_start(proc.pid)
            try:
                _, err = proc.communicate(timeout=seconds + 90)
            except subprocess.TimeoutExpired:
                proc.kill()  # not left running into the next phase
                proc.wait()
                raise
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"vegeta attack failed ({proc.returncode}): {err.decode()[-2000:]}")
        encoded = subprocess.run(
            [str(exe), "encode", "--to=csv", str(results)], capture_output=True, check=True
        ).stdout.decode()
    for row in csv.reader(io.StringIO(encoded)):
        # timestamp (ns since the epoch), status (0: no reply), latency (ns), bytes out, bytes in, error, ...
        rec.samples.append(load.Sample(rec.phase, name, int(row[0]) / 1e9, int(row[2]) / 1e9, int(row[1])))
    return wall


def _cycle(targets: Sequence[Target], reconnect_every: int) -> list[dict[str, object]]:
    """vegeta's targets, in the order it takes them round after round: the targets repeated to a
    multiple of `reconnect_every`, every `reconnect_every`-th one closing its connection (0: none)."""
    every = max(0, reconnect_every)
    n = -(-max(len(targets), every) // every) * every if every else len(targets)
    out: list[dict[str, object]] = []
    for i in range(n):
        url, headers = targets[i % len(targets)]
        header = {k: [v] for k, v in headers.items()}
        if every and (i + 1) % every == 0:
            header["Connection"] = ["close"]
        out.append({"method": "GET", "url": url, "header": header})
    return out
