"""Checking a certificate by its code, and the organisation's name and logo on the PDF."""

from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from courseapp.accounts.models import Role
from courseapp.assessment.certificates import certificate_document, certificate_pdf
from courseapp.assessment.models import Certificate
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.extensions import db
from courseapp.organisations import logos
from tests.conftest import app_with_schema, build_app, login, sqlite_url


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def image(kind: str = "PNG", size: tuple[int, int] = (300, 100)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#00703c").save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def certificate(make_org, make_user) -> Certificate:
    learner = make_user(organisation=make_org(name="Eastbrook Council"), name="Ann Bell")
    awarded = Certificate(user_id=learner.id, pathway_id="core", minutes=240)
    db.session.add(awarded)
    db.session.commit()
    return awarded


# -- Checking a code ------------------------------------------------------------------


def test_a_typed_code_goes_to_the_verification_page(client, certificate):
    assert "Verification code" in text(client.get("/certificates/"))
    typed = certificate.code.lower().replace("-", " ")
    response = client.post("/certificates/", data={"code": typed})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/certificates/{certificate.code}"
    page = text(client.get(response.headers["Location"]))
    assert "This certificate is genuine" in page and "Ann Bell" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Enter the verification code"),
     ("ABCD", "Enter the code as it is printed on the certificate, like ABCD-EFGH-JKLM")],
)  # fmt: skip
def test_a_missing_or_malformed_code_is_an_error_on_the_page(client, typed, message):
    response = client.post("/certificates/", data={"code": typed})
    page = text(response)
    assert response.status_code == 200 and message in page
    assert "govuk-error-summary" in page and page.count(message) == 2
    assert "<title>Error: Check a certificate" in page


def test_an_unknown_code_is_not_found(client):
    response = client.post("/certificates/", data={"code": "AAAA-BBBB-CCCC"})
    page = client.get(response.headers["Location"])
    assert page.status_code == 404 and "Certificate not found" in text(page)


@pytest.fixture
def throttled_app(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path, RATELIMIT_ENABLED=True,
                    CERTIFICATE_CHECK_LIMIT="3 per minute")  # fmt: skip
    with app_with_schema(app), app.app_context():
        yield app


def test_checking_codes_is_throttled_across_both_pages(throttled_app):
    client = throttled_app.test_client()
    codes = [client.post("/certificates/", data={"code": f"AAAA-BBBB-CCC{n}"}).status_code
             for n in range(2)]  # fmt: skip
    codes.append(client.get("/certificates/AAAA-BBBB-CCC3").status_code)
    codes.append(client.get("/certificates/AAAA-BBBB-CCC4").status_code)
    codes.append(client.post("/certificates/", data={"code": "AAAA-BBBB-CCC5"}).status_code)
    assert codes == [303, 303, 404, 429, 429]
    assert client.get("/certificates/").status_code == 200  # the page itself is not counted


# -- The logo -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_png_and_jpeg_logos_are_accepted(kind):
    assert logos.check_logo(image(kind)) == f"image/{kind.lower()}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"not really", "could not be read as an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be a PNG or JPEG image"),
        (image(size=(3000, 100)), "between 16 and 2,000 pixels"),
        (image(size=(10, 10)), "between 16 and 2,000 pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (200 * 1024), "smaller than 200 KB"),
    ],
    ids=["gif", "broken png", "svg", "too wide", "too small", "too large"],
)
def test_other_files_are_refused_by_their_content(data, message):
    with pytest.raises(logos.LogoError, match=message):
        logos.check_logo(data)


def test_a_png_renamed_as_jpeg_is_checked_by_content_not_name(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.ADMIN))
    data = {"logo": (io.BytesIO(image("PNG")), "logo.jpg")}
    response = client.post(f"/organisations/{org.id}/logo", data=data,
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303
    db.session.refresh(org)
    assert org.logo_type == "image/png"


def test_an_administrator_uploads_and_removes_a_logo(client, make_org, make_user):
    org = make_org()
    admin = make_user(role=Role.ADMIN)
    login(client, admin)
    bad = client.post(f"/organisations/{org.id}/logo",
                      data={"logo": (io.BytesIO(b"GIF89a..."), "logo.png")},
                      content_type="multipart/form-data")  # fmt: skip
    assert "must be a PNG or JPEG image" in text(bad)
    good = client.post(f"/organisations/{org.id}/logo",
                       data={"logo": (io.BytesIO(image()), "logo.png")},
                       content_type="multipart/form-data")  # fmt: skip
    assert good.status_code == 303
    assert 'src="data:image/png;base64,' in text(client.get(f"/organisations/{org.id}/logo"))
    assert client.post(f"/organisations/{org.id}/logo/remove").status_code == 303
    db.session.refresh(org)
    assert org.logo is None and org.logo_type is None
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject == f"organisation {org.id}")
    )
    assert list(events) == ["upload-logo", "remove-logo"]


def test_coordinators_cannot_change_the_logo(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    assert client.get(f"/organisations/{org.id}/logo").status_code == 403


# -- The PDF --------------------------------------------------------------------------


def test_the_pdf_is_one_landscape_page_with_the_organisation_and_its_logo(app, certificate):
    learner = certificate.user
    pathway = course().pathways["core"]
    with app.test_request_context():
        document = certificate_document(certificate, pathway, learner)
        plain = certificate_pdf(certificate, pathway, learner)
    (page,) = document.pages  # one page
    assert (round(page.width * 25.4 / 96), round(page.height * 25.4 / 96)) == (297, 210)
    assert plain.startswith(b"%PDF") and b"/Image" not in plain
    learner.organisation.logo, learner.organisation.logo_type = image(), "image/png"
    db.session.commit()
    with app.test_request_context():
        document = certificate_document(certificate, pathway, learner)
        with_logo = certificate_pdf(certificate, pathway, learner)
    assert len(document.pages) == 1
    assert with_logo.count(b"/Image") == 1  # the logo, embedded
