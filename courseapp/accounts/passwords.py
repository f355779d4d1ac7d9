"""Password hashing (argon2id) and the password policy.

Policy follows current NCSC and NIST guidance: length over complexity. At least
12 characters so passphrases fit, a generous maximum, no composition rules, and
a short list of the passwords attackers try first is refused.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("courseapp.accounts").joinpath("data/common_passwords.txt").read_text()
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def policy_problems(password: str, *, personal: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a proposed password, in words a user can act on."""
    if len(password) < MIN_LENGTH:
        return [
            f"Password must be at least {MIN_LENGTH} characters. A few words together work well."
        ]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    folded = password.lower()
    if folded in _common_passwords() or len(set(folded)) <= 2:
        return ["That password is too easy to guess. Try a few unrelated words together."]
    if any(part and part.lower() in folded for part in personal if len(part) >= 4):
        return ["Your password must not contain your name or email address"]
    return []


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("courseapp.password_hasher")
    if hasher is None:
        cfg = current_app.config
        hasher = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_COST"],
            parallelism=cfg["ARGON2_PARALLELISM"],
            type=Type.ID,
        )
        current_app.extensions["courseapp.password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash, still spends the time of a real check,
    so that response times do not reveal whether an account exists."""
    hasher = _hasher()
    if stored_hash is None:
        stored_hash = _dummy_hash()
        password = password + "\0never-matches"
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def _dummy_hash() -> str:
    key = "courseapp.dummy_password_hash"
    if key not in current_app.extensions:
        current_app.extensions[key] = _hasher().hash("timing equaliser")
    return current_app.extensions[key]
