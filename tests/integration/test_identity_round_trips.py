"""Mongo round trips of the gateway's busiest requests on the real server, by command and collection.

Each round trip costs the MongoDB-protocol server about a millisecond or more of CPU, so these
are budgets: a sign-in, a registration, `GET /me`, `GET /services` and a first refresh send
exactly these commands to identity's own collections. The event store's and the key store's
own mechanics (`counters`, `subject_keys`) are left to their own tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from identity_support import PASSWORD, bearer, registration, settings_for
from pymongo import monitoring

pytestmark = pytest.mark.integration
NOT_OURS = frozenset({"counters", "subject_keys"})


class Commands(monitoring.CommandListener):
    """`command collection` of each command sent to one database while armed."""

    def __init__(self) -> None:
        self.db: str | None = None
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        if event.database_name == self.db and isinstance(target, str) and target not in NOT_OURS:
            self.seen[f"{event.command_name} {target}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    @contextmanager
    def during(self, db: str) -> Iterator[Counter[str]]:
        """Count the commands the `with` block sends to `db`."""
        self.seen, self.db = Counter(), db
        try:
            yield self.seen
        finally:
            self.db = None


COMMANDS = Commands()


@pytest.fixture(scope="module", autouse=True)
def _listening() -> None:
    """Listen to every client made from here on (the app's); idle unless armed."""
    monitoring.register(COMMANDS)


@pytest.fixture
def settings(service_env):
    return settings_for(service_env)  # nothing listens at billing-link's URL: `GET /services` needs none


def sign_in(client, login):
    reply = client.post("/api/v1/sessions", json={"login": login, "password": PASSWORD})
    assert reply.status_code == 200, reply.json
    return reply.json


def test_a_registration_reads_no_stream_it_creates(client, settings):
    with COMMANDS.during(settings.infra.mongo_db) as seen:
        assert client.post("/api/v1/registrations", json=registration()).status_code == 201
    assert seen == {
        "findAndModify throttle": 3,  # quotas per address, phone, email
        "find events": 1,  # a reservation from before login digests
        "insert events": 2,  # LoginReserved, UserRegistered
        "insert credentials": 1,
        "find contacts": 2,  # owners of the phone and the email
    }


def test_a_sign_in_writes_one_session_document_and_no_throttle(client, settings, account):
    with COMMANDS.during(settings.infra.mongo_db) as seen:
        sign_in(client, account["login"])
    assert seen == {
        "find throttle": 2,  # login and client address, before any hashing
        "find events": 2,  # the login's reservation, the account
        "find credentials": 1,
        "insert sessions": 1,  # with its first refresh token
        "insert events": 1,  # LoginSucceeded
    }


def test_me_and_services_check_the_session_with_one_read_each(client, settings, account):
    auth = bearer(sign_in(client, account["login"])["access_token"])
    with COMMANDS.during(settings.infra.mongo_db) as me:
        assert client.get("/api/v1/me", headers=auth).status_code == 200
    with COMMANDS.during(settings.infra.mongo_db) as services:
        assert client.get("/api/v1/services", headers=auth).status_code == 200
    assert me == {"find sessions": 1, "find accounts": 1}
    assert services == {"find sessions": 1, "find service_links": 1}  # the gateway's own view: no hop


def test_a_first_refresh_spends_the_token_in_the_session_document(client, settings, account):
    first = sign_in(client, account["login"])
    with COMMANDS.during(settings.infra.mongo_db) as seen:
        reply = client.post("/api/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert reply.status_code == 200
    assert seen == {"findAndModify sessions": 1, "insert refresh_tokens": 1}
    second = client.post("/api/v1/sessions/refresh", json={"refresh_token": reply.json["refresh_token"]})
    assert second.status_code == 200  # later tokens rotate from `refresh_tokens`
