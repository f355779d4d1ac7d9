"""A bare WSGI app: the same bytes for every request and nothing else, the most any
page could be served at under gunicorn with the same settings. The bytes are those of
the page in the file BENCH_BARE_BODY names."""

from __future__ import annotations

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(_environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
