"""An organisation's logo for its certificates: checked by its content (a PNG or JPEG
that Pillow can read, of a sensible size), kept in the database. Services flush."""

from __future__ import annotations

import base64
import io

from PIL import Image, UnidentifiedImageError

from courseapp.accounts.models import User
from courseapp.audit.services import record
from courseapp.extensions import db
from courseapp.organisations.models import Organisation

MAX_BYTES = 200 * 1024
MAX_PIXELS = 2000  # on either side
MIN_PIXELS = 16
TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class LogoError(Exception):
    """The file cannot be used as a logo; the message is for the upload form."""


def check_logo(data: bytes) -> str:
    """The logo's media type, if the bytes are a usable PNG or JPEG image."""
    if len(data) > MAX_BYTES:
        raise LogoError("The selected file must be smaller than 200 KB")
    kind = next((k for sig, k in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise LogoError("The selected file must be a PNG or JPEG image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            found, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise LogoError("The selected file could not be read as an image") from None
    if found != kind:
        raise LogoError("The selected file must be a PNG or JPEG image")
    if max(width, height) > MAX_PIXELS or min(width, height) < MIN_PIXELS:
        raise LogoError(
            f"The logo must be between {MIN_PIXELS} and {MAX_PIXELS:,} pixels wide and high"
        )
    return TYPES[kind]


def set_logo(actor: User, org: Organisation, data: bytes) -> None:
    org.logo_type = check_logo(data)
    org.logo = data
    record(actor, "upload-logo", f"organisation {org.id}")
    db.session.flush()


def remove_logo(actor: User, org: Organisation) -> None:
    org.logo, org.logo_type = None, None
    record(actor, "remove-logo", f"organisation {org.id}")
    db.session.flush()


def logo_data_uri(org: Organisation | None) -> str | None:
    """The logo as a data: URI, for a page or PDF to show without another request."""
    if org is None or not org.logo_type or not org.logo:
        return None
    return f"data:{org.logo_type};base64,{base64.b64encode(org.logo).decode()}"
