"""Personal data protection across the running suite: export, erasure by crypto-shredding,
verification by scan and by replay, the erased subscriber never messaged again, another
subscriber untouched, master-key rotation while the suite runs, logs free of personal data.

Alice registers, confirms, links a service, changes her password, exports her data and
erases her account; Bob is the neighbour whose data must stay.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from kafka import KafkaConsumer, TopicPartition
from support import wait_for

from identity.projection import Projection
from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, decode, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS, BILLING_FEED
from kabinet.ops.projdb import BOOKKEEPING
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.keystore import MongoKeyStore
from kabinet.privacy.master import MasterKeyring
from kabinet.privacy.payload import keystore, pii_paths, use_keystore
from kabinet.privacy.scan import Needles, Report, scan_database

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CYR = "абвгдежзиклмнопрстуфхцчшэюя"
# every service with a replayable projection (`python -m kabinet.ops rebuild`) → its settings prefix
REPLAYABLE = {
    "identity": "IDENTITY",
    "verification": "VERIFICATION",
    "billing-link": "BILLING_LINK",
    "notifier": "NOTIFIER",
}


def name() -> str:
    return "".join(random.choice(CYR) for _ in range(9)).capitalize()


def person(confirm_via: str = "sms") -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    password = f"Тихий-Омут-{tag}-2026"
    return {
        "login": f"pd_{tag}",
        "password": password,
        "password_confirmation": password,
        "last_name": name(),
        "first_name": name(),
        "middle_name": name(),
        "birth_date": f"19{random.randint(60, 99)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}",
        "region": "RU-MOW",
        "phone": f"+7916{random.randint(1000000, 9999999)}",
        "email": f"pd.{tag}@example.ru",
        "confirm_via": confirm_via,
    }


def plaintext(p: dict[str, Any]) -> list[str]:
    """What a scan looks for: names, phone, email."""
    return [p[k] for k in ("last_name", "first_name", "middle_name", "phone", "email")]


def api(stack, method: str, path: str, auth: dict[str, str] | None = None, **kw: Any) -> requests.Response:
    return requests.request(method, f"{stack.gateway}{path}", headers=auth or {}, timeout=30, **kw)


def sign_in(stack, p: dict[str, Any], secrets: list[str]) -> dict[str, str]:
    body = {"login": p["login"], "password": p["password"]}
    resp = wait_for(lambda: (r := api(stack, "POST", "/api/v1/sessions", json=body)).ok and r, what="sign-in")
    tokens = resp.json()
    secrets += [tokens["access_token"], tokens["refresh_token"]]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def register_and_confirm(stack, p: dict[str, Any], secrets: list[str]) -> str:
    created = api(stack, "POST", "/api/v1/registrations", json=p)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    to = p["phone"] if p["confirm_via"] == "sms" else p["email"]
    message = wait_for(lambda: stack.messages(to), what=f"a code to {to}")[0]
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    secrets += [code, *re.findall(r"token=([\w\-.%]+)", message["body"])]
    body = {"account_id": account_id, "channel": p["confirm_via"], "code": code}

    def confirmed() -> requests.Response | None:  # 404 while verification's view lags behind the message
        resp = api(stack, "POST", "/api/v1/confirmations", json=body)
        return None if resp.status_code == 404 else resp

    assert wait_for(confirmed, what="the confirmation").status_code == 200
    return account_id


def cli(stack, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env={**stack.env, **(env or {})},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def rebuild(stack: Any, service: str, shadow: str) -> int:
    """`python -m kabinet.ops rebuild` of a service's replayable projections into `shadow`: events read."""
    done = cli(stack, "kabinet.ops", "rebuild", "--service", service, "--shadow-db", shadow,
               "--restart", "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = re.search(r"rebuilt \S+ with (\d+) event\(s\) \(0 undecodable, 0 poison skipped\)", done.stdout)
    assert said, done.stdout
    return int(said.group(1))


def records(bootstrap: str, topic: str) -> list[Any]:
    """Every record of a topic from offset zero to its current end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end, out = consumer.end_offsets(parts), []
        while any(consumer.position(tp) < end[tp] for tp in parts):
            for batch in consumer.poll(timeout_ms=500).values():
                out += [r for r in batch if r.offset < end[TopicPartition(r.topic, r.partition)]]
        return out
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def keys(stack, mongo_client):
    """This process reads the suite's events as any consumer would: with the shared key store."""
    keyring = MasterKeyring.parse(stack.env["KABINET_MASTER_KEY"])
    coll = mongo_client[stack.env["KABINET_KEYS_DB"]]["subject_keys"]
    store, previous = MongoKeyStore(coll, keyring, cache_seconds=0), keystore()
    use_keystore(store)
    yield store
    use_keystore(previous)


@pytest.fixture(scope="module")
def journey(stack) -> dict[str, Any]:
    """Alice (to be erased) and Bob (the neighbour), registered, confirmed, signed in; Alice
    linked a service whose holder is herself and changed her password."""
    secrets: list[str] = []
    alice, bob = person("sms"), person("email")
    alice_id = register_and_confirm(stack, alice, secrets)
    bob_id = register_and_confirm(stack, bob, secrets)
    auth = sign_in(stack, alice, secrets)

    account = {
        **REGISTRY.latest("BillingAccountUpserted").example,
        "account_number": str(random.randint(10**11, 10**12 - 1)),
        "service_type": "internet", "identifiers": [], "contract_phone": alice["phone"],
        "holder": {k: alice[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
    }  # fmt: skip
    env = new_envelope(
        "BillingAccountUpserted", account, event_version=1, producer="billing",
        stream_id=account["account_number"], stream_version=1, correlation_id="pd",
    )  # fmt: skip
    wire = encode(env)
    producer = kafka_clients.producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="e2e-pd")
    producer.send(stack.topic_prefix + BILLING_FEED, key=wire.key, value=wire.value, headers=wire.headers)
    producer.flush(10)
    producer.close(timeout=5)
    body = {"region": "RU-MOW", "type": "internet", "identifier": account["account_number"]}
    link = wait_for(
        lambda: (
            (r := api(stack, "POST", "/api/v1/services", auth, json=body).json())["status"] == "linked" and r
        ),
        what="the holder-matched link",
    )

    new_password = f"Новый-Пароль-{uuid.uuid4().hex[:6]}"
    change = {"current_password": alice["password"], "new_password": new_password,
              "new_password_confirmation": new_password}  # fmt: skip
    assert api(stack, "POST", "/api/v1/me/password", auth, json=change).status_code == 204
    alice["password"] = new_password
    secrets += [new_password, bob["password"]]
    secrets.append(change["current_password"])
    auth = sign_in(stack, alice, secrets)
    return {
        "alice": alice, "alice_id": alice_id, "auth": auth, "link": link, "account": account,
        "bob": bob, "bob_id": bob_id, "secrets": secrets,
    }  # fmt: skip


@pytest.fixture(scope="module")
def erased(stack, journey) -> dict[str, Any]:
    """Alice erases her account (password re-entered)."""
    body = {"password": journey["alice"]["password"]}
    resp = api(stack, "POST", "/api/v1/me/erasure", journey["auth"], json=body)
    assert resp.status_code == 202, resp.text
    return resp.json()


def test_export_returns_everything_kabinet_holds_about_the_caller(stack, journey):
    alice, auth = journey["alice"], journey["auth"]

    def complete() -> dict[str, Any] | None:
        data = api(stack, "GET", "/api/v1/me/export", auth).json()
        return data if data["notifications"] and data["security_events"] else None

    data = wait_for(complete, what="an export with notices and security events")
    assert data["account_id"] == journey["alice_id"]
    for field in ("last_name", "first_name", "middle_name", "birth_date", "login"):
        assert data["profile"][field] == alice[field]
    contacts = {c["kind"]: c for c in data["contacts"] if not c["pending"]}
    assert contacts["phone"]["value"] == alice["phone"] and contacts["phone"]["confirmed"]
    assert contacts["email"]["value"] == alice["email"]
    assert [s["link_id"] for s in data["services"]] == [journey["link"]["link_id"]]
    [shown] = api(stack, "GET", "/api/v1/services", auth).json()
    assert data["services"][0] | shown == data["services"][0]  # the export holds at least what is shown
    assert {"verification_code"} <= {n["template"] for n in data["notifications"]}
    events = {e["event"] for e in data["security_events"]}
    assert {"LoginSucceeded", "PasswordChanged", "SessionsRevoked"} <= events
    assert all(e["ip"] == "127.0.0.1" for e in data["security_events"] if e["event"] == "LoginSucceeded")
    live = api(stack, "GET", "/api/v1/sessions", auth).json()["sessions"]
    assert [s["session_id"] for s in data["sessions"]] == [
        s["session_id"] for s in live
    ]  # the signed-in devices


def test_erasure_needs_the_password_re_entered(stack, journey):
    resp = api(stack, "POST", "/api/v1/me/erasure", journey["auth"], json={"password": "not-my-password"})
    assert resp.status_code == 422 and "password" in resp.json()["errors"]
    assert api(stack, "GET", "/api/v1/me", journey["auth"]).status_code == 200


def test_erasure_closes_the_account_and_ends_every_session(stack, journey, erased):
    assert erased["status"] == "erased" and erased["account_id"] == journey["alice_id"]
    assert {k["purpose"] for k in erased["keys_destroyed"]} >= {"account", "security"}
    assert api(stack, "GET", "/api/v1/me", journey["auth"]).status_code == 401
    body = {"login": journey["alice"]["login"], "password": journey["alice"]["password"]}
    assert api(stack, "POST", "/api/v1/sessions", json=body).status_code == 401


def test_the_receipt_says_what_was_destroyed_when_and_what_was_checked(stack, journey, erased):
    done = cli(stack, "identity.erasure", "receipt", journey["alice_id"])
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    assert receipt["erasure_event_id"] and receipt["erased_at"] and receipt["requested_by"] == "subscriber"
    assert {k["purpose"] for k in receipt["keys_destroyed"] if k["existed"]} >= {"account", "security"}
    assert receipt["streams_checked"]["events"] > 3
    assert receipt["streams_checked"]["plain_personal_values"] == 0
    assert stack.topic_prefix + ACCOUNTS in receipt["topics_crypto_shredded"]
    assert receipt["deleted"]["credentials"] >= 2
    for value in plaintext(journey["alice"]):
        assert value not in done.stdout


def test_no_kabinet_topic_or_collection_holds_the_erased_subjects_plaintext(stack, journey, erased):
    values = [a for v in plaintext(journey["alice"]) for a in ("--value", v)]
    done = cli(stack, "identity.erasure", "verify", journey["alice_id"], *values, "--settle", "60")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    scan = json.loads(done.stdout)["scans"][-1]
    assert scan["kabinet_hit_count"] == 0
    assert any(t["name"].endswith(ACCOUNTS) and t["messages"] for t in scan["topics"])
    assert len(scan["collections"]) > 10
    # only the operator's billing feed, the contract's system of record, may still hold it:
    # billing-link's mirror of it keeps keyed prints and a sealed contract phone
    external = {h["where"].split("/")[0] for h in scan["hits"]}
    assert external <= {stack.topic_prefix + BILLING_FEED}


def test_a_replay_reads_the_erased_subject_as_erased_and_a_rebuild_holds_none_of_it(
    stack, journey, erased, keys, mongo_client
):
    alice_id, bob_id = journey["alice_id"], journey["bob_id"]
    rebuilt = mongo_client[f"e2e_rebuild_{uuid.uuid4().hex[:8]}"]
    projection = Projection(rebuilt)
    seen = {alice_id: 0, bob_id: 0}
    try:
        for topic in REGISTRY.topics():
            if topic == BILLING_FEED:
                continue
            for record in records(stack.env["KAFKA_BOOTSTRAP_SERVERS"], stack.topic_prefix + topic):
                env = decode(record.value)
                owner = str(env.payload.get("account_id"))
                if owner not in seen:
                    continue
                seen[owner] += 1
                for path, _ in pii_paths(REGISTRY.latest(env.event_type).schema):
                    value = env.payload.get(path[0])
                    assert owner == bob_id or value in (None, ERASED), (env.event_type, path)
                if topic == ACCOUNTS:
                    projection.apply(env)
        assert seen[alice_id] > 5 and seen[bob_id] > 2
        report = Report(scanned_at="now")
        scan_database(report, Needles(plaintext(journey["alice"])), mongo_client, rebuilt.name)
        assert report.hits == []
        assert rebuilt.accounts.find_one({"_id": alice_id})["status"] == "erased"
        assert rebuilt.accounts.find_one({"_id": bob_id})["last_name"] == journey["bob"]["last_name"]
    finally:
        mongo_client.drop_database(rebuilt.name)


def test_the_operators_rebuild_of_every_services_projections_holds_none_of_the_erased_subject(
    stack: Any, journey: dict[str, Any], erased: dict[str, Any], mongo_client: Any
) -> None:
    alice_id, bob_id = journey["alice_id"], journey["bob_id"]
    live = mongo_client[stack.env["IDENTITY_MONGO_DB"]]
    wait_for(lambda: live.accounts.find_one({"_id": alice_id, "status": "erased"}), what="the erasure event")
    tag = uuid.uuid4().hex[:8]
    shadows = {svc: f"{stack.env[f'{var}_MONGO_DB']}__pd_{tag}" for svc, var in REPLAYABLE.items()}
    alice, bob = plaintext(journey["alice"]), plaintext(journey["bob"])
    try:
        for service, shadow in shadows.items():  # from offset zero, as an operator runs it
            assert rebuild(stack, service, shadow) > 0, service
        report = Report(scanned_at="now")
        for shadow in shadows.values():
            scan_database(report, Needles([*alice, *bob, bob_id]), mongo_client, shadow)
        found = {(h.where.split(".")[0], h.value_index) for h in report.hits}
        assert [h.where for h in report.hits if h.value_index < len(alice)] == []
        for service, shadow in shadows.items():
            written = [c for c in report.collections if c["name"].startswith(f"{shadow}.")]
            assert any(c["documents"] for c in written if f".{BOOKKEEPING}" not in c["name"]), service
            assert (shadow, len(alice) + len(bob)) in found, f"Bob missing from {service}'s rebuild"
        assert (shadows["identity"], len(alice)) in found  # the scan sees plaintext where it is kept
        accounts = mongo_client[shadows["identity"]].accounts
        assert accounts.find_one({"_id": alice_id})["status"] == "erased"
        assert accounts.find_one({"_id": bob_id})["last_name"] == journey["bob"]["last_name"]
    finally:
        for shadow in shadows.values():
            mongo_client.drop_database(shadow)


def test_the_other_subscriber_is_untouched(stack, journey, erased):
    bob = journey["bob"]
    auth = sign_in(stack, bob, journey["secrets"])
    me = api(stack, "GET", "/api/v1/me", auth).json()
    assert me["last_name"] == bob["last_name"] and me["status"] == "active"
    export = api(stack, "GET", "/api/v1/me/export", auth).json()
    assert export["profile"]["first_name"] == bob["first_name"]


def test_the_erased_subscriber_is_never_messaged_again(stack, journey, erased):
    alice, bob = journey["alice"], journey["bob"]
    before = len(stack.messages(alice["phone"])) + len(stack.messages(alice["email"]))
    for body in ({"login": alice["login"]}, {"email": alice["email"]}, {"phone": alice["phone"]}):
        assert api(stack, "POST", "/api/v1/password-recovery", json=body).status_code == 202
    bob_before = len(stack.messages(bob["email"]))
    assert api(stack, "POST", "/api/v1/password-recovery", json={"login": bob["login"]}).status_code == 202
    wait_for(lambda: len(stack.messages(bob["email"])) > bob_before, what="Bob's recovery code (a barrier)")
    after = len(stack.messages(alice["phone"])) + len(stack.messages(alice["email"]))
    assert after == before


def test_master_key_rotation_re_wraps_every_key_while_the_suite_keeps_working(stack, journey, erased):
    entries = stack.env["KABINET_MASTER_KEY"].split(",")
    rotated = ",".join(reversed(entries))
    done = cli(stack, "kabinet.privacy", "rotate", env={"KABINET_MASTER_KEY": rotated})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    new_kid = entries[1].split(":")[0]
    assert result["rewrapped"] > 0 and set(result["by_master_key"]) == {new_kid}
    # the running processes (old key first, new key known) go on reading and writing
    secrets = journey["secrets"]
    auth = sign_in(stack, journey["bob"], secrets)
    assert api(stack, "GET", "/api/v1/me/export", auth).json()["security_events"]
    carol = person("sms")
    journey["carol_id"] = register_and_confirm(stack, carol, secrets)
    sign_in(stack, carol, secrets)
    journey["carol"] = carol


def test_an_operator_erases_an_account_and_verifies_it_by_scan(stack, journey):
    carol_id = journey.get("carol_id") or register_and_confirm(stack, person("sms"), journey["secrets"])
    done = cli(stack, "identity.erasure", "erase", carol_id, "--verify", "--settle", "60")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    receipt = json.loads(done.stdout)
    assert receipt["requested_by"] == "operator" and receipt["scans"][-1]["kabinet_hit_count"] == 0
    assert cli(stack, "identity.erasure", "erase", carol_id).returncode == 2  # erased already


def test_logs_hold_no_personal_data_and_no_secrets(stack, journey, erased):
    people = [*plaintext(journey["alice"]), *plaintext(journey["bob"])]
    phones = [v.lstrip("+") for v in people if v.startswith("+")]  # as a URL-encoded query would show it
    values = [*people, *phones, *journey["secrets"]]
    logs = {p.name: p.read_text(errors="replace") for p in stack.logs.glob("*.log")}
    assert logs
    leaks = {(name, i) for name, text in logs.items() for i, v in enumerate(values) if v and v in text}
    assert leaks == set(), [(n, f"value #{i}") for n, i in sorted(leaks)]
