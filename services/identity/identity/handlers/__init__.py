"""Command handlers: each turns one request (or foreign event) into decisions and appends."""
