"""Email domains an organisation names: for its single sign-on and for who may join
with its join codes."""

from __future__ import annotations

import re

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainError(ValueError):
    """Something typed as a domain that is not one; the message says which."""


def parse_domains(text: str) -> list[str]:
    """Domains typed one a line or separated by commas or spaces, as people paste them
    (a leading @ is dropped), lower case and each once. Raises DomainError for one that
    is not a domain."""
    names: list[str] = []
    for word in re.split(r"[\s,;]+", text.lower()):
        name = word.strip().lstrip("@").rstrip(".")
        if not name:
            continue
        if not DOMAIN_PATTERN.match(name):
            raise DomainError(f"{name} is not an email domain, like council.gov.uk")
        if name not in names:
            names.append(name)
    return names


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def in_domains(email: str, domains: list[str]) -> bool:
    """Whether the address is at one of the domains or a subdomain of one
    (social.council.gov.uk is in council.gov.uk)."""
    domain = email_domain(email)
    return any(domain == name or domain.endswith("." + name) for name in domains)
