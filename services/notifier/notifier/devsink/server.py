"""Start and stop the sinks (SMTP, SMPP and the HTTP inbox with its SMS gateway) in this process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from kabinet.mongo import connect
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.smpp import SmscSink
from notifier.devsink.smtp import smtp_controller
from notifier.devsink.store import MessageStore
from notifier.devsink.web import create_app


class KeepAlive(WSGIRequestHandler):
    """HTTP/1.1: a client's connection serves request after request (werkzeug's default, 1.0,
    closes it after each: a new TCP connection, and a new server thread, per SMS)."""

    protocol_version = "HTTP/1.1"


@dataclass
class Running:
    """The sinks, running; `stop()` ends them."""

    smtp: Any
    smpp: SmscSink
    http: BaseWSGIServer
    thread: threading.Thread
    client: Any
    store: MessageStore

    def stop(self) -> None:
        """Stop serving and close the Mongo client."""
        self.http.shutdown()
        self.thread.join(timeout=5)
        self.smtp.stop()
        self.smpp.stop()
        self.client.close()


def start(settings: DevsinkSettings) -> Running:
    """Start the SMTP and SMPP sinks and the HTTP inbox; returns once all accept connections."""
    client = connect(settings.mongo_uri, app_name="devsink")
    store = MessageStore(client[settings.mongo_db])
    store.create_indexes()
    controller = smtp_controller(store, settings.smtp_host, settings.smtp_port)
    controller.start()
    smsc = SmscSink(
        store,
        settings.smpp_host,
        settings.smpp_port,
        system_id=settings.smpp_system_id,
        password=settings.smpp_password,
    ).start()
    http = make_server(
        settings.http_host, settings.http_port, create_app(store), threaded=True, request_handler=KeepAlive
    )
    thread = threading.Thread(target=http.serve_forever, name="devsink-http", daemon=True)
    thread.start()
    return Running(controller, smsc, http, thread, client, store)
