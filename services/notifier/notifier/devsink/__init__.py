"""Development inbox: a real SMTP sink and the SMS gateway sink, readable over HTTP (API.md part C)."""
