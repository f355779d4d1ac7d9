"""A file sent for download: named, and never kept by a browser's or proxy's cache."""

from __future__ import annotations

from flask import Response


def attachment(body: bytes | str, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })  # fmt: skip
