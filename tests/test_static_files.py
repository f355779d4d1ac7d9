"""Static files: fingerprinted names, a year's cache, gzip and brotli, security headers;
pages stay uncached for signed-in people. (The built files come from
scripts/build-assets.mjs; `make test` builds them first.)"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from courseapp.config import PROJECT_ROOT
from courseapp.content.services import course
from courseapp.static_files import LONG_CACHE
from tests.conftest import build_app, login, sqlite_url

DIST = PROJECT_ROOT / "static" / "dist"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def manifest() -> dict[str, str]:
    return json.loads((DIST / "manifest.json").read_text())


def module_page() -> str:
    module = course().pathways["core"].modules[0]
    return f"/modules/{module.id}/{module.parts[0].slug}"


def fetch(client, url: str, **kwargs):
    """GET url, read the body and close the file WhiteNoise opened for it."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def learner_client(client, make_learner):
    login(client, make_learner())
    return client


def test_pages_link_only_to_fingerprinted_files_and_stay_uncached(learner_client):
    page = learner_client.get(module_page())
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    links = STATIC_LINK.findall(page.get_data(as_text=True))
    fingerprinted = {f"/static/{name}" for name in manifest().values()}
    assert {"/static/" + manifest()[name] for name in ("app.css", "app.mjs")} <= set(links)
    assert set(links) <= fingerprinted


@pytest.mark.parametrize(
    "name", ["app.css", "app.mjs", "govuk-frontend.min.js", "images/favicon.svg"]
)
def test_static_files_are_cached_for_a_year_and_compressed(learner_client, name):
    file = manifest()[name]
    url = f"/static/{file}"
    raw = (DIST / "public" / file).read_bytes()

    plain = fetch(learner_client, url)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert plain.data == raw

    zipped = fetch(learner_client, url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == raw
    assert len(zipped.data) < len(raw)

    brotli = fetch(learner_client, url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert brotli.data == (DIST / "public" / f"{file}.br").read_bytes()
    assert len(brotli.data) < len(zipped.data)

    for response in (plain, zipped, brotli):
        headers = response.headers
        # Signed in, and still cached: a static file is the same for everyone.
        assert headers["Cache-Control"] == LONG_CACHE
        assert headers["Vary"] == "Accept-Encoding"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "script-src" not in headers["Content-Security-Policy"]


def test_script_imports_the_fingerprinted_govuk_script(learner_client):
    script = fetch(learner_client, f"/static/{manifest()['app.mjs']}")
    assert script.headers["Content-Type"].startswith("text/javascript")
    imports = re.findall(r'from "\./([^"]+)"', script.get_data(as_text=True))
    assert imports == [manifest()["govuk-frontend.min.js"]]
    assert fetch(learner_client, f"/static/{imports[0]}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/static/app.css",
        "/static/app.0123456789ab.css",
        "/static/js/app.mjs",
        "/static/../pyproject.toml",
        "/static/",
    ],
)
def test_a_missing_static_file_is_not_found(learner_client, url):
    response = fetch(learner_client, url)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_on_static_files_in_production_settings(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path, HSTS=True)
    response = fetch(app.test_client(), f"/static/{manifest()['app.css']}")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to build the assets")
def test_a_changed_file_gets_a_new_url(tmp_path):
    """Build the assets from a copy of the sources, change our script and build again:
    its URL changes (and the import in it), the stylesheet's does not."""
    for part in ("scripts", "static/src", "static/js", "static/images"):
        shutil.copytree(PROJECT_ROOT / part, tmp_path / part)
    (tmp_path / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")

    def build() -> dict[str, str]:
        subprocess.run(
            ["node", "scripts/build-assets.mjs"], cwd=tmp_path, check=True, capture_output=True
        )
        return json.loads((tmp_path / "static" / "dist" / "manifest.json").read_text())

    def page_links(dist: Path) -> set[str]:
        app = build_app(sqlite_url(tmp_path), tmp_path, STATIC_DIST=dist)
        html = app.test_client().get("/login").get_data(as_text=True)
        return set(STATIC_LINK.findall(html))

    before = build()
    links_before = page_links(tmp_path / "static" / "dist")
    script = tmp_path / "static" / "js" / "app.mjs"
    script.write_text(script.read_text() + "\n// changed\n")
    after = build()
    links_after = page_links(tmp_path / "static" / "dist")

    assert after["app.mjs"] != before["app.mjs"]
    assert after["app.css"] == before["app.css"]
    assert f"/static/{after['app.mjs']}" in links_after - links_before
    assert f"/static/{before['app.mjs']}" in links_before - links_after
    # The old file is gone from the build, so nothing serves stale content under it.
    assert not (tmp_path / "static" / "dist" / "public" / before["app.mjs"]).exists()


def test_a_browser_that_asks_again_gets_not_modified(learner_client):
    url = f"/static/{manifest()['app.css']}"
    first = fetch(learner_client, url, headers={"Accept-Encoding": "br"})
    again = fetch(
        learner_client,
        url,
        headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""


def test_the_second_module_page_downloads_only_the_page(tmp_path):
    """bench/page_weight.py's simulated browser: with a warm cache, every static file
    (the stylesheet, icon, our script and the GOV.UK script it imports) comes from the
    cache, and the first page's files come compressed."""
    from bench.page_weight import measure

    result = measure(tmp_path)
    assert result["second_page"]["requests"] == 1
    assert result["second_page"]["from_cache"] == 4
    first = result["first_page_fetched"]
    assert [row["status"] for row in first] == [200] * 5
    raw = sum((DIST / "public" / manifest()[name]).stat().st_size for name in manifest())
    assert sum(row["bytes"] for row in first[1:]) < raw / 4


def test_personal_pages_stay_uncached_while_static_files_are_kept(any_db_app, make_learner):
    client = any_db_app.test_client()
    login(client, make_learner())
    for url in (module_page(), "/account", "/pathways/core"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert fetch(client, f"/static/{manifest()['app.css']}").headers["Cache-Control"] == LONG_CACHE
