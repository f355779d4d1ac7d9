"""Keeping providers' client secrets encrypted at rest (Fernet, from `cryptography`).

The key comes from SSO_ENCRYPTION_KEY. Outside production, without it, a key is
derived from SECRET_KEY, as SECRET_KEY itself is generated once per instance, so a
local install works without setting anything. Production refuses to keep or use a
secret without its own key, so that a leaked SECRET_KEY alone does not reveal it.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class EncryptionKeyMissing(Exception):
    """Production has no SSO_ENCRYPTION_KEY, so secrets can be neither kept nor read."""

    def __init__(self) -> None:
        super().__init__(
            "Single sign-on cannot be used until SSO_ENCRYPTION_KEY is set: "
            "ask whoever runs the platform to set it."
        )


def _fernet() -> Fernet:
    key = current_app.config.get("SSO_ENCRYPTION_KEY")
    if not key:
        if current_app.config.get("REQUIRE_SECRET_KEY"):
            raise EncryptionKeyMissing
        digest = hashlib.sha256(
            b"courseapp.sso-secrets:" + current_app.config["SECRET_KEY"].encode()
        ).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret, or EncryptionKeyMissing / ValueError if the key cannot read it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("The client secret was saved with another key") from None
