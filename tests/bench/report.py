"""Statistics of samples, the Markdown summary and the chart of one benchmark run."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from load import Sample


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def ms(x: float | None) -> float | None:
    """Seconds → milliseconds, rounded."""
    return None if x is None else round(x * 1000, 1)


def latency(values: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99/max in ms."""
    return {
        "p50_ms": ms(percentile(values, 50)),
        "p95_ms": ms(percentile(values, 95)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(max(values)) if values else None,
    }


def stats(samples: Sequence[Sample], wall: float | None = None) -> dict[str, Any]:
    """Count, throughput, status classes and latency of a group of samples."""
    if not samples:
        return {"requests": 0}
    start = min(s.start for s in samples)
    end = max(s.start + s.latency for s in samples)
    span = wall or (end - start) or 1e-9
    ok = [s for s in samples if 200 <= s.status < 400]
    statuses: dict[str, int] = defaultdict(int)
    for s in samples:
        statuses[str(s.status)] += 1
    return {
        "requests": len(samples),
        "seconds": round(span, 2),
        "throughput_per_s": round(len(samples) / span, 1),
        "ok_per_s": round(len(ok) / span, 1),
        "errors": sum(1 for s in samples if s.status == 0 or s.status >= 500),
        "statuses": dict(sorted(statuses.items())),
        **latency([s.latency for s in ok] or [s.latency for s in samples]),
    }


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, rounded; None when unknown."""
    if value is None or not base:
        return None
    return round(value / base, 3)


def per_second(samples: Sequence[Sample], t0: float) -> list[dict[str, Any]]:
    """Requests per second and latency percentiles per one-second bucket (for the chart)."""
    buckets: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        buckets[int(s.start - t0)].append(s)
    rows = []
    for sec in sorted(buckets):
        lat = [s.latency for s in buckets[sec]]
        phases = {s.phase for s in buckets[sec]}
        rows.append(
            {
                "t": sec,
                "phase": sorted(phases)[0],
                "rps": len(lat),
                "p50_ms": ms(percentile(lat, 50)),
                "p95_ms": ms(percentile(lat, 95)),
                "p99_ms": ms(percentile(lat, 99)),
            }
        )
    return rows


def chart(timeline: list[dict[str, Any]], lag: dict[str, list[float]], path: Path, title: str) -> None:
    """Throughput and latency percentiles over time, and the projection-lag distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(12, 11))
    phases = sorted(
        {r["phase"] for r in timeline}, key=lambda p: min(r["t"] for r in timeline if r["phase"] == p)
    )
    colors = plt.get_cmap("tab10")
    for i, phase in enumerate(phases):
        rows = [r for r in timeline if r["phase"] == phase]
        ax1.bar(
            [r["t"] for r in rows], [r["rps"] for r in rows], width=1.0, color=colors(i % 10), label=phase
        )
    ax1.set_ylabel("requests / s")
    ax1.set_title(f"{title}: throughput over time (by phase)")
    ax1.legend(fontsize=8, ncol=4)
    ts = [r["t"] for r in timeline]
    for key, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
        ax2.plot(ts, [r[key] for r in timeline], style, label=key.replace("_ms", ""))
    ax2.set_yscale("log")
    ax2.set_ylabel("latency ms (log)")
    ax2.set_xlabel("seconds since start")
    ax2.set_title("latency percentiles per second (all requests of that second)")
    ax2.legend(fontsize=8)
    for name, values in lag.items():
        if values:
            xs = sorted(v * 1000 for v in values)
            ax3.plot(xs, [k / len(xs) for k in range(1, len(xs) + 1)], label=name)
    ax3.axvline(250, color="red", linestyle="--", linewidth=1, label="goal p99 250 ms")
    ax3.set_xscale("log")
    ax3.set_xlabel("event → projection lag, ms (log)")
    ax3.set_ylabel("fraction of events")
    ax3.set_title("projection lag, cumulative distribution")
    ax3.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _fmt(v: Any) -> str:
    return "–" if v is None else str(v)


def _hashing_phases(config: dict[str, Any]) -> list[str]:
    """How the registration, failed-login timing and /me-beside-logins phases were driven."""
    threads = config.get("client_threads", {})
    busy = threads.get("me_under_login")
    if not busy:  # a result from before these phases
        return []
    return [
        "",
        f"Hashing phases: `registration` {threads['registration']} client threads registering fresh "
        f"subscribers; `login_timing` {threads['login_timing']} client(s) for "
        f"{config['login_timing_seconds']} s, unknown logins alternating with wrong passwords of "
        f"existing accounts (401 replies only); `me_under_login` {busy['login']} login threads beside "
        f"{busy['me_readers']} /me readers pausing {busy['me_think_s']} s between requests.",
    ]


def lag_tables(projection_lag: dict[str, Any]) -> list[str]:
    """Markdown lines: one table per event rate, one row per watched consumer group."""
    out: list[str] = []
    for rate, lag in projection_lag.items():
        out += [
            "",
            f"## Event → projection lag at {rate} (achieved {lag['achieved_rate']}/s, {lag['events']} "
            f"{lag.get('event', 'UserRegistered')} events; unseen after {lag['settle_s']} s count as "
            "infinitely late)",
            "",
            "Lag = append → the projecting consumer group has committed an offset past the event "
            "(it writes, then commits); read from Kafka, nothing from Mongo.",
            "",
            "| projection | seen | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
        ]
        rows = list(lag["projections"].items())
        if lag.get("published"):
            rows.append(("(relay: record on the topic)", lag["published"]))
        for name, s in rows:
            out.append(
                f"| {name} | {s['seen']} | {_fmt(s['p50_ms'])} | {_fmt(s['p95_ms'])} | {_fmt(s['p99_ms'])} "
                f"| {_fmt(s['max_ms'])} |"
            )
    return out


def markdown(result: dict[str, Any]) -> str:
    """The human summary of one run."""
    out = [f"# Kabinet benchmark {result['date']}", ""]
    m = result["machine"]
    out += [
        f"Machine: {m['cores']} cores, load average at start {m['loadavg_start']}, at end {m['loadavg_end']} "
        f"(other engineers' tests share this machine). Suite: {result['config']['api_workers']} gunicorn "
        f"workers × {result['config']['threads']} threads per API, "
        f"bcrypt cost {result['config']['bcrypt_rounds']}, "
        f"{result['config']['subscribers']} virtual subscribers, servers: "
        f"{result['config'].get('servers', 'shared')}, run took {result['took_s']} s.",
        "",
        "## Goals",
        "",
        "| goal | measured | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for g in result["goals"]:
        out.append(
            f"| {g['goal']} | {_fmt(g['measured'])} | {_fmt(g['baseline'])} | {_fmt(g['ratio'])} | "
            f"{g['target']} | {'yes' if g['met'] else 'NO'} |"
        )
    out += _hashing_phases(result["config"])
    out += ["", "## Baselines (same run)", ""]
    for name, b in result["baselines"].items():
        out.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in b.items() if not isinstance(v, dict)))
    out += [
        "",
        "## Requests by phase",
        "",
        "| phase | request | n | req/s | ok/s | errors (5xx/transport) | statuses "
        "| p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["requests"]:
        s = row["stats"]
        if not s.get("requests"):
            continue
        statuses = " ".join(f"{k}:{v}" for k, v in s["statuses"].items())
        out.append(
            f"| {row['phase']} | {row['name']} | {s['requests']} | {s['throughput_per_s']} "
            f"| {s['ok_per_s']} | "
            f"{s['errors']} | {statuses} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |"
        )
    out += lag_tables(result["projection_lag"])
    probes = result.get("backbone_probes") or {}
    if probes:
        out += [
            "",
            "## Backbone queries on this Mongo server at the end of the run (ms, mean of 5)",
            "",
            "| service | events | relay scan `unpublished(500)` | find `{_id}` | find `{_id, published}` "
            "| `load(stream)` |",
            "|---|---|---|---|---|---|",
        ]
        for svc, p in probes.items():
            out.append(
                f"| {svc} | {p['events']} | {p['relay_scan_unpublished_ms']} | {p['find_by_id_ms']} "
                f"| {p['find_by_id_and_field_ms']} | {p['load_stream_ms']} |"
            )
    out += [
        "",
        "## CPU and RSS per process (mean CPU % of one core, max RSS MB)",
        "",
        "The last two rows: every process of the machine, and the part no process of this run used "
        "(other users of the machine; 200% is both cores).",
        "",
    ]
    phases = list(result["processes"])
    names = sorted({n for p in phases for n in result["processes"][p]})
    out.append("| process | " + " | ".join(phases) + " |")
    out.append("|---|" + "---|" * len(phases))
    for n in names:
        cells = []
        for p in phases:
            c = result["processes"][p].get(n)
            cells.append(f"{c['cpu_percent']}% / {c['rss_mb_max']} MB" if c else "–")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    machine = result.get("machine_cpu") or {}
    rows = (("busy_percent", "**the whole machine**"), ("outside_percent", "**outside this run**"))
    for key, label in rows if machine else ():
        cells = [f"{machine.get(p, {}).get(key, '–')}%" for p in phases]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    if result.get("profile"):
        out += ["", "## Hot spot profile (pyinstrument)", ""]
        for name, prof in result["profile"].items():
            out += [f"### {name}", "", "```", prof.strip(), "```", ""]
    for name, other in (result.get("others") or {}).items():
        out += ["", f"## {name} (tests/bench/{name}.py, its own results file)", ""]
        waited = other.get("waited_for_quiet_s")
        quiet = "" if waited is None else f", started once the machine was quiet ({waited} s)"
        head = f"exit {other['exit']} after {other['seconds']} s{quiet}"
        out += [head, "", "```", other["output"].strip(), "```"]
    if result.get("notes"):
        out += ["", "## Notes", ""] + [f"- {n}" for n in result["notes"]]
    out += ["", f"Chart: `{result['chart']}`", ""]
    return "\n".join(out)
