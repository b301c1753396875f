"""The demo dataset fits the feed contract, is documented, and billing exports are checked before sending."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from billing_link.demo import csv_envelopes, demo_envelopes, export_envelopes, markdown
from billing_link.demo_data import accounts
from billing_link.identifiers import normalize_identifier
from kabinet.contracts import encode

DEMO_MD = Path(__file__).resolve().parents[3] / "services" / "billing-link" / "DEMO.md"


def test_every_demo_account_fits_the_contract_and_has_a_stable_id() -> None:
    envelopes = demo_envelopes()
    for env in envelopes:
        assert encode(env).key == env.payload["account_number"].encode()
    assert [e.event_id for e in envelopes] == [e.event_id for e in demo_envelopes()]
    assert len({e.stream_id for e in envelopes}) == len(envelopes) >= 30


def test_demo_covers_regions_and_types_with_normalised_phones() -> None:
    accs = accounts()
    assert len({a["region"] for a in accs}) >= 6
    assert {a["service_type"] for a in accs} == {"mobile", "home_phone", "internet", "tv", "personal_account"}
    for acc in accs:
        for phone in acc["identifiers"]:
            assert normalize_identifier(acc["service_type"], phone) == phone


def test_demo_md_documents_the_accounts() -> None:
    assert markdown() in DEMO_MD.read_text()


def test_an_export_is_read_line_by_line() -> None:
    payment = {
        "account_number": "770010000001",
        "balance": {"amount": "1.00", "currency": "RUB"},
        "reason": "p",
    }
    lines = [json.dumps(accounts()[0]), "", json.dumps({"event_type": "BalanceChanged", "payload": payment})]
    envelopes = export_envelopes(lines)
    assert [e.event_type for e in envelopes] == ["BillingAccountUpserted", "BalanceChanged"]


def test_a_bad_export_line_stops_the_run() -> None:
    bad = {"event_type": "BalanceChanged", "payload": {"account_number": "77", "balance": {}, "reason": "p"}}
    with pytest.raises(SystemExit, match="line 2"):
        export_envelopes([json.dumps(accounts()[0]), json.dumps(bad)])


def test_a_csv_export_becomes_the_same_events_as_its_jsonl_twin() -> None:
    account = accounts()[0]
    holder, balance = account["holder"], account["balance"]
    header = (
        "event_type,account_number,region,service_type,identifiers[],holder.last_name,holder.first_name,"
        "holder.middle_name,holder.birth_date,contract_phone,balance.amount,balance.currency,status,plan,"
        "options[],reason"
    )
    upsert = [
        "", account["account_number"], account["region"], account["service_type"],
        ";".join(account["identifiers"]), holder["last_name"], holder["first_name"], holder["middle_name"],
        holder["birth_date"], account["contract_phone"], balance["amount"], balance["currency"],
        account["status"], account["plan"], "", "",
    ]  # fmt: skip
    payment = ["BalanceChanged", account["account_number"], *[""] * 8, "1.00", "RUB", "", "", "", "payment"]
    text = "\n".join([header, ",".join(upsert), "", ",".join(payment)]) + "\n"
    upserted, paid = csv_envelopes(text)
    without_options = {k: v for k, v in account.items() if k != "options"}  # an empty cell is left out
    [twin] = export_envelopes([json.dumps(without_options)])
    assert upserted.payload == twin.payload and upserted.event_id == twin.event_id
    assert paid.event_type == "BalanceChanged"
    assert paid.payload["balance"] == {"amount": "1.00", "currency": "RUB"}


def test_a_bad_csv_row_names_its_line() -> None:
    with pytest.raises(SystemExit, match="line 2"):
        csv_envelopes("account_number,event_type,balance.amount\n77,BalanceChanged,\n")
