"""Kabinet shared code: event contracts and domain-free plumbing used by every service."""
