"""`python -m notifier.devsink`: the dev SMTP (:1025) and SMPP (:2775) sinks, inbox (:8025) until stopped."""

from __future__ import annotations

import logging
import signal
import threading

from kabinet.logs import configure_logging
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.server import start


def main() -> int:
    """Serve until SIGINT or SIGTERM."""
    settings = DevsinkSettings.from_env()
    configure_logging("devsink", settings.log_level, json_format=False)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
    # werkzeug's access log would print `?to=<address>` of every inbox query: no personal data in logs
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    running = start(settings)
    print(
        f"devsink: SMTP on {settings.smtp_host}:{settings.smtp_port}, "
        f"SMPP on {settings.smpp_host}:{settings.smpp_port}, inbox on "
        f"http://{settings.http_host}:{settings.http_port}/ (db {settings.mongo_db})",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    running.stop()
    return 0


raise SystemExit(main())
