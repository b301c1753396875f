"""Identity gateway: registration, login, sessions, profile, contacts, recovery."""
