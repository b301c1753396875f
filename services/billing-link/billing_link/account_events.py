"""Verification's events about service links: a proof confirmed or failed → the link decides.

The `accounts` consumer (effects: it appends to link streams). What identity's and
verification's events say about subscribers is the `projection` consumer's
(`read_models`). Events about an erased account change nothing.
"""

from __future__ import annotations

from billing_link.handlers import Deps, confirm_proof, fail_proof
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import ErasedSubjects


def accounts_handler(deps: Deps, erased: ErasedSubjects | None = None) -> Handler:
    """The handler of `kabinet.verification.events` (proofs of service links)."""

    def handle(envelope: Envelope, _record: Record) -> None:
        p = envelope.payload
        account = str(p.get("account_id") or "")
        if ERASED in p.values() or (erased is not None and account in erased):
            return  # a shredded event (replayed after an erasure), or an erased account
        if p.get("purpose") != "service_link" or not p.get("request_id"):
            return
        if envelope.event_type == "ContactConfirmed":
            confirm_proof(deps, link_id=p["request_id"], account_id=account, destination=p["destination"])
        elif envelope.event_type == "VerificationFailed":
            fail_proof(deps, link_id=p["request_id"], account_id=account)

    return handle
