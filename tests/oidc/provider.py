"""Runs the real OpenID Provider (tests/oidc/provider.mjs, the `oidc-provider` npm
package) for the single sign-on tests, and signs in through its own pages.

Without node or the package, the tests are skipped; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from tests.conftest import IN_CI

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "courseapp"
CLIENT_SECRET = "courseapp-test-client-secret"
OTHER_CLIENT_ID = "another-service"
OTHER_CLIENT_SECRET = "another-service-secret"
OTHER_REDIRECT_URI = "http://localhost/another-service/callback"
TEST_REDIRECT_URI = "http://localhost/sso/callback"

# The test accounts: the login name typed on the provider's page is the subject.
ACCOUNTS = {
    "alex": {
        "email": "alex.morgan@eastbrook.gov.uk",
        "email_verified": True,
        "name": "Alex Morgan",
    },
    "sam": {
        "email": "sam.okafor@eastbrook.gov.uk",
        "email_verified": True,
        "name": "Sam Okafor",
        "team": "Children's services east",
        "job_title": "Social worker",
    },
    "unverified": {
        "email": "jo.hart@eastbrook.gov.uk",
        "email_verified": False,
        "name": "Jo Hart",
    },
    "no-claim": {"email": "kit.lee@eastbrook.gov.uk", "name": "Kit Lee"},
    "outsider": {
        "email": "robin.shaw@elsewhere.example",
        "email_verified": True,
        "name": "Robin Shaw",
    },
}


def node_or_skip() -> str:
    """The node executable, with the oidc-provider package installed beside the project."""
    node = shutil.which("node")
    installed = (PROJECT / "node_modules" / "oidc-provider" / "package.json").exists()
    if node and installed:
        return node
    missing = "node" if not node else "the oidc-provider package (run npm ci)"
    if IN_CI:
        pytest.fail(f"{missing} is needed for the single sign-on tests in CI")
    pytest.skip(f"{missing} is not installed")
    raise AssertionError  # pytest.skip raises


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    """One running provider instance."""

    url: str
    issuer: str
    accounts_file: Path
    process: subprocess.Popen

    def set_accounts(self, accounts: dict) -> None:
        self.accounts_file.write_text(json.dumps(accounts))

    def update_account(self, login: str, **claims) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = accounts.get(login, {}) | claims
        self.set_accounts(accounts)

    def sign_in(self, authorisation_url: str, login: str, stop_at: str) -> str:
        """Go through the provider's own login and consent pages as `login`, and return
        the address it finally sends the browser to (which starts with `stop_at`). Each
        call is a new browser, signed in to the provider afresh."""
        with requests.Session() as browser:
            return self._walk(browser, authorisation_url, login, stop_at)

    def _walk(self, browser: requests.Session, url: str, login: str, stop_at: str) -> str:
        method, data = "GET", None
        for _ in range(12):
            response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if url.startswith(stop_at):
                    return url
                method, data = "GET", None
                continue
            assert response.status_code == 200, response.text[:500]
            page = response.text
            action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))
            prompt = re.search(r'name="prompt" value="([^"]+)"', page).group(1)
            data = {"prompt": prompt}
            if prompt == "login":
                data |= {"login": login, "password": "any password"}
            url, method = urljoin(url, action), "POST"
        raise AssertionError("the provider did not send the browser back")

    def real_id_token(
        self,
        nonce: str,
        login: str = "alex",
        client: tuple[str, str, str] = (OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_REDIRECT_URI),
    ) -> str:
        """A real ID token from this provider, with this nonce, for `client` (id, secret,
        redirect URI): by default the other registered service, as that service gets it."""
        client_id, secret, redirect_uri = client
        verifier = "v" * 50
        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "openid email profile",
                "redirect_uri": redirect_uri,
                "state": "other-state",
                "nonce": nonce,
                "code_challenge": _s256(verifier),
                "code_challenge_method": "S256",
            }
        )
        back = self.sign_in(f"{self.url}/auth?{query}", login, redirect_uri)
        code = parse_qs(urlsplit(back).query)["code"][0]
        return self.exchange(code, verifier, client_id, secret, redirect_uri)

    def exchange(self, code: str, verifier: str, client_id: str, secret: str, redirect: str) -> str:
        response = requests.post(
            f"{self.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
            auth=(client_id, secret),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["id_token"]

    def serve_next_id_token(self, id_token: str) -> None:
        """Make the provider's next token response carry this ID token instead of its own."""
        requests.post(f"{self.url}/test/next-id-token", json={"id_token": id_token}, timeout=10)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def clients(redirect_uris: list[str], logout_uris: list[str]) -> list[dict]:
    return [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": logout_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        },
        {
            "client_id": OTHER_CLIENT_ID,
            "client_secret": OTHER_CLIENT_SECRET,
            "redirect_uris": [OTHER_REDIRECT_URI],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        },
    ]


@contextmanager
def running_provider(
    folder: Path,
    *,
    keys_file: Path,
    redirect_uris: list[str] = (TEST_REDIRECT_URI,),
    logout_uris: list[str] = ("http://localhost/login",),
    **options,
) -> Iterator[Provider]:
    """Start a provider instance on a free port and stop it afterwards. `options` are
    the script's other settings (issuer, token_clock_offset_seconds, test_hooks)."""
    node = node_or_skip()
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    accounts_file = folder / f"accounts-{port}.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    settings_file = folder / f"provider-{port}.json"
    settings = {
        "port": port,
        "keys_file": str(keys_file),
        "accounts_file": str(accounts_file),
        "clients": clients(list(redirect_uris), list(logout_uris)),
        **options,
    }
    settings_file.write_text(json.dumps(settings))
    log_file = folder / f"provider-{port}.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [node, str(SCRIPT), str(settings_file)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        line = process.stdout.readline()  # "listening <issuer>", or nothing if it failed
        if not line.startswith("listening "):
            process.kill()
            raise RuntimeError(f"the OpenID Provider did not start: {log_file.read_text()}")
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url)
        yield Provider(
            url=url,
            issuer=line.split(" ", 1)[1].strip(),
            accounts_file=accounts_file,
            process=process,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            requests.get(f"{url}/.well-known/openid-configuration", timeout=2).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
