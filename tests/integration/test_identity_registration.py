"""Registration on the real servers: events through the outbox, the login race, input errors."""

from __future__ import annotations

import json
import threading

import pytest
from identity_support import registration, settings_for, sign_up
from support import read_topic

from identity.app import create_app
from kabinet import kafka as kafka_clients
from kabinet.contracts import decode
from kabinet.contracts.topics import ACCOUNTS
from kabinet.relay import OutboxRelay

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env):
    return settings_for(service_env)


@pytest.fixture
def app(settings, runtime):
    return create_app(settings)


def test_registration_appends_user_registered_and_the_relay_publishes_it(app, runtime, kafka_bootstrap):
    kafka_clients.ensure_topics(kafka_bootstrap, [runtime.topic(ACCOUNTS)], partitions=3, replication=1)
    body = registration(phone="+7 (916) 555-12-34", email="Petr.Ivanov@Example.RU", confirm_via="email")
    reply = app.test_client().post("/api/v1/registrations", json=body)
    assert reply.status_code == 201
    account_id = reply.json["account_id"]
    assert reply.json["status"] == "pending_confirmation"
    assert reply.json["confirmation"]["channel"] == "email"
    assert reply.json["confirmation"]["destination"] == "P***@example.ru"
    [stored] = runtime.store.load(f"account-{account_id}")
    assert stored.event_type == "UserRegistered"
    assert (stored.payload["phone"], stored.payload["email"]) == ("+79165551234", "Petr.Ivanov@example.ru")

    assert OutboxRelay(runtime.store, runtime.producer()).publish_pending() == 2  # reservation + registration
    records = read_topic(kafka_bootstrap, runtime.topic(ACCOUNTS), expect=2)
    events = {decode(r.value).event_type: decode(r.value) for r in records}
    registered = events["UserRegistered"]
    assert registered.payload["account_id"] == account_id and registered.payload["login"] == body["login"]
    assert "password" not in json.dumps(registered.payload) and "$2b$" not in json.dumps(registered.payload)
    assert events["LoginReserved"].payload["login_key"] == body["login"].casefold()


def test_concurrent_registrations_of_one_login_yield_exactly_one_account(app, runtime):
    login = registration()["login"]
    variants = [login, login.upper(), login.title(), login, login.upper(), login]
    barrier = threading.Barrier(len(variants))
    statuses: list[int] = []

    def attempt(variant: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/registrations", json=registration(login=variant)).status_code)

    threads = [threading.Thread(target=attempt, args=(v,)) for v in variants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201] + [409] * (len(variants) - 1)
    registered = [e for e in runtime.store.all() if e.event_type == "UserRegistered"]
    assert len(registered) == 1


def test_every_bad_field_is_named_in_one_422(app):
    body = registration(
        login="1x",
        password="qwerty123",
        password_confirmation="other",
        last_name="Ivan0v",
        first_name="",
        birth_date="2019-02-30",
        region="RU-XXX",
        phone="+7 495 123-45-67",
        email="not-an-email",
        confirm_via="pigeon",
        favourite_color="green",
    )
    reply = app.test_client().post("/api/v1/registrations", json=body)
    assert reply.status_code == 422
    assert reply.mimetype == "application/problem+json"
    bad = {
        "login",
        "password",
        "last_name",
        "first_name",
        "birth_date",
        "region",
        "phone",
        "email",
        "confirm_via",
    }
    assert bad | {"favourite_color"} <= set(reply.json["errors"])
    assert reply.json["errors"]["phone"] == ["Use a mobile number."]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_date": "2099-01-01"}, "birth_date", "future"),
        ({"birth_date": "2020-01-01"}, "birth_date", "at least 14"),
        ({"password": "x" * 129, "password_confirmation": "x" * 129}, "password", "at most 128"),
        ({"password_confirmation": "something else entirely"}, "password_confirmation", "do not match"),
        (
            {
                "login": "petr.secret",
                "password": "my petr.secret phrase",
                "password_confirmation": "my petr.secret phrase",
            },
            "password",
            "login",
        ),
        ({"middle_name": "Сер-"}, "middle_name", "hyphen"),
    ],
)
def test_each_rule_names_its_field(app, overrides, field, message):
    reply = app.test_client().post("/api/v1/registrations", json=registration(**overrides))
    assert reply.status_code == 422
    assert message in " ".join(reply.json["errors"][field])


def test_malformed_wrongly_typed_or_huge_bodies_are_4xx_problems(app):
    client = app.test_client()
    garbled = client.post("/api/v1/registrations", data="{not json", content_type="application/json")
    assert garbled.status_code == 400 and garbled.mimetype == "application/problem+json"
    typed = client.post(
        "/api/v1/registrations", json=registration(login=42, birth_date=19850412, phone=["x"])
    )
    assert typed.status_code == 422 and {"login", "birth_date", "phone"} <= set(typed.json["errors"])
    assert client.post("/api/v1/registrations", json=[1, 2]).status_code == 422
    huge = client.post("/api/v1/registrations", data="x" * 200_000, content_type="application/json")
    assert huge.status_code == 413


def test_a_contact_confirmed_by_another_account_gets_the_same_reply_and_the_owner_a_notice(app, runtime):
    client = app.test_client()
    owner = sign_up(client, runtime)
    reply = client.post("/api/v1/registrations", json=registration(phone=owner["phone"]))
    assert reply.status_code == 201
    assert set(reply.json) == {"account_id", "status", "confirmation"}
    assert reply.json["confirmation"]["channel"] == "sms"
    newcomer = runtime.store.load(f"account-{reply.json['account_id']}")[0]
    assert newcomer.payload["contact_in_use"] is True
    owners = runtime.store.load(f"account-{owner['account_id']}")
    assert owners[-1].event_type == "ContactUsedAgain"
    assert owners[-1].payload["destination"] == owner["phone_e164"]


def test_regions_strength_and_the_openapi_document_are_served(app):
    client = app.test_client()
    regions = client.get("/api/v1/regions").json
    assert len(regions) == 83 and {"code": "RU-MOW", "name": "Москва", "name_en": "Moskva"} in regions
    strength = client.post("/api/v1/password-strength", json={"password": "lowercase words"}).json
    assert strength["acceptable"] and "Add digits." in strength["suggestions"]
    spec = client.get("/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    for path in ("/api/v1/registrations", "/api/v1/sessions", "/api/v1/me", "/api/v1/services/{link_id}"):
        assert path in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    script = client.get("/docs/assets/swagger-ui-bundle.js")  # served locally: no CDN offline
    assert script.status_code == 200 and b"/docs/assets/swagger-ui-bundle.js" in docs.data
