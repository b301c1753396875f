"""Each service's replayable projection, rebuilt from offset zero into a shadow, equals the live one.

Per service: events made by the real code paths (HTTP, command handlers, the outbox relay)
or published as the neighbours publish them; the service's registered projection consumer
(a real consumer group) catches up; then `python -m kabinet.ops rebuild` and `diff` over the
real servers find no difference in exactly the collections the consumer declares. A live
document changed by hand must show in the diff, so the comparison can fail.
"""

from __future__ import annotations

import io
import json
import random
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from identity_support import contact_confirmed, registration, settings_for
from kafka import KafkaConsumer, TopicPartition
from ops_support import drop_ops_databases
from support import drive

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope
from kabinet.ops.cli import main
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, ServiceDef, build_loop

pytestmark = pytest.mark.integration
PHONE = REGISTRY.latest("UserRegistered").example["phone"]  # the examples' holder's phone too


@pytest.fixture
def env(service_env: dict[str, str], mongo_client: Any) -> Iterator[dict[str, str]]:
    ops_db = f"t_ops_{uuid.uuid4().hex[:10]}"
    yield {**service_env, "OPS_DB": ops_db}
    drop_ops_databases(mongo_client, service_env["MONGO_DB"], ops_db)


class Live:
    """A service's runtime and its registered projection consumer, run until it has read everything."""

    def __init__(self, service: ServiceDef, runtime: Runtime, name: str) -> None:
        self.spec: ConsumerSpec = service.consumers[name]
        self.runtime = runtime
        names = [runtime.topic(t) for t in service.topics()]
        kafka_clients.ensure_topics(runtime.infra.kafka_bootstrap, names, partitions=3, replication=1)
        service.setup(runtime)
        self.consumer, self.loop = build_loop(runtime, self.spec)

    def publish(self, event_type: str, stream_id: str, version: int = 1, **payload: Any) -> Envelope:
        """A neighbour's event (the registry's example with `payload`), acknowledged by Kafka."""
        spec = REGISTRY.latest(event_type)
        env = new_envelope(
            event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
            stream_id=stream_id, stream_version=version, correlation_id=f"c-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        wire = encode(env)
        topic = self.runtime.topic(spec.topic)
        self.runtime.producer().send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(10)
        return env

    def relay(self) -> None:
        """Publish what the service appended."""
        OutboxRelay(self.runtime.store, self.runtime.producer()).publish_pending()

    def catch_up(self) -> None:
        """Drive the consumer until it has seen every record now on its topics."""
        total = records_on(
            self.runtime.infra.kafka_bootstrap, [self.runtime.topic(t) for t in self.spec.topics]
        )
        stats = self.loop.stats

        def seen_all() -> bool:
            return stats.handled + stats.skipped + stats.dead_lettered >= total

        drive(self.loop, seen_all, what=f"{self.spec.name}: {total} records")
        assert stats.dead_lettered == 0

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.runtime.close()


def records_on(bootstrap: str, names: list[str]) -> int:
    """How many records the topics hold."""
    reader = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tps = [TopicPartition(t, p) for t in names for p in reader.partitions_for_topic(t) or ()]
        return sum(reader.end_offsets(tps).values())
    finally:
        reader.close()


def ops(env: Mapping[str, str], *argv: str) -> tuple[int, str, str]:
    """`python -m kabinet.ops …` in-process, on the test's database: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    command, *rest = argv
    code = main([command, *rest, "--db", env["MONGO_DB"]], env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def diff(env: Mapping[str, str], service: str, report: Path, *more: str) -> tuple[int, dict[str, Any]]:
    code, out, err = ops(env, "diff", "--service", service, "--report", str(report), *more)
    assert code in (0, 1), out + err
    return code, json.loads(report.read_text())


def assert_rebuild_equals_live(
    env: Mapping[str, str], live: Live, service: str, tmp: Path, tamper: tuple[str, Any, dict[str, Any]]
) -> dict[str, Any]:
    """Rebuild, diff: zero differences over the declared collections; then a tampered one shows."""
    only = ("--consumer", live.spec.name)
    code, out, err = ops(env, "rebuild", "--service", service, *only, "--no-progress")
    assert code == 0 and "0 undecodable, 0 poison" in out, out + err
    code, report = diff(env, service, tmp / "equal.json", *only)
    assert code == 0 and report["differences"] == 0, json.dumps(report["details"], ensure_ascii=False)
    counts = {c["name"]: c["live_count"] for c in report["collections"]}
    assert set(counts) == set(live.spec.collections)  # the shadow holds nothing else: a pure projection

    collection, doc_id, change = tamper
    assert live.runtime.db[collection].update_one({"_id": doc_id}, change).modified_count == 1
    code, report = diff(env, service, tmp / "tampered.json", *only)
    assert code == 1 and report["differences"] == 1
    assert report["details"][0]["collection"] == collection
    return counts


@pytest.fixture
def identity(env: dict[str, str]) -> Iterator[tuple[Live, Any]]:
    from identity.bootstrap import SERVICE

    settings = settings_for(env)
    live = Live(SERVICE, Runtime.open(settings.infra), "projection")
    yield live, settings
    live.close()


def test_identity_accounts_contacts_and_notifications_rebuild_equal(identity, env, tmp_path):
    from identity.app import create_app
    from identity.bootstrap import build_gateway
    from identity.eventstore import open_accounts
    from identity.handlers.events import on_verification_event
    from identity.handlers.privacy import erase

    live, settings = identity
    runtime = live.runtime
    client = create_app(settings).test_client()
    ids = []
    for _ in range(3):
        reply = client.post("/api/v1/registrations", json=registration())
        assert reply.status_code == 201, reply.json
        ids.append(reply.json["account_id"])
    kept, erased, pending = ids
    for account_id in (kept, erased):
        phone = runtime.store.load(f"account-{account_id}")[0].payload["phone"]
        on_verification_event(open_accounts(runtime), contact_confirmed(account_id, phone))
    for account_id in (kept, erased):
        live.publish("NotificationSent", f"notification-{uuid.uuid4()}",
                     notification_id=str(uuid.uuid4()), account_id=account_id)  # fmt: skip
    live.relay()
    live.catch_up()
    assert runtime.db.accounts.find_one({"_id": erased})["login"]  # a full profile before the erasure

    erase(build_gateway(settings, runtime), erased, password=None, requested_by="operator")
    live.relay()
    live.catch_up()  # the tombstone lands on a full profile; the rebuild reads shredded events

    tombstone = runtime.db.accounts.find_one({"_id": erased})
    assert tombstone["status"] == "erased" and "login" not in tombstone and "region" not in tombstone
    counts = assert_rebuild_equals_live(
        env, live, "identity", tmp_path, ("accounts", pending, {"$set": {"status": "active"}})
    )
    assert counts == {"accounts": 3, "contacts": 1, "notifications": 1}


def test_identity_service_view_rebuilds_equal(env, tmp_path):
    from identity.bootstrap import SERVICE, build_gateway

    settings = settings_for(env)
    live = Live(SERVICE, Runtime.open(settings.infra), "services")
    try:
        views = build_gateway(settings, live.runtime).services
        numbers = [str(random.randrange(10**11, 10**12)) for _ in range(3)]
        kept, erased = str(uuid.uuid4()), str(uuid.uuid4())
        links = [str(uuid.uuid4()) for _ in range(3)]
        for number in numbers:
            live.publish("BillingAccountUpserted", number, account_number=number)
        owners = (kept, kept, erased)
        for link_id, number, account_id in zip(links, numbers, owners, strict=True):
            ids = {
                "link_id": link_id,
                "account_id": account_id,
                "account_number": number,
                "identifier": number,
            }
            live.publish("ServiceLinkRequested", link_id, 1, **ids)
            live.publish("ServiceAdded", link_id, 2, **ids)
        live.publish("ServiceRemoved", links[1], 3, link_id=links[1], account_id=kept, reason="unlinked")
        balance = {"amount": "12.00", "currency": "RUB"}
        live.publish("BalanceChanged", numbers[0], account_number=numbers[0], balance=balance, reason="fee")
        live.publish("AccountErased", f"account-{erased}", 3, account_id=erased)
        live.catch_up()
        assert views is not None
        [shown] = views.list(kept)
        assert shown["link_id"] == links[0] and shown["balance"] == balance
        assert views.list(erased) == []

        counts = assert_rebuild_equals_live(
            env, live, "identity", tmp_path, ("billing_states", numbers[1], {"$set": {"plan": "другой"}})
        )
        assert counts == {"service_links": 2, "billing_states": 3, "services_erased": 1}
    finally:
        live.close()


def test_verification_challenges_rebuild_equal(env, tmp_path):
    from verification.bootstrap import SERVICE, build_verification
    from verification.config import Settings
    from verification.domain import Binding, Issue, WrongCode
    from verification.handlers import Target

    settings = Settings.from_env(env)
    live = Live(SERVICE, Runtime.open(settings.infra), "challenges")
    try:
        service = build_verification(live.runtime, settings)
        kept, erased = str(uuid.uuid4()), str(uuid.uuid4())
        requests = [(kept, "sms", PHONE), (kept, "sms", PHONE), (erased, "email", "a@b.ru")]
        for account_id, channel, to in requests:  # the second supersedes the first
            service.issue(Issue(str(uuid.uuid4()), Binding(account_id, "registration", None, channel), to))
        with pytest.raises(WrongCode):
            service.submit(Target(kept, ("registration",), "sms"), "000000")
        live.publish("AccountErased", f"account-{erased}", 3, account_id=erased)
        live.relay()
        live.catch_up()
        challenges = live.runtime.db.challenges
        assert challenges.count_documents({"account_id": erased}) == 0
        statuses = sorted(d["status"] for d in challenges.find({"account_id": kept}))
        assert statuses == ["pending", "superseded"]

        newest = challenges.find_one({"account_id": kept, "status": "pending"})["_id"]
        counts = assert_rebuild_equals_live(
            env, live, "verification", tmp_path, ("challenges", newest, {"$set": {"attempts_left": 9}})
        )
        assert counts == {"challenges": 2, "erased_subjects": 1}
    finally:
        live.close()


def test_billing_link_directory_subscribers_and_links_rebuild_equal(env, tmp_path):
    from billing_link.app import create_app
    from billing_link.bootstrap import SERVICE
    from billing_link.config import Settings

    settings = Settings.from_env(env)
    live = Live(SERVICE, Runtime.open(settings.infra), "projection")
    try:
        numbers = [str(random.randrange(10**11, 10**12)) for _ in range(2)]
        kept, erased = str(uuid.uuid4()), str(uuid.uuid4())
        for number, account_id in zip(numbers, (kept, erased), strict=True):
            live.publish("BillingAccountUpserted", number, account_number=number)
            live.publish("UserRegistered", f"account-{account_id}", account_id=account_id)
            live.publish("ContactConfirmed", f"challenge-{uuid.uuid4()}", 2, account_id=account_id,
                         purpose="registration", channel="sms", destination=PHONE)  # fmt: skip
        live.catch_up()
        http = create_app(settings).test_client()
        for number, account_id in zip(numbers, (kept, erased), strict=True):
            body = {"region": "RU-MOW", "type": "internet", "identifier": number}
            reply = http.post(f"/internal/v1/accounts/{account_id}/services", json=body)
            assert reply.status_code == 202 and reply.get_json()["status"] == "linked", reply.get_json()
        live.relay()
        balance = {"amount": "12.00", "currency": "RUB"}
        live.publish(
            "BalanceChanged", numbers[0], account_number=numbers[0], balance=balance, reason="charge"
        )
        live.publish("AccountErased", f"account-{erased}", 3, account_id=erased)
        live.catch_up()
        db = live.runtime.db
        assert db.links.find_one({"account_id": erased})["status"] == "erased"
        assert db.billing_accounts.find_one({"_id": numbers[0]})["balance"] == balance

        counts = assert_rebuild_equals_live(
            env, live, "billing-link", tmp_path, ("subscribers", kept, {"$set": {"locale": "en"}})
        )
        assert counts == {"billing_accounts": 2, "subscribers": 2, "links": 2, "erased_subjects": 1}
    finally:
        live.close()


def test_notifier_contacts_rebuild_equal(env, tmp_path):
    from notifier.bootstrap import SERVICE
    from notifier.config import Settings

    settings = Settings.from_env(env)
    live = Live(SERVICE, Runtime.open(settings.infra), "contacts")
    try:
        kept, erased = str(uuid.uuid4()), str(uuid.uuid4())
        for account_id in (kept, erased):
            stream = f"account-{account_id}"
            live.publish("UserRegistered", stream, 1, account_id=account_id)
            live.publish(
                "AccountActivated", stream, 2, account_id=account_id, channel="sms", destination=PHONE
            )
        live.publish("ContactChanged", f"account-{kept}", 3, account_id=kept, kind="email", value="new@b.ru")
        live.publish("PasswordChanged", f"account-{kept}", 4, account_id=kept)
        live.publish(
            "AccountSoftLocked", f"audit-{uuid.uuid4()}", 1, account_id=kept
        )  # not an account stream
        live.publish("AccountErased", f"account-{erased}", 3, account_id=erased)
        live.catch_up()
        contacts = live.runtime.db.contacts
        assert contacts.find_one({"_id": kept})["_version"] == 4
        assert contacts.find_one({"_id": erased}) == {"_id": erased, "erased": True, "_version": 3}

        counts = assert_rebuild_equals_live(
            env, live, "notifier", tmp_path, ("contacts", kept, {"$set": {"preferred": "email"}})
        )
        assert counts == {"contacts": 2}
    finally:
        live.close()
