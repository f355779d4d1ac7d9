"""Static files: fingerprinted, compressed at build time, cached by browsers for a year.

scripts/build-assets.mjs writes every static file to static/dist/public/ under a name
that carries a hash of its content, beside gzip and brotli copies, and lists the names
in static/dist/manifest.json. WhiteNoise serves that folder under /static/ before the
request reaches Flask: it picks the copy the browser's Accept-Encoding asks for, sets
Content-Encoding and Vary, and answers conditional and range requests. Templates link
to a file only through static_url(), so no page links to a name that is not
fingerprinted. A file that is not there falls through to Flask, which answers 404.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, abort, current_app, has_request_context, url_for
from whitenoise import WhiteNoise

from courseapp.security import STATIC_CSP, common_headers
from courseapp.templating import kept_per_site_path

# A fingerprinted file never changes, so browsers may keep it as long as they like.
LONG_CACHE = "public, max-age=31536000, immutable"


class MissingAssets(RuntimeError):
    pass


def load_manifest(dist: Path) -> dict[str, str]:
    path = dist / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MissingAssets(f"{path} is missing: build the assets with `npm run build`") from None


def fingerprinted(name: str) -> str:
    """A static file's fingerprinted name, from its plain name (as in the manifest)."""
    manifest = current_app.extensions.get("static_manifest")
    if manifest is None or current_app.debug:  # debug: assets rebuilt while it runs
        manifest = load_manifest(Path(current_app.config["STATIC_DIST"]))
        current_app.extensions["static_manifest"] = manifest
    try:
        return manifest[name]
    except KeyError:
        raise MissingAssets(f"{name} is not in the asset manifest") from None


def static_url(name: str) -> str:
    """The URL of a static file by its plain name: the only way templates link to one.
    Kept once built (every page links to the same few), by the path the site is served
    under; never in debug, where the assets are rebuilt as it runs."""
    if current_app.debug or not has_request_context():
        return url_for("static", filename=fingerprinted(name))
    return kept_per_site_path(
        "static_urls", name, lambda: url_for("static", filename=fingerprinted(name))
    )


def _not_found(filename: str):
    abort(404)


def init_app(app: Flask) -> None:
    public = Path(app.config["STATIC_DIST"]) / "public"
    app.jinja_env.globals["static_url"] = static_url
    # Only for building URLs and for answering 404: WhiteNoise serves the files that exist.
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=_not_found)
    security = {**common_headers(hsts=app.config["HSTS"]), "Content-Security-Policy": STATIC_CSP}

    def add_headers(headers, path: str, url: str) -> None:
        for name, value in security.items():
            headers[name] = value
        headers["Cache-Control"] = LONG_CACHE

    served = WhiteNoise(
        app.wsgi_app,
        autorefresh=app.debug,
        allow_all_origins=False,  # only our own pages use them
        add_headers_function=add_headers,
    )
    # Without built assets (say, `flask db upgrade` on a fresh checkout) the app still
    # starts; a page that links to a static file then says to build them.
    if app.debug or public.is_dir():
        served.add_files(str(public), prefix="static/")
    app.wsgi_app = served
