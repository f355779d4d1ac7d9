"""Absolute links, for emails, PDFs and anything read away from the site.

Every absolute URL is built from the BASE_URL setting, never from the request: the
`Host` header is whatever the sender put there, so a link built from it could send
someone's set-password token to another site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
