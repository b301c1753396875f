"""The write gate: commands refused with 503 while Kafka is not writable; reads and marked views pass."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import Flask, jsonify
from prometheus_client import CollectorRegistry

from kabinet.broker_health import BrokerHealth, NotWritable
from kabinet.broker_verdict import Verdict
from kabinet.web import probes
from kabinet.write_gate import appends_events, appends_nothing, install_write_gate


@dataclass
class FakeHealth:
    """A monitor whose verdict the test sets."""

    current: Verdict = field(default_factory=lambda: Verdict(False, "kafka down", 0.0))

    def verdict(self) -> Verdict:
        return self.current


@pytest.fixture
def health() -> FakeHealth:
    return FakeHealth()


@pytest.fixture
def app(health: FakeHealth) -> Flask:
    app = Flask("gate")
    appended: list[str] = []
    app.extensions["appended"] = appended

    @app.post("/things")
    def add_thing():
        appended.append("thing")
        return jsonify(ok=True), 201

    @app.get("/things")
    def list_things():
        return jsonify(appended)

    @app.post("/score")
    @appends_nothing
    def score():
        return jsonify(score=3)

    @app.get("/confirm")
    @appends_events
    def confirm():
        appended.append("confirmed")
        return jsonify(ok=True)

    install_write_gate(app, health)
    return app


def test_a_command_is_refused_and_appends_nothing_while_kafka_is_not_writable(app: Flask):
    reply = app.test_client().post("/things", json={})
    assert reply.status_code == 503
    assert reply.mimetype == "application/problem+json"
    assert reply.headers["Retry-After"] == "5"
    assert reply.json["type"].endswith("/service-unavailable")
    assert app.extensions["appended"] == []


def test_reads_and_views_that_append_nothing_keep_working(app: Flask):
    client = app.test_client()
    assert client.get("/things").status_code == 200
    assert client.post("/score").json == {"score": 3}


def test_a_get_marked_as_appending_is_gated(app: Flask):
    assert app.test_client().get("/confirm").status_code == 503
    assert app.extensions["appended"] == []


def test_unknown_routes_and_methods_are_the_routers_answer(app: Flask):
    client = app.test_client()
    assert client.post("/nowhere").status_code == 404
    assert client.delete("/things").status_code == 405


def test_commands_pass_once_kafka_is_writable(app: Flask, health: FakeHealth):
    health.current = Verdict(True, "ok", 0.0)
    assert app.test_client().post("/things", json={}).status_code == 201
    assert app.extensions["appended"] == ["thing"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def monitor(clock: Clock) -> BrokerHealth:
    return BrokerHealth(interval=1.0, max_age=5.0, clock=clock)


def test_no_verdict_yet_is_not_writable():
    v = monitor(Clock()).verdict()
    assert not v.writable and v.reason == "Kafka not checked yet"


def test_a_stale_verdict_counts_as_not_writable():
    clock = Clock()
    health = monitor(clock)
    health.record(Verdict(True, "ok", clock.now))
    clock.now += 5.0
    assert health.verdict().writable
    clock.now += 0.5
    stale = health.verdict()
    assert not stale.writable and stale.reason == "no fresh Kafka check (the last, 5.5 s ago: ok)"
    with pytest.raises(NotWritable, match="no fresh Kafka check"):
        health.require_writable()


def test_readyz_shows_the_reason_kafka_is_not_writable():
    clock = Clock()
    health = monitor(clock)
    health.record(Verdict(False, "t.accounts[0]: 1 in-sync replica, min.insync.replicas is 2", clock.now))
    app = Flask("probes")
    app.register_blueprint(probes({"kafka": health.require_writable}, CollectorRegistry()))
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503
    assert reply.json["checks"] == {
        "kafka": "down: t.accounts[0]: 1 in-sync replica, min.insync.replicas is 2"
    }
