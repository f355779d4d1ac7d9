"""pytest fixtures for the single sign-on tests: the provider instances (started once
for the session) and a connected organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient

from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from courseapp.sso.encryption import encrypt
from courseapp.sso.models import Connection, Domain
from tests.oidc.provider import (
    ACCOUNTS,
    CLIENT_ID,
    CLIENT_SECRET,
    TEST_REDIRECT_URI,
    Provider,
    running_provider,
)

DOMAIN = "eastbrook.gov.uk"


@pytest.fixture(scope="session")
def oidc_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oidc")


@pytest.fixture(scope="session")
def provider_session(oidc_folder: Path) -> Iterator[Provider]:
    """The organisation's provider, with its real keys."""
    with running_provider(oidc_folder, keys_file=oidc_folder / "keys.json", test_hooks=True) as op:
        yield op


@pytest.fixture
def provider(provider_session: Provider) -> Provider:
    provider_session.set_accounts(ACCOUNTS)
    return provider_session


@pytest.fixture(scope="session")
def impostor(oidc_folder: Path, provider_session: Provider) -> Iterator[Provider]:
    """Another real provider that claims the first one's issuer identifier and signs
    with its own key under the same key id."""
    with running_provider(
        oidc_folder,
        keys_file=oidc_folder / "impostor-keys.json",
        issuer=provider_session.issuer,
    ) as op:
        yield op


@pytest.fixture(scope="session")
def slow_clock(oidc_folder: Path) -> Iterator[Provider]:
    """A real provider whose clock is two hours behind when it issues tokens."""
    with running_provider(
        oidc_folder, keys_file=oidc_folder / "slow-keys.json", token_clock_offset_seconds=-7200
    ) as op:
        yield op


def connect(org: Organisation, issuer: str, domains=(DOMAIN,), **settings) -> Connection:
    connection = Connection(
        organisation=org,
        issuer=issuer,
        client_id=settings.pop("client_id", CLIENT_ID),
        client_secret_encrypted=encrypt(CLIENT_SECRET),
        domains=[Domain(name=name) for name in domains],
        **settings,
    )
    db.session.add(connection)
    db.session.commit()
    return connection


@pytest.fixture
def eastbrook(app, provider: Provider) -> Organisation:
    org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
    org.teams = [Team(name="Children's services east"), Team(name="Early help")]
    db.session.add(org)
    db.session.commit()
    connect(org, provider.issuer)
    return org


def start(client: FlaskClient, slug: str) -> str:
    """Open /login/<slug> and return the provider address it sends the browser to."""
    response = client.get(f"/login/{slug}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def with_param(url: str, name: str, value: str | None) -> str:
    """The address with one query parameter changed (or removed, for None)."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    if value is None:
        query.pop(name, None)
    else:
        query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def sign_in(client: FlaskClient, op: Provider, slug: str, login: str = "alex", change=None):
    """Sign in through the provider's pages; return the app's answer to the callback.
    `change` may alter the authorisation address before the provider sees it."""
    url = start(client, slug)
    if change is not None:
        url = change(url)
    back = op.sign_in(url, login, TEST_REDIRECT_URI)
    return client.get(back.removeprefix("http://localhost"))
