"""Input that gets past a form's first look: text that is only spaces, and a form's
hidden fields sent back changed."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired

import courseapp
from courseapp.forms import Form
from tests.conftest import csrf_token_from, sign_in


def _forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(courseapp.__path__, "courseapp."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, waiting = [], [Form]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            found.append(subclass)
            waiting.append(subclass)
    return found


def _required_text_fields() -> list[tuple[type[Form], str]]:
    """Every text field that a form says must be sent (InputRequired), but passwords,
    which are kept as typed: spaces may be a part of one."""
    fields = []
    for form in _forms():
        for name in dir(form):
            field = getattr(form, name)
            if not isinstance(field, UnboundField):
                continue
            kind = field.field_class
            if not issubclass(kind, StringField) or issubclass(kind, PasswordField):
                continue
            validators = field.kwargs.get("validators", ())
            if any(isinstance(v, InputRequired) for v in validators):
                fields.append((form, name))
    return fields


REQUIRED_TEXT = _required_text_fields()


def test_the_forms_have_required_text_fields_to_check():
    names = {f"{form.__name__}.{name}" for form, name in REQUIRED_TEXT}
    assert {"CohortDetailsForm.name", "OrganisationForm.name", "TeamForm.team_name"} <= names


@pytest.mark.parametrize(
    ("form", "name"), REQUIRED_TEXT, ids=[f"{f.__name__}.{n}" for f, n in REQUIRED_TEXT]
)
@pytest.mark.parametrize("spaces", ["   ", "\t\n "])
def test_a_required_text_field_refuses_spaces_alone(app, form, name, spaces):
    with app.test_request_context(method="POST"):
        bound = form(formdata=MultiDict({name: spaces}), meta={"csrf": False})
        bound.validate()
        assert bound[name].errors, f"{form.__name__}.{name} accepted {spaces!r}"


@pytest.mark.parametrize("origin", [None, "http://localhost"])
def test_a_form_that_is_not_utf8_gets_a_message_that_says_so(csrf_app, make_user, origin):
    """Not the message for an expired form, or for another site's (with no Origin)."""
    client = csrf_app.test_client()
    sign_in(client, make_user(name="Kim Ali"))
    token = csrf_token_from(client.get("/account/name").get_data(as_text=True))
    headers = {"Origin": origin} if origin else {}
    response = client.post(
        "/account/name",
        data=f"csrf_token={token}&name=Kim%20".encode() + b"\xff\xfe",
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    assert response.status_code == 400
    assert "could not be read (it was not sent as UTF-8)" in response.get_data(as_text=True)
