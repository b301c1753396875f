"""Verification: SMS and email challenges that prove a contact."""
