"""Talking to an OpenID Provider, through Authlib's Flask client: discovery, the
authorisation code flow with PKCE, `state` and `nonce`, and checking the ID token
(signature against the provider's published keys, issuer, audience, expiry, nonce).
Nothing here reads or checks a token by hand."""

from __future__ import annotations

import time

import requests
from authlib.common.security import generate_token
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app
from werkzeug.wrappers import Response

from courseapp.sso import encryption
from courseapp.sso.models import Connection

SCOPE = "openid email profile"
# Discovery documents and signing keys are kept this long before being fetched again
# (keys are fetched again at once when a token names one not seen before).
METADATA_MAX_AGE = 3600
CLIENTS_KEY = "courseapp.sso_clients"


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered with something unreadable."""


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _new_client(issuer: str, client_id: str | None = None, secret: str | None = None):
    return FlaskOAuth2App(
        FlaskIntegration("sso"),
        name="sso",
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=discovery_url(issuer),
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": current_app.config["SSO_HTTP_TIMEOUT"],
        },
    )


def fetch_metadata(issuer: str) -> dict:
    """The provider's discovery document (raises ProviderUnavailable)."""
    try:
        return _new_client(issuer).load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error


def client_for(connection: Connection) -> FlaskOAuth2App:
    """An Authlib client for the connection, kept for METADATA_MAX_AGE so that the
    discovery document and keys are not fetched at every sign-in. A changed connection
    gets a new client. Raises EncryptionKeyMissing or ValueError if the secret cannot
    be read."""
    clients = current_app.extensions.setdefault(CLIENTS_KEY, {})
    version = (connection.issuer, connection.client_id, connection.client_secret_encrypted)
    kept = clients.get(connection.id)
    if kept is None or kept[0] != version or time.monotonic() - kept[1] > METADATA_MAX_AGE:
        secret = encryption.decrypt(connection.client_secret_encrypted)
        kept = (
            version,
            time.monotonic(),
            _new_client(connection.issuer, connection.client_id, secret),
        )
        clients[connection.id] = kept
    return kept[2]


def state_connection_id(state: str | None) -> int | None:
    """Which connection a `state` value was made for: its digits before the dot."""
    prefix = (state or "").partition(".")[0]
    return int(prefix) if prefix.isdigit() else None


def authorisation_redirect(
    connection: Connection, redirect_uri: str, login_hint: str | None = None
) -> Response:
    """Send the browser to the provider. Authlib keeps the state, nonce and PKCE code
    verifier in the session for the callback to check."""
    extra = {"login_hint": login_hint} if login_hint else {}
    state = f"{connection.id}.{generate_token(32)}"
    try:
        return client_for(connection).authorize_redirect(redirect_uri, state=state, **extra)
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error


def verified_claims(connection: Connection) -> dict:
    """Finish the flow the callback request carries: check `state`, exchange the code
    (with the PKCE verifier) and verify the ID token. Returns its claims; raises
    Authlib's and joserfc's errors for the caller to explain."""
    client = client_for(connection)
    token = client.authorize_access_token(
        claims_options={
            "iss": {"essential": True, "value": connection.issuer},
            "aud": {"essential": True, "value": connection.client_id},
        }
    )
    return dict(token.get("userinfo") or {})


def end_session_url(connection: Connection, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session (sign-out) address, if its discovery document has one."""
    client = client_for(connection)
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        return client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri, client_id=connection.client_id
        )["url"]
    except (requests.RequestException, ValueError):
        return None
