"""Read side of the API: a subscriber's links joined with the billing directory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from billing_link.directory import BillingDirectory
from billing_link.domain import LinkNotFound
from billing_link.identifiers import mask
from billing_link.projection import LIVE, LinkViews
from kabinet.mongo import Doc

Item = dict[str, Any]


class ServiceQueries:
    """What `GET …/services` and `GET …/services/{link_id}` show."""

    def __init__(self, views: LinkViews, directory: BillingDirectory) -> None:
        self._views = views
        self._directory = directory

    def list(self, account_id: str) -> list[Item]:
        """The account's pending and linked services, newest first."""
        links = list(self._views.coll.find({"account_id": account_id, "status": {"$in": LIVE}}))
        billing = self._directory.docs([n for n in (link.get("account_number") for link in links) if n])
        items = [_item(link, billing.get(link.get("account_number") or "")) for link in links]
        return sorted(items, key=lambda i: i["updated_at"], reverse=True)

    def state(self, link_id: str) -> Item | None:
        """The link as its stream left it, with the version and that version's time.

        Internal replies carry it so that the gateway's own service view (kept from
        `kabinet.services.events`) can take a command's outcome at once, at its version.
        """
        return link_state(self._views.coll.find_one({"_id": link_id}))

    def details(self, account_id: str, link_id: str) -> Item:
        """One link of the account with plan and options; a removed one is `LinkNotFound`."""
        shown_states = [*LIVE, "failed"]  # a failed proof stays readable: the gateway polls it
        link = self._views.coll.find_one(
            {"_id": link_id, "account_id": account_id, "status": {"$in": shown_states}}
        )
        if link is None:
            raise LinkNotFound(link_id)
        bill = self._directory.doc(link["account_number"]) if link.get("account_number") else None
        item = _item(link, bill)
        shown = bill if item["status"] == "linked" else None
        item["plan"] = shown.get("plan") if shown else None
        item["options"] = list(shown.get("options") or []) if shown else []
        item["reason"] = link.get("reason") if link["status"] == "failed" else None
        item["state"] = link_state(link)  # read once: the internal reply carries both
        return item


def link_state(doc: Doc | None) -> Item | None:
    """A link view document as `state` shows it: the stream's fields, its version and that time."""
    if doc is None or "_version" not in doc:
        return None
    fields = ("account_id", "type", "region", "identifier", "account_number", "status", "reason")
    return {**{k: doc.get(k) for k in fields}, "version": doc["_version"], "at": doc["updated_at"]}


def _item(link: Doc, bill: Doc | None) -> Item:
    """Balance and service status only once linked: a pending request learns nothing."""
    linked = link["status"] == "linked" and bill is not None
    updated: datetime = link["updated_at"]
    if linked and bill is not None and bill.get("updated_at") and bill["updated_at"] > updated:
        updated = bill["updated_at"]
    return {
        "link_id": link["_id"],
        "type": link["type"],
        "region": link["region"],
        "identifier": mask(link["identifier"]),
        "status": link["status"],
        "service_status": bill.get("status") if linked and bill else None,
        "balance": dict(bill["balance"]) if linked and bill and bill.get("balance") else None,
        "updated_at": updated,
    }
