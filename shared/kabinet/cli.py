"""`python -m <service> api|consume|publish|topics|migrate`: one vocabulary for every service."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from kabinet import kafka as kafka_clients
from kabinet.doorbell import Door, parse
from kabinet.logs import configure_logging
from kabinet.relay import Lease, OutboxRelay
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, ServiceDef, build_loop

log = logging.getLogger(__name__)
# no client address, user agent or query string (tokens, addresses): logs hold no personal data
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


API_THREADS = 16


def main(service: ServiceDef, argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command of `service`."""
    parser = argparse.ArgumentParser(prog=f"python -m {service.package}")
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="serve HTTP with gunicorn")
    api.add_argument("--bind", default=f"127.0.0.1:{service.default_port}")
    api.add_argument("--workers", type=int, default=2)
    api.add_argument(
        "--threads",
        type=int,
        default=API_THREADS,
        help=f"gthread threads per worker (default {API_THREADS}): requests waiting for a password "
        "hash hold a thread, so a worker keeps threads for reads beside a queue of sign-ins",
    )
    consume = sub.add_parser("consume", help="run consumers (all by default)")
    consume.add_argument("names", nargs="*", help=f"of: {', '.join(service.consumers) or 'none'}")
    sub.add_parser("publish", help="run the outbox relay")
    sub.add_parser("topics", help="create the topics this service uses")
    sub.add_parser("migrate", help="create indexes")
    args = parser.parse_args(argv)
    infra = service.infra()
    configure_logging(service.name, infra.log_level, infra.log_json)
    if args.command == "api":
        return _api(service, args.bind, args.workers, args.threads)
    runtime = Runtime.open(infra)
    try:
        if args.command == "topics":
            created = kafka_clients.ensure_topics(
                infra.kafka_bootstrap,
                [runtime.topic(t) for t in service.topics()],
                partitions=infra.topic_partitions,
                replication=infra.topic_replication,
            )
            print(f"{service.name}: created {created or 'nothing (all exist)'}")
            return 0
        service.setup(runtime)
        runtime.keys.create_indexes()
        if args.command == "migrate":
            return 0
        stop = _stop_on_signals()
        if args.command == "publish":
            door = Door.open(parse(infra.relay_doorbell))
            try:
                OutboxRelay(runtime.store, runtime.producer()).run(
                    stop, Lease(runtime.db, "outbox-relay"), door=door
                )
            finally:
                if door is not None:
                    door.close()
            return 0
        unknown = set(args.names) - set(service.consumers)
        if unknown:
            parser.error(f"unknown consumers: {', '.join(sorted(unknown))}")
        names = args.names or list(service.consumers)
        return run_consumers(runtime, [service.consumers[n] for n in names], stop)
    finally:
        runtime.close()


def run_consumers(runtime: Runtime, specs: Sequence[ConsumerSpec], stop: threading.Event) -> int:
    """Run each consumer in a thread; the first to fail stops them all (exit code 1)."""
    failed: list[BaseException] = []

    def work(spec: ConsumerSpec) -> None:
        consumer, loop = build_loop(runtime, spec)
        try:
            log.info("consumer started", extra={"consumer": spec.name, "topics": spec.topics})
            loop.run(stop)
        except BaseException as exc:
            log.exception("consumer crashed", extra={"consumer": spec.name})
            failed.append(exc)
            stop.set()
        finally:
            consumer.close(autocommit=False)

    threads = [threading.Thread(target=work, args=(s,), name=s.name) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 1 if failed else 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _api(service: ServiceDef, bind: str, workers: int, threads: int) -> int:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--graceful-timeout",
        "10",
        f"{service.package}.app:create_app()",
    ]
    os.execv(sys.executable, argv)
    return 0  # unreachable
