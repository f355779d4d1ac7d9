"""Whatever a form posts, the app never fails with a 5xx; what no page offered is
refused and nothing is stored; what is stored is only what the page offered.

Property tests: hypothesis makes up the form data (a mix of the page's real field
names and values with random names, unicode text, blanks, very long strings and
repeated fields) and the CSV files, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from courseapp.accounts.models import Role, User
from courseapp.accounts.services import normalise_email
from courseapp.assessment import attempts
from courseapp.assessment.models import Answer, Phase
from courseapp.catalogue import course
from courseapp.catalogue.items import SCHEMES, SelfRating
from courseapp.catalogue.kinds import field_name
from courseapp.cohorts import imports
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.content.forms import field_name as question_field
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.rewording.models import Response
from tests.conftest import count, login, upload_csv


def examples(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


ODD_TEXT = ["", " ", "\t\n", "\x00", "é", "💥", "<script>alert(1)</script>", "' OR 1=1 --"]
any_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(ODD_TEXT),
    st.text(min_size=1, max_size=4).map(lambda s: s * 3000),  # very long
)


@st.composite
def form_data(draw, fields: dict, several: set[str] = frozenset(), others: list[str] = ()):
    """Form data mostly as the page would send it, often with something added.

    `fields` maps each real field to its values (a list, or a strategy for free text);
    `several` are the fields that take more than one. Each field is usually given
    values of its own; then, half the time, pairs are added that a page would not
    send: made-up or `others` field names, values that are not on offer, unicode,
    blanks, very long strings, a field repeated.
    """
    pairs = []
    for name, values in fields.items():
        values = st.sampled_from(values) if isinstance(values, list) else values
        if draw(st.integers(0, 4)):  # four times in five the field is filled in
            most = 3 if name in several else 1
            chosen = draw(st.lists(values, min_size=1, max_size=most, unique=True))
            pairs += [(name, value) for value in chosen]
    offered = sorted({v for vs in fields.values() if isinstance(vs, list) for v in vs})
    names = st.one_of(st.sampled_from([*fields, *others]), st.text(max_size=20))
    values = st.one_of(st.sampled_from(offered), any_text) if offered else any_text
    junk = st.lists(st.tuples(names, values), min_size=1, max_size=4)
    pairs += draw(st.one_of(st.just([]), junk))
    return MultiDict(draw(st.permutations(pairs)))


def _status_ok(status: int, allowed: set[int]) -> None:
    assert status < 500 and status in allowed | {400}, status


# -- Test pages -----------------------------------------------------------------------


def page_fields(entries) -> tuple[dict[str, set[str]], set[str]]:
    """Every field on a test page with the values it offers, and the fields that take
    several values (select all that apply)."""
    fields: dict[str, set[str]] = {}
    several = set()
    for entry in entries:
        name = field_name(entry.id)
        if isinstance(entry, SelfRating):
            fields[name] = {str(n) for n in range(1, 6)}
        elif entry.kind == "true-false":
            fields[name] = {"true", "false"}
        elif entry.kind == "classification":
            for s in entry.statements:
                fields[field_name(entry.id, s.id)] = {"", *SCHEMES[entry.scheme]}
        else:
            fields[name] = {option.id for option in entry.options}
            if entry.kind == "multiple":
                several.add(name)
    return fields, several


def sent_answer(entry, form: MultiDict):
    """What a valid form says the answer to an entry is (None: blank)."""
    values = form.getlist(field_name(entry.id))
    if isinstance(entry, SelfRating):
        return int(values[0]) if values else None
    if entry.kind == "multiple":
        return sorted(values) or None
    if entry.kind == "true-false":
        return values[0] == "true" if values else None
    if entry.kind == "classification":
        placed = {s.id: form.get(field_name(entry.id, s.id)) for s in entry.statements}
        return {key: value for key, value in placed.items() if value} or None
    return values[0] if values else None


def saved(attempt_id: int) -> dict[str, object]:
    rows = db.session.execute(
        sa.select(Answer.item_id, Answer.response).where(Answer.attempt_id == attempt_id)
    )
    return dict(rows.all())


@pytest.fixture
def learner_in_a_test(any_db_app, make_learner):
    user = make_learner(modules=True)
    attempt = attempts.start_or_resume(user, course().pathways["core"], Phase.POST)
    db.session.commit()
    client = any_db_app.test_client()
    login(client, user)
    return client, attempt.id, attempts.pages(attempt)


@examples(60)
@given(data=st.data(), autosave=st.booleans())
def test_any_answer_page_post(learner_in_a_test, data, autosave):
    client, attempt_id, pages = learner_in_a_test
    number = data.draw(st.integers(1, len(pages)), label="page")
    entries = pages[number - 1]
    fields, several = page_fields(entries)
    elsewhere = [name for page in pages for name in page_fields(page)[0] if name not in fields]
    real = {name: sorted(values) for name, values in fields.items()} | {"action": ["back"]}
    form = data.draw(form_data(real, several, others=[*elsewhere, "csrf_token"]), label="form")
    before = saved(attempt_id)
    response = client.post(
        f"/attempts/{attempt_id}/pages/{number}",
        data=form,
        headers={"X-Autosave": "1"} if autosave else {},
    )
    _status_ok(response.status_code, {204} if autosave else {302})
    after = saved(attempt_id)
    if response.status_code == 400:
        assert after == before
        return
    for name, posted in form.lists():  # accepted: everything posted was on offer
        if name not in ("action", "csrf_token"):
            assert set(posted) <= fields[name] and len(set(posted)) == len(posted)
            assert len(posted) == 1 or name in several
    on_page = {entry.id for entry in entries}
    assert {k: v for k, v in after.items() if k not in on_page} == {
        k: v for k, v in before.items() if k not in on_page
    }
    for entry in entries:
        assert after.get(entry.id) == sent_answer(entry, form), entry.id


# -- Knowledge checks -----------------------------------------------------------------


@pytest.fixture
def check_taker(any_db_app, make_learner):
    user = make_learner()
    client = any_db_app.test_client()
    login(client, user)
    module = course().modules["why-change"]
    for part in module.parts:  # every part opened: the check decides completion
        client.get(f"/modules/{module.id}/{part.slug}")
    return client, user.id, module


def progress(user_id: int) -> list[tuple]:
    rows = db.session.execute(
        sa.select(ModuleProgress.module_id, ModuleProgress.completed_at).where(
            ModuleProgress.user_id == user_id
        )
    )
    return sorted(rows.all())


@examples(40)
@given(data=st.data())
def test_any_knowledge_check_post(check_taker, data):
    client, user_id, module = check_taker
    check = course().checks[module.meta.knowledge_check]
    names = [question_field(q.id) for q in check.questions]
    fields = {question_field(q.id): [o.id for o in q.options] for q in check.questions}
    several = {question_field(q.id) for q in check.questions if q.kind != "single"}
    form = data.draw(form_data(fields, several, others=["csrf_token"]), label="form")
    before = progress(user_id)
    response = client.post(f"/modules/{module.id}/check", data=form)
    _status_ok(response.status_code, {200})
    if response.status_code == 400:
        assert progress(user_id) == before
        return
    assert set(form) <= {*names, "csrf_token"}  # accepted: everything posted was on offer
    for question in check.questions:
        chosen = form.getlist(question_field(question.id))
        assert set(chosen) <= {option.id for option in question.options}
        assert len(set(chosen)) == len(chosen) and (question.kind != "single" or len(chosen) < 2)
    if all(form.getlist(name) for name in names):
        right = all(
            set(form.getlist(question_field(q.id))) == q.correct_ids for q in check.questions
        )
        was_complete = dict(before).get(module.id) is not None
        # Complete once every answer is right; a wrong try never undoes it.
        assert (dict(progress(user_id))[module.id] is not None) == (right or was_complete)
    else:
        assert progress(user_id) == before  # a question unanswered: not done yet


# -- Rewording ------------------------------------------------------------------------


@pytest.fixture
def rewriter(any_db_app, make_learner):
    user = make_learner()
    client = any_db_app.test_client()
    login(client, user)
    return client, user.id


def versions(user_id: int) -> list[tuple]:
    rows = db.session.execute(
        sa.select(Response.version, Response.text, Response.self_rating)
        .where(Response.user_id == user_id, Response.exercise_id == "let-him-in")
        .order_by(Response.version)
    )
    return [tuple(row) for row in rows]


REWORDINGS = [
    "What happened when he came round last night?",
    "Why did you let him in?",
    "Amira Hussain told me he hit her. Call 07700 900123.",  # asks: are these made up?
]


@examples(30)
@given(
    form=form_data({"text": st.one_of(st.sampled_from(REWORDINGS), any_text), "fictional": ["y"]})
)
@example(form=MultiDict({"text": "   "}))  # only spaces: once kept as an empty rewording
@example(form=MultiDict({"text": "\x00"}))  # once a 500 on PostgreSQL
def test_any_rewording_post(rewriter, form):
    client, user_id = rewriter
    before = versions(user_id)
    response = client.post("/practice/let-him-in", data=form)
    _status_ok(response.status_code, {200, 303})
    after = versions(user_id)
    if response.status_code != 303:
        assert after == before
        return
    text = form["text"].strip()
    assert text and len(form["text"]) <= 1200
    if before and before[-1][1] == text:
        assert after == before  # the same text again is not kept twice
    else:
        assert after == [*before, (len(before) + 1, text, None)]


@examples(20)
@given(form=form_data({"rating": ["as-good", "partly", "not-yet"]}))
def test_any_rewording_rating_post(rewriter, form):
    client, user_id = rewriter
    client.post("/practice/let-him-in", data={"text": REWORDINGS[0]})
    before = versions(user_id)
    response = client.post("/practice/let-him-in/rating", data=form)
    _status_ok(response.status_code, {200, 303})
    after = versions(user_id)
    if response.status_code == 303:
        assert after == [*before[:-1], (*before[-1][:2], form["rating"])]
    else:
        assert after == before


# -- CSV import -----------------------------------------------------------------------


@pytest.fixture
def importer(any_db_app, make_org, make_user):
    x = make_org(name="Organisation X", teams=("Duty", "Early help"))
    y = make_org(name="Organisation Y")
    make_user(organisation=x, email="kim@x.example.org")
    make_user(organisation=y, email="yan@y.example.org")
    cohort = Cohort(organisation=x, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    client = any_db_app.test_client()
    login(client, make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)))
    return client, cohort


HEADINGS = {
    "name": ["name", "Name", " NAME "],
    "email": ["email", "Email"],
    "team": ["team"],
    "job_role": ["job_role", "Job Role", "job-role"],
}
no_nul = any_text.filter(lambda text: "\x00" not in text)
CELLS = {
    "name": st.one_of(
        st.sampled_from(["Ada Lovelace", "Bo", "Zoë Ó Briain", "Smith, Jo"]),
        st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=30),
        no_nul,
    ),
    "email": st.one_of(
        st.integers(0, 10**6).map(lambda n: f"p{n}@example.org"),  # someone new
        st.sampled_from(["kim@x.example.org", "YAN@y.example.org", "not-an-email", ""]),
        st.emails(),
    ),
    "team": st.sampled_from(["", "Duty", "early help", "Nowhere"]),
    "job_role": st.sampled_from(["", "teacher", "Social worker", "SOCIAL_WORKER", "Astronaut"]),
}


@st.composite
def csv_files(draw) -> bytes:
    """A spreadsheet's CSV: a header (now and then a wrong one) and rows of likely
    cells (names, new and existing addresses, teams, job roles) or odd ones."""
    extra = draw(st.lists(st.sampled_from(["team", "job_role"]), unique=True))
    columns = draw(st.permutations(["name", "email", *extra]))
    header = [draw(st.sampled_from(HEADINGS[column])) for column in columns]
    if not draw(st.integers(0, 5)):
        header = draw(st.lists(st.one_of(st.sampled_from(header), no_nul), max_size=5))
    rows = draw(st.lists(st.tuples(*(CELLS[column] for column in columns)), max_size=8))
    if not draw(st.integers(0, 3)):  # a row of odd cells, too many or too few
        rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(no_nul, max_size=6)))
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    encoded = out.getvalue().encode()
    return b"\xef\xbb\xbf" + encoded if draw(st.booleans()) else encoded


files = st.one_of(csv_files(), st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
filenames = st.one_of(
    st.just("learners.csv"), st.text(max_size=10).map(lambda s: s + ".csv"), st.text(max_size=20)
)


def cohort_enrolments(cohort_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort_id)
    )


@examples(60)
@given(content=files, filename=filenames)
def test_any_csv_upload_and_confirmation(importer, content, filename):
    client, cohort = importer
    uploads, users, enrolled = count(EnrolmentImport), count(User), cohort_enrolments(cohort.id)
    response = upload_csv(client, cohort, content, filename)
    _status_ok(response.status_code, {200, 303})
    if response.status_code != 303:
        assert (count(EnrolmentImport), count(User)) == (uploads, users)
        return
    assert count(EnrolmentImport) == uploads + 1
    upload = db.session.scalar(sa.select(EnrolmentImport).order_by(EnrolmentImport.id.desc()))
    summary = imports.summary(upload)
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    button = re.search(r"Import (\d+) learners?\b", html.unescape(preview.get_data(as_text=True)))
    assert (int(button.group(1)) if button else 0) == summary.to_import
    # A "new" row whose address has an account in another organisation is shown as new
    # but left alone on confirming: no account is made and nobody is enrolled.
    taken = set(db.session.scalars(sa.select(User.email)))
    elsewhere = [
        r for r in upload.rows if r["status"] == "new" and normalise_email(r["email"]) in taken
    ]
    confirmed = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    _status_ok(confirmed.status_code, {200, 303})
    assert confirmed.status_code == (200 if summary.to_import else 303)
    assert count(User) == users + summary.new - len(elsewhere)
    assert cohort_enrolments(cohort.id) == enrolled + summary.to_import - len(elsewhere)
    in_cohort = set(db.session.scalars(
        sa.select(User.email).join(Enrolment).where(Enrolment.cohort_id == cohort.id)
    ))  # fmt: skip
    rows = [row for row in upload.rows if row["status"] in imports.WILL_IMPORT]
    imported = {normalise_email(row["email"]) for row in rows if row not in elsewhere}
    assert imported <= in_cohort
    assert not {normalise_email(row["email"]) for row in elsewhere} & in_cohort
