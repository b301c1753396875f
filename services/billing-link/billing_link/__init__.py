"""Billing-link: "Add service", proof of ownership, balances and statuses."""
