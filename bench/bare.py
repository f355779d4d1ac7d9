"""Two apps that return the bytes of the page in the file BENCH_BARE_BODY names, and
do nothing else: `app`, bare WSGI, the most any page could be served at under gunicorn
with the same settings; and `flask_app`, one Flask route, what the framework itself
costs before the page does any work of its own."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

BODY = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(_environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


flask_app = Flask(__name__)


@flask_app.get("/")
def page() -> bytes:
    return BODY
