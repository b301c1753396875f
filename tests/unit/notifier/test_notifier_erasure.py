"""An erased account is never messaged again: its contacts, links and notices go."""

from __future__ import annotations

from kabinet.privacy.crypto import ERASED


def test_after_account_erased_nothing_is_sent_to_the_account(rig, event):
    account = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"  # the examples' account
    rig.notifier.handle(event("AccountActivated", account_id=account))
    rig.notifier.handle(event("PasswordChanged", account_id=account))
    assert len(rig.sent()) == 1
    rig.notifier.handle(event("AccountErased", account_id=account))

    rig.notifier.handle(event("PasswordChanged", account_id=account))
    rig.notifier.handle(event("VerificationRequested", account_id=account))
    assert len(rig.sent()) == 1
    assert rig.views.contacts(account) is None
    assert not [d for d in rig.log.docs.values() if d.get("account_id") == account]


def test_a_notice_to_an_erased_address_is_never_sent(rig, event):
    rig.notifier.handle(event("VerificationRequested", destination=ERASED))
    rig.notifier.handle(event("ContactUsedAgain", destination=ERASED))
    assert rig.sent() == []


def test_a_notice_claimed_while_the_erasure_runs_in_another_lane_is_not_sent(rig, event):
    account = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"
    rig.notifier.handle(event("AccountActivated", account_id=account))
    erasure = event("AccountErased", account_id=account)
    claim_new = rig.log.claim_new

    def erasure_lands_first(key, record):  # the other lane: tombstone, then the log forgotten
        rig.notifier.handle(erasure)
        return claim_new(key, record)

    rig.log.claim_new = erasure_lands_first
    rig.notifier.handle(event("VerificationRequested", account_id=account))

    assert rig.sent() == []
    assert not [d for d in rig.log.docs.values() if d.get("account_id") == account]
