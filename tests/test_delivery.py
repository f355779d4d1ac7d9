"""The learner's experience of the course: enrolment, pages, progress, resume, checks."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from courseapp.accounts.models import Role, User
from courseapp.catalogue import course, timing
from courseapp.clock import clock
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from tests.conftest import login


def progress_rows(user):
    return {
        row.module_id: row
        for row in db.session.scalars(
            sa.select(ModuleProgress).where(ModuleProgress.user_id == user.id)
        )
    }


def answers_for(check, right=True):
    data = {}
    for question in check.questions:
        chosen = [o.id for o in question.options if o.correct == right]
        data[f"q-{question.id}"] = chosen if question.kind == "multiple" else chosen[:1]
    return data


def test_registration_enrols_by_job_role(client, make_org):
    org = make_org(teams=("A",))
    for email, job_role, pathway in [
        ("teacher@example.org", "TEACHER", "briefing"),
        ("sw@example.org", "SOCIAL_WORKER", "core"),
    ]:
        visitor = client.application.test_client()
        visitor.post(
            f"/register/{org.join_code}",
            data={
                "name": "New Person",
                "email": email,
                "job_role": job_role,
                "team": "none",
                "password": "kettle lantern orchard",
            },
        )
        enrolled = db.session.scalar(
            sa.select(Enrolment.pathway_id).join(User).where(User.email == email)
        )
        assert enrolled == pathway


def test_overview_lists_modules_with_status_and_time(client, make_learner):
    user = make_learner()
    login(client, user)
    client.get("/modules/welcome")
    page = client.get("/pathways/core").get_data(as_text=True)
    # pre-test, rewording exercises, post-test, certificate
    assert page.count('class="govuk-task-list__item') == 11 + 4
    assert "In progress" in page and page.count("Not started") == 11  # and the rewordings
    assert f"{course().modules['welcome'].minutes} minutes" in page
    assert "Continue where you left off" in page


def test_module_pages_have_contents_and_previous_next(client, make_learner):
    user = make_learner()
    login(client, user)
    module = course().modules["why-change"]
    overview = client.get("/modules/why-change").get_data(as_text=True)
    for objective in module.meta.objectives:
        assert str(escape(objective)) in overview
    first, second = module.parts[0], module.parts[1]
    page = client.get(f"/modules/why-change/{first.slug}").get_data(as_text=True)
    assert 'aria-current="page"' in page and str(escape(first.title)) in page
    assert f'href="/modules/why-change/{second.slug}"' in page  # next
    assert 'href="/modules/why-change"' in page  # previous: the overview
    check = client.get("/modules/why-change/check").get_data(as_text=True)
    assert 'href="/modules/three-principles"' in check  # next module in the pathway


def test_unknown_module_or_part_is_404(client, make_learner):
    login(client, make_learner())
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.get("/modules/welcome/no-such-part").status_code == 404
    assert client.get("/pathways/nowhere").status_code == 404


def test_pages_need_signing_in(client):
    assert client.get("/modules/welcome").status_code == 302
    assert client.get("/pathways/core").status_code == 302


def test_progress_records_the_last_part_and_resumes_there(client, make_learner):
    user = make_learner()
    login(client, user)
    module = course().modules["three-principles"]
    client.get("/modules/three-principles")
    client.get(f"/modules/three-principles/{module.parts[2].slug}")
    row = progress_rows(user)["three-principles"]
    assert row.last_part == module.parts[2].slug and row.completed_at is None
    home = client.get("/").get_data(as_text=True)
    assert f'href="/modules/three-principles/{module.parts[2].slug}"' in home
    assert str(escape(module.parts[2].title)) in home


def test_a_part_since_merged_away_resumes_at_the_module_overview(client, make_learner):
    """Progress keeps the part's slug; when a later version of the module merges or
    renames that part, "Continue where you left off" opens the module, not a 404."""
    user = make_learner()
    login(client, user)
    client.get(f"/modules/three-principles/{course().modules['three-principles'].parts[1].slug}")
    db.session.execute(sa.update(ModuleProgress).values(last_part="a-part-no-longer-there"))
    db.session.commit()
    for page in ("/", "/pathways/core"):
        text = client.get(page).get_data(as_text=True)
        assert 'href="/modules/three-principles"' in text and "no-longer-there" not in text
    assert client.get("/modules/three-principles").status_code == 200


def test_reading_the_same_page_again_writes_nothing(client, make_learner, count_queries):
    """Progress is written when the learner moves, not on every page view: a reload, or
    coming back to where they last were, leaves the row as it is."""
    user = make_learner()
    login(client, user)
    welcome, principles = course().modules["welcome"], course().modules["three-principles"]
    page = f"/modules/three-principles/{principles.parts[1].slug}"
    client.get(page)
    with count_queries() as statements:
        assert client.get(page).status_code == 200
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    client.get(f"/modules/welcome/{welcome.parts[0].slug}")  # elsewhere, then back
    client.get(page)
    rows = progress_rows(user)
    assert rows["three-principles"].updated_at >= rows["welcome"].updated_at
    home = client.get("/").get_data(as_text=True)
    assert f'href="{page}"' in home  # "Continue where you left off" follows the learner


def test_knowledge_check_gives_feedback_and_completes_the_module(client, make_learner):
    """Feedback after every try; the module is complete once every answer is right and
    every part has been opened, in either order."""
    user = make_learner()
    login(client, user)
    check = course().checks["kc-welcome"]
    response = client.post("/modules/welcome/check", data=answers_for(check, right=False))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"You answered 0 of {len(check.questions)} questions right" in page
    wrong = next(o for o in check.questions[0].options if not o.correct)
    assert str(escape(wrong.feedback)) in page
    assert "Your answer is not quite right" in page and "You chose this." in page
    assert progress_rows(user)["welcome"].completed_at is None  # a wrong answer
    again = client.post("/modules/welcome/check", data=answers_for(check)).get_data(as_text=True)
    assert f"You answered {len(check.questions)} of {len(check.questions)} questions" in again
    # The banner is HTML, not its tags shown as text, and links the parts not yet read.
    assert '<p class="govuk-notification-banner__heading">You answered' in again
    assert "&lt;p" not in again
    first = course().modules["welcome"].parts[0]
    assert f'<a class="govuk-link" href="/modules/welcome/{first.slug}">' in again
    assert progress_rows(user)["welcome"].completed_at is None  # no part opened yet
    for part in course().modules["welcome"].parts:
        client.get(f"/modules/welcome/{part.slug}")
    assert progress_rows(user)["welcome"].completed_at is not None
    overview = client.get("/pathways/core").get_data(as_text=True)
    assert "Completed" in overview


@pytest.fixture
def fixed_clock():
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    yield clock
    clock.reset()


def test_a_module_clicked_through_in_seconds_is_not_complete(
    app, client, make_learner, fixed_clock
):
    """Every part opened and every answer right within a minute of opening the module
    does not complete it: the check counts once the module has been open a third of its
    reading time, and the learner is told how much longer that is."""
    app.config["MODULE_MINIMUM_READING_SHARE"] = 1 / 3
    user = make_learner()
    login(client, user)
    module = course().modules["welcome"]
    for part in module.parts:
        client.get(f"/modules/welcome/{part.slug}")
    fixed_clock.advance(timedelta(seconds=50))
    check = course().checks["kc-welcome"]
    early = client.post("/modules/welcome/check", data=answers_for(check)).get_data(as_text=True)
    needed = module.words / timing.WORDS_PER_MINUTE / 3  # minutes
    assert needed > 2
    left = math.ceil(needed - 50 / 60)
    assert f"check your answers again in about {left} minutes" in early
    assert "This module is now complete" not in early
    row = progress_rows(user)["welcome"]
    assert row.check_passed_at is None and row.completed_at is None
    fixed_clock.advance(timedelta(minutes=needed))
    later = client.post("/modules/welcome/check", data=answers_for(check)).get_data(as_text=True)
    assert "This module is now complete" in later
    assert progress_rows(user)["welcome"].completed_at is not None


def test_modules_opened_all_at_once_do_not_read_side_by_side(
    app, client, make_learner, fixed_clock
):
    """A module's reading time runs from when it was opened or, if later, from when the
    learner last passed another module's check: eleven modules opened together and
    left for a few minutes are not all done at once."""
    app.config["MODULE_MINIMUM_READING_SHARE"] = 1 / 3
    user = make_learner()
    login(client, user)
    welcome, principles = course().modules["welcome"], course().modules["three-principles"]
    for module in (welcome, principles):
        for part in module.parts:
            client.get(f"/modules/{module.id}/{part.slug}")
    needed = [m.words / timing.WORDS_PER_MINUTE / 3 for m in (welcome, principles)]
    fixed_clock.advance(timedelta(minutes=max(needed) + 1))  # both have been open long enough
    for module in (welcome, principles):
        check = course().checks[module.meta.knowledge_check]
        client.post(f"/modules/{module.id}/check", data=answers_for(check))
    rows = progress_rows(user)
    assert rows["welcome"].completed_at is not None
    assert rows["three-principles"].completed_at is None  # its time starts at welcome's pass
    fixed_clock.advance(timedelta(minutes=needed[1]))
    check = course().checks[principles.meta.knowledge_check]
    client.post("/modules/three-principles/check", data=answers_for(check))
    assert progress_rows(user)["three-principles"].completed_at is not None


def test_unanswered_question_keeps_answers_and_does_not_complete(client, make_learner):
    user = make_learner()
    login(client, user)
    check = course().checks["kc-why-change"]
    data = answers_for(check)
    missing = f"q-{check.questions[-1].id}"
    data.pop(missing)
    page = client.post("/modules/why-change/check", data=data).get_data(as_text=True)
    assert "There is a problem" in page and f'href="#{missing}"' in page
    assert "checked" in page
    assert (
        "why-change" not in progress_rows(user) or not progress_rows(user)["why-change"].completed
    )


def test_tampered_knowledge_check_is_400_and_records_nothing(client, make_learner):
    user = make_learner()
    login(client, user)
    check = course().checks["kc-welcome"]
    question = check.questions[0]
    for bad in (
        {f"q-{question.id}": "no-such-option"},
        {"q-someone-elses-question": "a"},
        {f"q-{question.id}": [o.id for o in question.options]} if question.kind == "single" else {},
    ):
        if not bad:
            continue
        data = answers_for(check) | bad
        assert client.post("/modules/welcome/check", data=data).status_code == 400
    assert "welcome" not in progress_rows(user)


def test_printable_version_has_every_part(client, make_learner):
    login(client, make_learner())
    module = course().modules["evidence"]
    page = client.get("/modules/evidence/print").get_data(as_text=True)
    assert all(str(escape(part.title)) in page for part in module.parts)


def test_glossary_page_defines_every_term(client):
    page = client.get("/glossary").get_data(as_text=True)
    for term in course().glossary.values():
        assert f'id="{term.id}"' in page


def test_two_tabs_recording_progress_at_once_keep_one_row(client, make_learner, app):
    user = make_learner()
    login(client, user)
    other_tab = app.test_client()
    other_tab.set_cookie("session", client.get_cookie("session").value)
    client.get("/modules/welcome")
    other_tab.get("/modules/welcome")
    assert len(progress_rows(user)) == 1


def test_coordinators_can_preview_pathways(client, make_user):
    login(client, make_user(role=Role.COORDINATOR))
    assert "Briefing for schools and early years" in client.get("/pathways").get_data(as_text=True)
    assert client.get("/pathways/briefing").status_code == 200
