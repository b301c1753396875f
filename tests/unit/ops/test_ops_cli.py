"""The operator CLI without servers: help, usage errors, unreachable servers, letters, schemas."""

from __future__ import annotations

import io
import json

import pytest

from kabinet.ops.audit import EventFilter, resolve_topics
from kabinet.ops.cli import main
from kabinet.ops.dlq import DeadLetter, Selection, parse_id


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_every_command_has_help(capsys):
    for command in (
        "dlq",
        "tail",
        "explain",
        "rebuild",
        "diff",
        "hash",
        "determinism",
        "cutover",
        "rollback",
    ):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
    assert "--budget" in capsys.readouterr().out


def test_an_unreachable_broker_is_one_line_and_exit_2():
    code, _, err = run(
        "tail", "--no-follow", env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", "OPS_TIMEOUT_MS": "300"}
    )
    assert code == 2
    assert err.startswith("kabinet.ops tail: Kafka at 127.0.0.1:9") and err.count("\n") == 1


def test_an_unreachable_mongo_is_one_line_and_exit_2():
    env = {"MONGO_URI": "mongodb://127.0.0.1:9", "OPS_TIMEOUT_MS": "300"}
    code, _, err = run("dlq", "list", env=env)
    assert code == 2
    assert err.startswith("kabinet.ops dlq: Mongo at mongodb://127.0.0.1:9") and err.count("\n") == 1


def test_an_unknown_service_is_a_usage_error():
    code, _, err = run("rebuild", "--service", "nosuch")
    assert code == 2 and "unknown service 'nosuch'" in err


def test_a_dead_letter_keeps_its_original_headers_apart_from_the_dlq_ones():
    letter = DeadLetter(
        "p.kabinet.accounts.events.dlq", 0, 7, b"k", b"v",
        (("event_type", b"PasswordChanged"), ("dlq_origin_topic", b"p.kabinet.accounts.events"),
         ("dlq_origin_offset", b"41"), ("dlq_origin_partition", b"2"), ("dlq_consumer_group", b"p.g")),
    )  # fmt: skip
    assert letter.original_headers() == [("event_type", b"PasswordChanged")]
    assert letter.summary()["origin"] == "p.kabinet.accounts.events:2:41"
    assert parse_id(letter.id) == ("p.kabinet.accounts.events.dlq", 0, 7)
    assert Selection(frozenset({"g"})).matches(letter, "p.")
    assert not Selection(frozenset({"other"})).matches(letter, "p.")


def test_short_topic_names_and_filters():
    assert resolve_topics("p.", ["accounts", "billing"]) == [
        "p.kabinet.accounts.events",
        "p.billing.accounts.events",
    ]
    assert EventFilter().matches(None) and not EventFilter(types=frozenset({"X"})).matches(None)


def test_schemas_are_written_per_event_version(tmp_path):
    code, _, _ = run("schemas", str(tmp_path))
    assert code == 0
    schema = json.loads((tmp_path / "PasswordChanged.v1.json").read_text())
    assert schema["properties"]["event_type"] == {"const": "PasswordChanged"}
    assert "account_id" in schema["properties"]["payload"]["properties"]
