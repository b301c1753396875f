"""Notifier: exactly one SMS or email per event that needs one."""
