"""The inbox over HTTP: the SMS gateway sink (`POST /sms`), `GET /api/messages`, `GET /` page.

The SMS sink is an idempotent provider: a repeated `message_id` is accepted again (same answer)
and stored once, so the notifier may send an SMS whose outcome it does not know again.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template_string, request
from marshmallow import Schema, ValidationError, fields, validate

from kabinet.web import problem
from notifier.devsink.store import MessageStore

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Kabinet dev inbox</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
pre{white-space:pre-wrap;margin:0}</style>
</head><body><h1>Kabinet dev inbox</h1>
<form><input name="to" value="{{ to or '' }}" placeholder="email or +7…"> <button>Filter</button></form>
<p>{{ messages|length }} message(s){% if to %} to {{ to }}{% endif %}, newest first.</p>
<table><tr><th>sent at</th><th>channel</th><th>to</th><th>subject</th><th>body</th></tr>
{% for m in messages %}<tr><td>{{ m.sent_at }}</td><td>{{ m.channel }}</td><td>{{ m.to }}</td>
<td>{{ m.subject }}</td><td><pre>{{ m.body }}</pre></td></tr>{% endfor %}</table></body></html>"""


class SmsIn(Schema):
    to = fields.String(required=True, validate=validate.Length(min=3, max=32))
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    message_id = fields.String(load_default=None)


def create_app(store: MessageStore) -> Flask:
    """The inbox app over `store`."""
    app = Flask("devsink")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        resp: Response = problem(422, "validation-error", "Invalid input", errors=exc.messages)
        return resp

    @app.post("/sms")
    def sms() -> tuple[Response, int]:
        data = SmsIn().load(request.get_json(silent=True) or {})
        stored = store.add("sms", data["to"], "", data["text"], message_id=data["message_id"])
        return jsonify(id=stored, status="accepted"), 202  # a repeated message_id: the same answer

    @app.get("/api/messages")
    def messages() -> Response:
        return jsonify(store.messages(request.args.get("to")))

    @app.get("/")
    def page() -> str:
        to = request.args.get("to")
        return render_template_string(PAGE, messages=store.messages(to), to=to)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app
