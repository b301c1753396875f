"""`python -m kabinet.ops <command>`: exit 0 ok, 1 a check failed, 2 usage or infrastructure error."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from pymongo import MongoClient
from pymongo.errors import ConnectionFailure

from kabinet.mongo import Doc, connect
from kabinet.ops import infra, schemas
from kabinet.ops.commands import audit, dlq, projections, swap
from kabinet.ops.infra import OpsError
from kabinet.ops.settings import OpsSettings
from kabinet.privacy import payload
from kabinet.runtime import open_keystore
from kabinet.service import ServiceDef
from kabinet.settings import EnvReader, InfraSettings

OK, CHECK_FAILED, USAGE = 0, 1, 2
INTERRUPTED = 130


@dataclass
class Context:
    """What every command gets: settings, output streams and lazily opened clients."""

    settings: OpsSettings
    out: IO[str]
    err: IO[str]
    services: Mapping[str, ServiceDef] = field(default_factory=dict)
    env: Mapping[str, str] | None = None
    _mongo: MongoClient[Doc] | None = None
    _closers: list[Any] = field(default_factory=list)
    _keys: Any = None

    def mongo(self) -> MongoClient[Doc]:
        """A pinged Mongo client (one per run)."""
        if self._mongo is None:
            self._mongo = infra.mongo(self.settings)
            self._closers.append(self._mongo)
        return self._mongo

    def reader(self) -> KafkaConsumer:
        """A fresh group-less Kafka consumer, closed at the end of the run."""
        self._open_sealed_payloads()
        consumer = infra.reader(self.settings)
        self._closers.append(consumer)
        return consumer

    def _open_sealed_payloads(self) -> None:
        """Give the codec the deployment's key store, so personal data in events can be shown."""
        if payload.keystore() is None:
            infra_settings = InfraSettings.read("ops", EnvReader.for_service("OPS_", self.env))
            client = connect(
                self.settings.mongo_uri, app_name=infra.CLIENT_ID, timeout_ms=self.settings.timeout_ms
            )
            self._closers.append(client)
            self._keys = open_keystore(client, infra_settings)
            payload.use_keystore(self._keys)

    def say(self, text: str) -> None:
        """A line on standard output."""
        print(text, file=self.out, flush=True)

    def close(self) -> None:
        """Close every client opened."""
        if self._keys is not None and payload.keystore() is self._keys:
            payload.use_keystore(None)  # its client closes below
        for client in reversed(self._closers):
            client.close()


def parser() -> argparse.ArgumentParser:
    """The command line of every operator command."""
    p = argparse.ArgumentParser(
        prog="python -m kabinet.ops",
        description="Kabinet operator tools. Exit codes: 0 ok, 1 a check failed, 2 usage or "
        "infrastructure error. Connections: OPS_MONGO_URI/MONGO_URI, OPS_KAFKA_BOOTSTRAP_SERVERS/"
        "KAFKA_BOOTSTRAP_SERVERS, OPS_KAFKA_TOPIC_PREFIX/KAFKA_TOPIC_PREFIX, OPS_DB, OPS_TIMEOUT_MS.",
    )
    p.add_argument("--mongo-uri", help="overrides OPS_MONGO_URI / MONGO_URI")
    p.add_argument("--kafka", metavar="BOOTSTRAP", help="overrides OPS_KAFKA_BOOTSTRAP_SERVERS")
    p.add_argument("--topic-prefix", help="deployment's topic namespace (overrides KAFKA_TOPIC_PREFIX)")
    p.add_argument("--timeout-ms", type=int, help="connection timeout (default 3000)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (dlq, audit, projections, swap, schemas):
        module.register(sub)
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    services: Mapping[str, ServiceDef] | None = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> int:
    """Run one command; `env` and `services` let tests pass their own environment and services."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # its connection errors are noise here: an unreachable broker is reported in one line
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    settings = OpsSettings.from_env(env)
    overrides = {
        "mongo_uri": args.mongo_uri,
        "kafka_bootstrap": args.kafka,
        "topic_prefix": args.topic_prefix,
        "timeout_ms": args.timeout_ms,
    }
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    ctx = Context(settings, out or sys.stdout, err or sys.stderr, services or {}, env)
    try:
        return int(args.run(ctx, args))
    except OpsError as exc:
        print(f"kabinet.ops {args.command}: {exc}", file=ctx.err)
        return USAGE
    except (KafkaError, ConnectionFailure) as exc:  # a server went away mid-command
        print(f"kabinet.ops {args.command}: infrastructure: {type(exc).__name__}: {exc}"[:500], file=ctx.err)
        return USAGE
    except KeyboardInterrupt:
        print(f"kabinet.ops {args.command}: interrupted (a rebuild resumes where it stopped)", file=ctx.err)
        return INTERRUPTED
    except Exception:
        traceback.print_exc(file=ctx.err)
        print(f"kabinet.ops {args.command}: failed (traceback above)", file=ctx.err)
        return USAGE
    finally:
        ctx.close()
