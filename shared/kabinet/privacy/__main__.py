"""Operator commands of personal-data protection.

    python -m kabinet.privacy scan --value "Соколова" --value "+79161234567" [--db NAME …]
    python -m kabinet.privacy rotate       # re-wrap every subject key with the first master key
    python -m kabinet.privacy keys         # how many subject keys each master key wraps
    python -m kabinet.privacy new-master-key KID

`scan` exits 1 when Kabinet's own topics or collections hold any of the values. Settings
come from the environment like the services' (`MONGO_URI`, `KAFKA_BOOTSTRAP_SERVERS`,
`KAFKA_TOPIC_PREFIX`, `KABINET_KEYS_DB`, `KABINET_MASTER_KEY`, `<SERVICE>_MONGO_DB`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence

from kabinet.logs import configure_logging
from kabinet.mongo import connect
from kabinet.privacy.crypto import new_key
from kabinet.privacy.master import MasterKeyring
from kabinet.privacy.scan import scan
from kabinet.runtime import open_keystore
from kabinet.settings import EnvReader, InfraSettings

SERVICE_DBS = ("identity", "verification", "billing-link", "notifier")


def service_databases(env: Mapping[str, str] | None = None) -> list[str]:
    """The Mongo database of every Kabinet service, as each service would name it."""
    names = []
    for service in SERVICE_DBS:
        prefix = service.upper().replace("-", "_") + "_"
        names.append(InfraSettings.read(service, EnvReader.for_service(prefix, env)).mongo_db)
    return names


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m kabinet.privacy")
    sub = parser.add_subparsers(dest="command", required=True)
    sc = sub.add_parser("scan", help="search every topic and collection for plaintext values")
    sc.add_argument("--value", action="append", required=True, help="a value to look for (repeat)")
    sc.add_argument("--db", action="append", help="databases (default: every service's, and the keys db)")
    sub.add_parser("rotate", help="re-wrap subject keys with the current master key")
    sub.add_parser("keys", help="subject keys per master key")
    nk = sub.add_parser("new-master-key", help="print a fresh KABINET_MASTER_KEY entry")
    nk.add_argument("kid")
    args = parser.parse_args(argv)
    infra = InfraSettings.read("privacy", EnvReader.for_service("KABINET_", env))
    configure_logging("privacy", infra.log_level, infra.log_json)
    if args.command == "new-master-key":
        print(MasterKeyring.entry(args.kid, new_key()))
        return 0
    client = connect(infra.mongo_uri, app_name="kabinet-privacy", timeout_ms=infra.mongo_timeout_ms)
    try:
        if args.command == "scan":
            dbs = args.db or [*service_databases(env), infra.keys_db]
            report = scan(
                args.value,
                bootstrap=infra.kafka_bootstrap,
                topic_prefix=infra.topic_prefix,
                client=client,
                databases=dbs,
            )
            print(json.dumps(report.summary(), ensure_ascii=False, indent=1))
            return 1 if report.kabinet_hits() else 0
        keys = open_keystore(client, infra)
        if args.command == "rotate":
            print(json.dumps({"rewrapped": keys.rotate(), "by_master_key": keys.count_by_master()}))
        else:
            print(json.dumps({"by_master_key": keys.count_by_master()}))
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
