"""Start and stop both sinks (SMTP and HTTP) in this process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from kabinet.mongo import connect
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.smtp import smtp_controller
from notifier.devsink.store import MessageStore
from notifier.devsink.web import create_app


class KeepAlive(WSGIRequestHandler):
    """HTTP/1.1: a client's connection serves request after request (werkzeug's default, 1.0,
    closes it after each: a new TCP connection, and a new server thread, per SMS)."""

    protocol_version = "HTTP/1.1"


@dataclass
class Running:
    """Both sinks, running; `stop()` ends them."""

    smtp: Any
    http: BaseWSGIServer
    thread: threading.Thread
    client: Any
    store: MessageStore

    def stop(self) -> None:
        """Stop serving and close the Mongo client."""
        self.http.shutdown()
        self.thread.join(timeout=5)
        self.smtp.stop()
        self.client.close()


def start(settings: DevsinkSettings) -> Running:
    """Start the SMTP sink and the HTTP inbox; returns once both accept connections."""
    client = connect(settings.mongo_uri, app_name="devsink")
    store = MessageStore(client[settings.mongo_db])
    store.create_indexes()
    controller = smtp_controller(store, settings.smtp_host, settings.smtp_port)
    controller.start()
    http = make_server(
        settings.http_host, settings.http_port, create_app(store), threaded=True, request_handler=KeepAlive
    )
    thread = threading.Thread(target=http.serve_forever, name="devsink-http", daemon=True)
    thread.start()
    return Running(controller, http, thread, client, store)
