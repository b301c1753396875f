"""What billing-link's mirror of the billing feed keeps instead of the holder's personal data.

The feed (`billing.accounts.events`) is the operator's billing system's: the system of
record of the contract, produced outside Kabinet and plain (Kabinet cannot change it).
The mirror (`billing_accounts`) needs the holder only to compare with a subscriber, the
phone numbers only to find the account, and the contract phone only to send a proof
code to, so a document keeps:

- `holder`: keyed digests of each normalised name and of the birth date (`holder_print`);
- `identifiers`: keyed digests of the account's phone numbers (`phone_print`);
- `contract_phone`: sealed with AES-SIV under the account number (deterministic, so a
  redelivered or replayed message writes the same bytes);
- `minimised: 1`. Documents written before lack it: `plain_fields` rewrites them
  (`python -m billing_link migrate`, any upsert), and reads understand both forms.

The digest key and the sealing key derive from billing-link's index key in the key store
(`kabinet.privacy.blind`): a master-key rotation changes neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from billing_link.domain import Digest, Person, holder_print, phone_print
from kabinet.privacy.blind import BlindIndex, index_key
from kabinet.privacy.crypto import b64d, b64e
from kabinet.privacy.keystore import KeyStore

SERVICE = "billing-link"
SEALED = "ksiv:v1:"
PERSONAL = ("holder", "identifiers", "contract_phone")
Update = dict[str, Any]


class MirrorKeys:
    """Prints and the contract phone's sealing, under billing-link's index key."""

    def __init__(self, index: BlindIndex) -> None:
        self._index = index
        self.digest: Digest = index.digest

    @classmethod
    def of(cls, keys: KeyStore) -> MirrorKeys:
        """Over the deployment's key store (the key is loaded on first use)."""
        return cls(BlindIndex(index_key(keys, SERVICE), "billing-mirror"))

    def seal_phone(self, account_number: str, phone: str) -> str:
        """The contract phone, readable only with the key and only for this account."""
        return SEALED + b64e(self._siv().encrypt(phone.encode(), [account_number.encode()]))

    def open_phone(self, account_number: str, value: str) -> str:
        """The contract phone (a plain one, from before minimisation, as it is)."""
        if not value.startswith(SEALED):
            return value
        return self._siv().decrypt(b64d(value[len(SEALED) :]), [account_number.encode()]).decode()

    def minimised(self, account_number: str, fields: Mapping[str, Any]) -> Update:
        """The stored form of the feed's personal fields present in `fields`."""
        out: Update = {}
        if "holder" in fields:
            out["holder"] = print_doc(self.digest, fields["holder"])
        if "identifiers" in fields:
            out["identifiers"] = [phone_print(p, self.digest) for p in fields["identifiers"] or ()]
        if "contract_phone" in fields:
            out["contract_phone"] = self.seal_phone(account_number, fields["contract_phone"])
        return {**out, "minimised": 1} if out else out

    def update(self, account_number: str, update: Mapping[str, Any]) -> Update:
        """A directory update from the feed, with every personal value in its stored form."""
        out: Update = {op: dict(fields) for op, fields in update.items()}
        if "$set" in out and any(k in out["$set"] for k in PERSONAL):
            out["$set"].update(self.minimised(account_number, out["$set"]))
        released = out.get("$pull", {}).pop("identifiers", None)
        if released is not None:  # the print, and the phone itself in a document from before
            out.setdefault("$pullAll", {})["identifiers"] = [phone_print(released, self.digest), released]
            if not out["$pull"]:
                del out["$pull"]
        return out

    def plain_fields(self, doc: Mapping[str, Any]) -> Update | None:
        """The `$set` that minimises a document from before minimisation (None: nothing to do)."""
        if doc.get("minimised") or not any(k in doc for k in PERSONAL):
            return None
        return self.minimised(str(doc["_id"]), {k: doc[k] for k in PERSONAL if k in doc})

    def _siv(self) -> AESSIV:
        return AESSIV(self._index.subkey("contract-phone"))


def print_doc(digest: Digest, holder: Mapping[str, Any]) -> dict[str, str | None]:
    """A holder of the feed as its stored print."""
    born = holder["birth_date"]
    person = Person(
        last_name=holder.get("last_name") or "",
        first_name=holder.get("first_name") or "",
        middle_name=holder.get("middle_name"),
        birth_date=born if isinstance(born, date) else date.fromisoformat(str(born)),
    )
    p = holder_print(person, digest)
    return {
        "last_name": p.last_name,
        "first_name": p.first_name,
        "middle_name": p.middle_name,
        "birth_date": p.birth_date,
    }
