"""`python -m bench.page_weight`: the bytes a learner's browser downloads for their
first and second module pages, with the browser's HTTP cache simulated.

The app runs in this process (Flask's test client) on a throwaway SQLite database, with
a learner who has taken the pre-test. The "browser" asks for each page, then for the
static files the page links to (stylesheet, icon, scripts) and the modules those
scripts import, sending `Accept-Encoding: gzip, deflate, br` as browsers do. It keeps
what a browser would keep: a response marked `no-store` is not kept; a kept response
within its `max-age` is used without a request; a kept response past it is asked for
again with `If-None-Match` / `If-Modified-Since`. The bytes counted are those of each
response as sent (the body as encoded, plus the status line and headers); the bytes of
requests are left out. The first page fills the cache; the second is the figure.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from flask import Flask

from bench.figures import Figure
from bench.site import PASSWORD, confirmed, harness_app, sqlite_url
from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.content import services as content
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector

ACCEPT_ENCODING = "gzip, deflate, br"
PAGE_LINKS = re.compile(
    r'<(?:link[^>]*\srel="(?:stylesheet|icon)"[^>]*\shref|script[^>]*\ssrc)="([^"]+)"'
)
MODULE_IMPORTS = re.compile(r'(?:^|[;\s])import\s*(?:[^"\']*\sfrom\s*)?["\']([^"\']+)["\']')


@dataclass
class Cached:
    max_age: int
    validators: dict[str, str]
    imports: list[str]


@dataclass
class Load:
    """What one page cost: every URL fetched, its status and bytes, and those served
    from the cache without a request."""

    requests: list[tuple[str, int, int]] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(size for _url, _status, size in self.requests)


class Browser:
    """A browser's HTTP cache in front of Flask's test client (time stands still, so a
    kept response is fresh while its max-age is above zero)."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.cache: dict[str, Cached] = {}

    def sign_in(self, email: str) -> None:
        response = self.client.post("/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"signing in answered {response.status_code}")

    def visit(self, url: str) -> Load:
        load = Load()
        html = self._fetch(url, load).get_data(as_text=True)
        for asset in PAGE_LINKS.findall(html):
            self._asset(urljoin(url, asset), load)
        return load

    def _asset(self, url: str, load: Load) -> None:
        kept = self.cache.get(url)
        if kept and kept.max_age > 0:
            load.from_cache.append(url)
        else:
            self._fetch(url, load, headers=kept.validators if kept else {})
            kept = self.cache.get(url)
        # A script's imports are loaded too, whether the script came from the cache or not.
        for module in kept.imports if kept else []:
            self._asset(urljoin(url, module), load)

    def _fetch(self, url: str, load: Load, headers: dict[str, str] | None = None):
        response = self.client.get(
            url, headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        )
        body = response.get_data()
        response.close()
        head = f"HTTP/1.1 {response.status}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in response.headers.items()
        )
        load.requests.append((url, response.status_code, len(head.encode()) + 2 + len(body)))
        if response.status_code == 200:
            self._keep(url, response)
        return response

    def _keep(self, url: str, response) -> None:
        directives = {
            part.strip().split("=")[0].lower(): part.strip().partition("=")[2]
            for part in response.headers.get("Cache-Control", "").split(",")
            if part.strip()
        }
        imports = (
            MODULE_IMPORTS.findall(_decoded(response)) if url.endswith((".js", ".mjs")) else []
        )
        if "no-store" in directives:
            # Not kept (max-age 0, no validators): asked for in full next time; what a
            # script imports is noted only to follow it.
            self.cache[url] = Cached(max_age=0, validators={}, imports=imports)
            return
        validators = {}
        if etag := response.headers.get("ETag"):
            validators["If-None-Match"] = etag
        if modified := response.headers.get("Last-Modified"):
            validators["If-Modified-Since"] = modified
        max_age = 0 if "no-cache" in directives else int(directives.get("max-age") or 0)
        self.cache[url] = Cached(max_age=max_age, validators=validators, imports=imports)


def _decoded(response) -> str:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli  # only needed if a script is served with brotli

        body = brotli.decompress(body)
    return body.decode("utf-8")


def prepare(app: Flask) -> tuple[str, list[str]]:
    """A learner who has taken the pre-test; their email and the first module's pages."""
    with app.app_context():
        db.create_all()
        org = Organisation(name="Page Weight Council", sector=Sector.LOCAL_AUTHORITY)
        learner = User(name="Page Weight Learner", email="page.weight@example.org",
                       password_hash=hash_password(PASSWORD), role=Role.LEARNER,
                       job_role=JobRole.SOCIAL_WORKER, organisation=org,
                       **confirmed())  # fmt: skip
        db.session.add_all([org, learner])
        db.session.flush()
        pathway = content.course().pathways["core"]
        content.enrol(learner, pathway)
        pre = attempts.start_or_resume(learner, pathway, Phase.PRE)
        attempts.submit(pre, pathway.definition.pass_mark)
        db.session.commit()
        module = pathway.modules[0]
        pages = [f"/modules/{module.id}/{part.slug}" for part in module.parts[:2]]
        return learner.email, pages


def measure(folder: Path) -> dict:
    app = harness_app(sqlite_url(folder, "page-weight.sqlite3"), "page weight bench secret")
    app.config["WTF_CSRF_ENABLED"] = False
    email, pages = prepare(app)
    browser = Browser(app)
    browser.sign_in(email)
    first, second = (browser.visit(page) for page in pages)
    return {
        "first_page": {"requests": len(first.requests), "bytes": first.bytes},
        "second_page": {
            "requests": len(second.requests),
            "bytes": second.bytes,
            "from_cache": len(second.from_cache),
            "fetched": [{"url": u, "status": s, "bytes": b} for u, s, b in second.requests],
        },
        "first_page_fetched": [{"url": u, "status": s, "bytes": b} for u, s, b in first.requests],
    }


def run(folder: Path) -> list[Figure]:
    """The two pages' weights as figures of `python -m bench` (its page_weight part)."""
    result = measure(folder)
    first, second = result["first_page"], result["second_page"]
    return [
        Figure("second module page, warm cache: bytes downloaded", second["bytes"], "bytes",
               note=f"requests: {second['requests']}; files from the cache: "
                    f"{second['from_cache']}"),
        Figure("first module page, empty cache: bytes downloaded", first["bytes"], "bytes",
               note=f"requests: {first['requests']}"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="courseapp-page-weight-") as folder:
        result = measure(Path(folder))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return 0
    for label, fetched in (("first", "first_page_fetched"), ("second", None)):
        rows = result[fetched] if fetched else result["second_page"]["fetched"]
        total = sum(row["bytes"] for row in rows)
        print(f"{label} module page: {len(rows)} requests, {total:,} bytes")
        for row in rows:
            print(f"  {row['status']} {row['bytes']:>9,}  {row['url']}")
    print(f"second module page: {result['second_page']['from_cache']} files from the cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
