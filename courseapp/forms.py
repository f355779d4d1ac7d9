"""The base form, and keeping what a user typed when a form expires.

When a form is posted with a missing or expired CSRF token (the page was open
too long, or the session ended), we do not show an error page. The submitted
values, apart from passwords and the token, are kept in the session and the
user is sent back to the form, which comes back filled in, with a message
asking them to check it and send it again. Nothing is saved from the refused
request itself.

Only a post from one of our own pages is kept (see security.same_origin_request):
another site's auto-submitting form must not fill in a staff form for someone to
send by mistake. The session lives in a cookie that browsers drop past 4 KB, so
only fields up to STASH_FIELD_BYTES, and STASH_TOTAL_BYTES in all, are kept; the
page says which were too long to keep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, SubmitField
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.validators import DataRequired, InputRequired

from courseapp.security import safe_next_url

STASH_KEY = "_form_stash"
NOT_KEPT = ("csrf_token", "password")
# Sizes as the session's JSON spells them (a non-ASCII letter takes up to 6 bytes).
STASH_FIELD_BYTES = 1200
STASH_TOTAL_BYTES = 2000
EXPIRED_MESSAGE = (
    "That form had been open for too long or you had been signed out, so it was not sent. "
    "We have kept what you typed: check it and send it again."
)
NOT_KEPT_MESSAGE = "{} was too long for us to keep, so you will need to enter it again."


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def options(placeholder: str, pairs) -> list[SelectChoice]:
    """Choices for a GOV.UK select: a blank first option, then (value, label) pairs."""
    return [SelectChoice("", placeholder), *choices(pairs)]


class _TokenMadeWhenDrawn(CSRFTokenField):
    """The form's CSRF field, its token made (signed) when the field is drawn, not when
    the form is built: a form posted and answered with a redirect never draws it.
    Flask-WTF keeps a request's token once made, so drawing it twice signs it once."""

    def process(self, *args, **kwargs) -> None:
        HiddenField.process(self, *args, **kwargs)

    @property
    def current_token(self) -> str:
        return self.csrf_impl.generate_csrf_token(self)


class _CSRF(FlaskForm.Meta.csrf_class):
    field_class = _TokenMadeWhenDrawn


class Form(FlaskForm):
    """Every form in the app. Refills itself from a stash left by an expired post."""

    class Meta:
        csrf_class = _CSRF

    def __init__(self, *args, **kwargs):
        stash = None if "formdata" in kwargs else self._take_stash()
        if stash is not None:
            kwargs["formdata"] = stash
        super().__init__(*args, **kwargs)
        for name in stash.getlist(TOO_LONG_KEY) if stash is not None else ():
            if name in self._fields:
                flash(NOT_KEPT_MESSAGE.format(self._fields[name].label.text), "important")
        # A page can hold several forms (a button in each table row, a search above a
        # table): ids must be unique on the page. The hidden token needs none; each
        # form's button is named after its form, as in "team-submit".
        if "csrf_token" in self._fields:
            self.csrf_token.id = False
        if isinstance(self._fields.get("submit"), SubmitField):
            self.submit.id = f"{_kebab(type(self).__name__.removesuffix('Form'))}-submit"

    def _take_stash(self) -> MultiDict | None:
        own_fields = {name for name, _ in self._unbound_fields}
        return take_stash(request.path, own_fields)

    def validate(self, extra_validators=None) -> bool:
        """As WTForms', but a null character in what was sent (a posted form, or the
        query string of a filter form) gets a 400: nobody can type one, and PostgreSQL
        can neither store nor search for it."""
        sent = request.form if self.is_submitted() else request.args
        if any("\x00" in value for _, value in sent.items(multi=True)):
            abort(400, NULL_CHARACTER_MESSAGE)
        return super().validate(extra_validators)

    def validate_on_submit(self, extra_validators=None) -> bool:
        """As FlaskForm's, but a value that no page of ours could have offered (an
        option that is not in the list, or a hidden field that fails its checks) means
        the form was tampered with: 400."""
        valid = super().validate_on_submit(extra_validators)
        if self.is_submitted():
            for field in self:
                if isinstance(field, SelectFieldBase) and _has_unknown_choice(field):
                    abort(400, TAMPERED_MESSAGE)
                hidden = isinstance(field, HiddenField) and not isinstance(field, CSRFTokenField)
                if hidden and field.errors:
                    abort(400, HIDDEN_CHANGED_MESSAGE)
        return valid


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() or "form"


HIDDEN_CHANGED_MESSAGE = (
    "The form was sent back with details the page did not give it. "
    "Nothing has been saved. Go back, reload the page and try again."
)
TAMPERED_MESSAGE = (
    "The form contained an answer that was not one of the options on the page. "
    "Nothing has been saved. Go back, reload the page and try again."
)
NULL_CHARACTER_MESSAGE = (
    "The form contained a null character, which cannot be saved. "
    "Nothing has been saved. Go back, remove it and try again."
)


def _has_unknown_choice(field: SelectFieldBase) -> bool:
    if not getattr(field, "validate_choice", True) or not field.raw_data:
        return False
    offered = {str(value) for value, *_ in field.iter_choices()}
    return any(value not in offered for value in field.raw_data)


def take_stash(path: str, fields: set[str] | None = None) -> MultiDict | None:
    """Values kept from an expired post to this page (and, if fields are given, to
    a form with any of those fields), removed from the session once taken."""
    stash = session.get(STASH_KEY) if request.method == "GET" else None
    if not stash or stash["path"] != path:
        return None
    named = {value if name == TOO_LONG_KEY else name for name, value in stash["data"]}
    if fields is not None and not fields & named:
        return None
    session.pop(STASH_KEY)
    return MultiDict(stash["data"])


TOO_LONG_KEY = "_too_long"
MAX_FIELD_NAME = 100  # longer than any of ours: not from our page, not kept


def _kept_fields() -> list[tuple[str, str]]:
    """What a refused post may keep: no passwords or tokens, each field no larger than
    STASH_FIELD_BYTES and all together no larger than STASH_TOTAL_BYTES. Each field
    left out is named, under TOO_LONG_KEY, so the form can say so."""
    kept, too_long, total = [], [], 0
    for key, value in request.form.items(multi=True):
        if any(word in key for word in NOT_KEPT) or len(key) > MAX_FIELD_NAME:
            continue
        size = len(json.dumps([key, value]))
        if size > STASH_FIELD_BYTES or total + size > STASH_TOTAL_BYTES:
            too_long.append(key)
            continue
        kept.append((key, value))
        total += size
    return kept + [(TOO_LONG_KEY, key) for key in list(dict.fromkeys(too_long))[:10]]


def stash_form_and_redirect() -> Response:
    kept = _kept_fields()
    rule = request.url_rule
    if rule is not None and "GET" in (rule.methods or ()):
        target = request.full_path.rstrip("?")
    else:  # an action posted from another page: go back to that page
        target = safe_next_url(request.referrer) or url_for("site.index")
    session[STASH_KEY] = {"path": urlsplit(target).path, "data": kept}
    flash(EXPIRED_MESSAGE, "important")
    return redirect(target, 303)


@contextmanager
def preserve_form_stash() -> Iterator[None]:
    """Keep a stashed form across a session.clear() (as at sign-in)."""
    stash = session.get(STASH_KEY)
    yield
    if stash:
        session[STASH_KEY] = stash


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def entered(message: str) -> list:
    """The validators of a text field that must be filled in: it was sent (InputRequired)
    and, after its strip filter, is not empty (DataRequired): spaces alone are not a
    name, a code or an address."""
    return [InputRequired(message=message), DataRequired(message=message)]


# Years a date field accepts: a filter "on or before 31 12 9999" would run past the
# last date Python can add a day to.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class OptionalDateField(DateField):
    """A GOV.UK date input (day, month and year boxes) that may be left blank. A date
    that is only partly filled in, or is not a real date, is an error, not a blank."""

    widget = GovDateInput()

    def __init__(self, label: str, **kwargs):
        super().__init__(label, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        parts = [value.strip() for value in valuelist]
        if len(parts) != 3:  # not from our page: show empty boxes again
            self.raw_data = None
        if not any(parts):
            return
        what = self.label.text.removesuffix(" (optional)")
        if len(parts) != 3:
            raise ValueError(f"{what} must be a real date")
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValueError(f"{what} must include a {' and a '.join(missing)}")
        day, month, year = parts
        if not all(part.isdigit() for part in parts) or len(year) != 4:
            raise ValueError(f"{what} must be a real date, like 27 3 2026")
        if not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise ValueError(f"{what} must be a year from {FIRST_YEAR} to {LAST_YEAR}")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{what} must be a real date, like 27 3 2026") from None
