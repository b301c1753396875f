"""Operator commands of erasure (the shared CLI's command set is fixed, so this is its own entry).

    python -m identity.erasure erase ACCOUNT_ID [--verify] [--settle 30]
    python -m identity.erasure receipt ACCOUNT_ID
    python -m identity.erasure verify ACCOUNT_ID --value V [--value V …] [--settle 30]

`erase --verify` captures the account's name, phone and email in memory before erasing,
then scans every topic and collection until no Kabinet copy is left (other services
drop theirs as they read AccountErased) or `--settle` seconds pass; the scan's counts
(never the values) go into the receipt. Exit code 1 when Kabinet still holds a value.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from identity import domain as d
from identity.bootstrap import build_gateway
from identity.config import Settings
from identity.handlers.privacy import erase
from kabinet.logs import configure_logging
from kabinet.privacy.__main__ import service_databases
from kabinet.privacy.scan import Report, scan
from kabinet.runtime import Runtime


def known_values(state: d.Account) -> list[str]:
    """What a scan looks for: names, phone, email (held in memory only)."""
    p = state.profile
    names = [p.last_name, p.first_name, p.middle_name or ""]
    return [v for v in (*names, state.phone.value, state.email.value) if v]


def verify(runtime: Runtime, values: Sequence[str], settle: float, env: Mapping[str, str] | None) -> Report:
    """Scan until Kabinet holds none of `values`, or `settle` seconds pass; the last report."""
    deadline = time.monotonic() + settle
    while True:
        report = scan(
            values,
            bootstrap=runtime.infra.kafka_bootstrap,
            topic_prefix=runtime.infra.topic_prefix,
            client=runtime.client,
            databases=[*service_databases(env), runtime.infra.keys_db],
        )
        if not report.kabinet_hits() or time.monotonic() > deadline:
            return report
        time.sleep(1.0)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m identity.erasure")
    sub = parser.add_subparsers(dest="command", required=True)
    er = sub.add_parser("erase", help="close an account and erase its personal data")
    er.add_argument("account_id")
    er.add_argument("--verify", action="store_true", help="scan for its plaintext afterwards")
    er.add_argument("--settle", type=float, default=30.0)
    rc = sub.add_parser("receipt", help="print the erasure receipt")
    rc.add_argument("account_id")
    vf = sub.add_parser("verify", help="scan for given plaintext and add the result to the receipt")
    vf.add_argument("account_id")
    vf.add_argument("--value", action="append", required=True)
    vf.add_argument("--settle", type=float, default=0.0)
    args = parser.parse_args(argv)
    settings = Settings.from_env(env)
    configure_logging("identity-erasure", settings.infra.log_level, settings.infra.log_json)
    runtime = Runtime.open(settings.infra)
    try:
        gw = build_gateway(settings, runtime)
        values: list[str] = list(getattr(args, "value", None) or [])
        if args.command == "erase":
            state = gw.accounts.load(args.account_id)
            if state is None or state.status == "erased":
                print(json.dumps({"error": "no such account"}))
                return 2
            values = known_values(state) if args.verify else []
            erase(gw, args.account_id, password=None, requested_by="operator")
        if values:
            report = verify(runtime, values, args.settle, env)
            gw.erasure.attach_scan(args.account_id, report.summary())
            del values
        receipt: Any = gw.erasure.receipt(args.account_id)
        print(json.dumps(receipt, default=str, ensure_ascii=False, indent=1))
        if receipt is None:
            return 2
        last = (receipt.get("scans") or [{}])[-1]
        return 1 if last.get("kabinet_hit_count") else 0
    finally:
        runtime.close()


if __name__ == "__main__":
    sys.exit(main())
