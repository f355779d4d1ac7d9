"""The CPD record: reflections on modules and courses (written, changed, shared and
unshared), what coordinators may see, and the record as a page, a PDF and a CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate, Phase
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.content.services import record_completion
from courseapp.cpd import exports, services
from courseapp.cpd.exports import CSV_HEADER
from courseapp.cpd.forms import MAX_ANSWER, MAX_PEER
from courseapp.cpd.models import Reflection
from courseapp.extensions import db
from courseapp.forms import TAMPERED_MESSAGE
from courseapp.privacy import retention
from courseapp.privacy.erasure import erase_learner
from tests.conftest import login
from tests.learner_records import take_test
from tests.test_faults import STALE, _chosen, _post_with_a_stale_token

LEARNT = "Naming the father's choices keeps the focus where it belongs & <b>not</b> on mum."
PRACTICE = "I will write case notes that describe his pattern of behaviour."
PEER = "Talked it through with my supervisor in our monthly session."


@pytest.fixture
def world(make_org, make_user, make_learner):
    org, other = make_org(name="Northshire Council"), make_org(name="Southvale Council")
    learner = make_learner(organisation=org, name="Ada Lovell")
    module = course().pathways["core"].modules[0]
    record_completion(learner, module)
    db.session.commit()
    return SimpleNamespace(
        org=org,
        learner=learner,
        module=module,
        colleague=make_learner(organisation=org),
        coordinator=make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)),
        other_coordinator=make_user(role=Role.COORDINATOR, organisation=other, covers=(other,)),
        admin=make_user(role=Role.ADMIN),
    )


def url(module) -> str:
    return f"/cpd/module/{module.id}/reflection"


def reflection(world) -> Reflection | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Reflection).where(Reflection.user_id == world.learner.id))


def answers(**changes) -> dict:
    return {"learnt": LEARNT, "practice": PRACTICE, "peer": PEER} | changes


# -- Writing, changing, sharing -------------------------------------------------------


def test_a_learner_writes_a_reflection_on_a_completed_module(client, world):
    login(client, world.learner)
    check = client.get(f"/modules/{world.module.id}/check").get_data(as_text=True)
    assert f'href="{url(world.module)}"' in check  # the module's end invites a reflection
    page = client.get(url(world.module))
    assert page.status_code == 200
    assert "optional" in page.get_data(as_text=True)
    response = client.post(url(world.module), data=answers())
    assert response.status_code == 303 and response.headers["Location"] == "/cpd/"
    saved = reflection(world)
    assert (saved.learnt, saved.practice, saved.peer, saved.shared) == (
        LEARNT, PRACTICE, PEER, False,
    )  # fmt: skip
    assert (saved.activity, saved.activity_id) == ("module", world.module.id)
    record = client.get("/cpd/").get_data(as_text=True)
    assert "the focus where it belongs &amp; &lt;b&gt;not&lt;/b&gt; on mum." in record
    assert "<b>not</b>" not in record  # escaped, never markup
    assert "No, private to you" in record


def test_a_reflection_is_changed_in_place_and_sent_twice_is_still_one(client, world):
    login(client, world.learner)
    for _ in range(2):  # a double click
        assert client.post(url(world.module), data=answers()).status_code == 303
    first = reflection(world)
    form = client.get(url(world.module)).get_data(as_text=True)
    assert "Talked it through with my supervisor" in form  # filled in to change
    client.post(url(world.module), data=answers(practice="Something else", peer=""))
    changed = reflection(world)
    assert db.session.scalar(sa.select(sa.func.count(Reflection.id))) == 1
    assert changed.id == first.id and changed.practice == "Something else" and changed.peer == ""


def test_a_reflection_is_not_offered_before_the_module_is_complete(client, world):
    login(client, world.learner)
    later = course().pathways["core"].modules[1]
    response = client.post(url(later), data=answers())
    assert response.status_code == 302 and response.headers["Location"] == f"/modules/{later.id}"
    assert reflection(world) is None
    assert client.get("/cpd/module/no-such-module/reflection").status_code == 404
    assert client.get("/cpd/pathway/core/reflection").status_code == 302  # not finished


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"learnt": "", "practice": " ", "peer": ""}, "Write at least one answer before you save"),
        (answers(learnt="x" * (MAX_ANSWER + 1)), "What you learnt must be 1,000 characters"),
        (answers(practice="x" * (MAX_ANSWER + 1)), "How you will use it must be 1,000 characters"),
        (answers(peer="x" * (MAX_PEER + 1)), "Who you discussed it with must be 500 characters"),
    ],
)  # fmt: skip
def test_empty_or_too_long_answers_are_refused_with_a_clear_error(client, world, data, message):
    login(client, world.learner)
    response = client.post(url(world.module), data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    assert reflection(world) is None


@pytest.mark.parametrize(
    "extra",
    [{"shared": "yes-please"}, {"user_id": "1"}, {"learnt": ["one", "two"]}],
)
def test_a_tampered_form_is_refused(client, world, extra):
    login(client, world.learner)
    response = client.post(url(world.module), data=answers() | extra)
    assert response.status_code == 400
    assert TAMPERED_MESSAGE.split(".")[0] in response.get_data(as_text=True)
    assert reflection(world) is None


def _shared_on_record(client, world) -> bool:
    page = client.get(f"/reports/learners/{world.learner.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Reflections shared with you" in text
    return "Talked it through with my supervisor" in text


def test_only_shared_reflections_reach_the_coordinator_and_only_in_scope(client, world):
    login(client, world.learner)
    client.post(url(world.module), data=answers())  # private
    client.post("/logout")
    login(client, world.coordinator)
    assert not _shared_on_record(client, world)
    assert "Ada Lovell has not shared any reflections" in client.get(
        f"/reports/learners/{world.learner.id}"
    ).get_data(as_text=True)
    client.post("/logout")

    login(client, world.learner)
    client.post(url(world.module), data=answers(shared="y"))
    assert reflection(world).shared
    client.post("/logout")
    for person in (world.coordinator, world.admin):
        login(client, person)
        assert _shared_on_record(client, world)
        client.post("/logout")
    login(client, world.other_coordinator)
    assert client.get(f"/reports/learners/{world.learner.id}").status_code == 404
    client.post("/logout")

    login(client, world.learner)
    client.post(url(world.module), data=answers())  # the tick taken away: unshared
    assert not reflection(world).shared
    client.post("/logout")
    login(client, world.coordinator)
    assert not _shared_on_record(client, world)


def test_a_learner_sees_only_their_own_record(client, world):
    login(client, world.learner)
    client.post(url(world.module), data=answers(shared="y"))
    client.post("/logout")
    login(client, world.colleague)
    for path in ("/cpd/", "/cpd/record.csv"):
        assert "Talked it through" not in client.get(path).get_data(as_text=True)
    assert reflection(world).learnt == LEARNT


# -- The record and its downloads -----------------------------------------------------


@pytest.fixture
def finished(world):
    """The learner has finished the course: every module, the tests and a certificate,
    issued when the course took 600 minutes (its hours stay those, whatever the course
    takes now)."""
    pathway = course().pathways["core"]
    for module in pathway.modules:
        record_completion(world.learner, module)
    post = take_test(world.learner, Phase.POST)
    certificate = Certificate(user_id=world.learner.id, pathway_id="core", attempt_id=post.id,
                              minutes=600)  # fmt: skip
    db.session.add(certificate)
    db.session.commit()
    return SimpleNamespace(pathway=pathway, certificate=certificate)


def test_the_record_lists_modules_and_the_course_with_dates_hours_and_tests(
    client, world, finished
):
    login(client, world.learner)
    assert "/cpd/pathway/core/reflection" in client.get("/pathways/core").get_data(as_text=True)
    client.post("/cpd/pathway/core/reflection", data=answers(peer=""))
    client.post(url(world.module), data=answers())
    record = services.cpd_record(world.learner)
    pathway = finished.pathway
    assert [e.activity_id for e in record.entries] == [m.id for m in pathway.modules] + ["core"]
    whole = record.entries[-1]
    assert (whole.minutes, whole.hours) == (600, 10.0) != (pathway.minutes, pathway.cpd_hours)
    assert any(line.startswith("Post-test taken") and "passed" in line for line in whole.details)
    assert f"Certificate {finished.certificate.code}" in whole.details[-1]
    assert (record.reflections, record.with_peer_reflection) == (2, 1)
    page = client.get("/cpd/").get_data(as_text=True)
    assert "600 minutes (10 CPD hours)" in page
    assert f"{world.module.minutes} minutes" in page
    assert "at least two CPD entries a year" in page
    assert 'href="/cpd/record.pdf"' in page and 'href="/cpd/record.csv"' in page


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as other exports
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_has_one_row_per_activity_in_the_shape_of_a_cpd_entry(client, world, finished):
    login(client, world.learner)
    client.post(url(world.module), data=answers(shared="y"))
    header, *rows = _csv_rows(client.get("/cpd/record.csv"))
    assert header == list(CSV_HEADER)
    assert len(rows) == len(finished.pathway.modules) + 1
    first = dict(zip(header, rows[0], strict=True))
    assert first["activity"] == world.module.title and first["type"] == "Module"
    assert first["what I learnt"] == LEARNT and first["how it affects my practice"] == PRACTICE
    assert first["peer reflection"] == PEER and first["shared with my coordinator"] == "yes"
    assert first["time (minutes)"] == str(world.module.minutes)
    assert first["date completed"]
    last = dict(zip(header, rows[-1], strict=True))
    assert last["type"] == "Whole course"
    assert (last["time (minutes)"], last["time (hours)"]) == ("600", "10.0")
    assert finished.certificate.code in last["tests and certificate"]
    assert last["what I learnt"] == ""


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"])
def test_the_csv_is_safe_against_formulas(client, world, typed):
    login(client, world.learner)
    client.post(url(world.module), data=answers(learnt=typed, peer=typed))
    header, row = _csv_rows(client.get("/cpd/record.csv"))
    cells = dict(zip(header, row, strict=True))
    assert cells["what I learnt"] == "'" + typed and cells["peer reflection"] == "'" + typed


def _text(document) -> str:
    """The words laid out on the PDF's pages, read from WeasyPrint's boxes."""
    found = []

    def walk(box):
        if hasattr(box, "text"):
            found.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(found)


def test_the_pdf_is_a4_with_every_entry_and_reflection(app, client, world, finished):
    login(client, world.learner)
    client.post(url(world.module), data=answers())
    response = client.get("/cpd/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    assert response.data.startswith(b"%PDF") and len(response.data) > 2000
    with app.test_request_context():
        document = exports.record_document(services.cpd_record(world.learner))
    for page in document.pages:
        assert (round(page.width * 25.4 / 96), round(page.height * 25.4 / 96)) == (210, 297)
    text = _text(document)
    for words in ("Naming the father", "case notes", "monthly session", "Ada Lovell",
                  finished.certificate.code, finished.pathway.title):  # fmt: skip
        assert words in text, words
    assert "<b>" in text  # shown as typed, not taken as markup


def test_a_long_record_runs_over_several_pages(app, world, finished):
    for module in finished.pathway.modules:
        services.save_reflection(world.learner, services.Activity.MODULE, module.id,
                                 learnt="L " * 450, practice="P " * 450, peer="Peer " * 90,
                                 shared=False)  # fmt: skip
    db.session.commit()
    with app.test_request_context():
        document = exports.record_document(services.cpd_record(world.learner))
    assert len(document.pages) > 2


def test_the_downloads_need_a_signed_in_person(client):
    for path in ("/cpd/", "/cpd/record.pdf", "/cpd/record.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_retention_purge_leaves_reflections_and_erasure_removes_them(app, world):
    services.save_reflection(world.learner, services.Activity.MODULE, world.module.id,
                             learnt=LEARNT, practice="", peer="", shared=True)  # fmt: skip
    db.session.commit()
    retention.purge(utcnow() + timedelta(days=1))  # everything older than tomorrow
    db.session.commit()
    assert reflection(world).learnt == LEARNT
    erase_learner(world.learner, world.admin)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Reflection.id))) == 0


@STALE
def test_a_typed_reflection_survives_an_expired_session(csrf_app, make_learner, session_gone):
    learner = make_learner()
    module = course().modules["welcome"]
    record_completion(learner, module)
    db.session.commit()
    typed = MultiDict({"learnt": LEARNT, "practice": PRACTICE, "peer": PEER, "shared": "y"})
    page = _post_with_a_stale_token(csrf_app, learner, url(module), typed, session_gone)
    assert set(typed.items()) <= _chosen(page)
    assert db.session.scalar(sa.select(sa.func.count(Reflection.id))) == 0  # shown, not saved
