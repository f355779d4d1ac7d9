"""Parallel forms (assignment, alternation, no leaks after a failed post-test) and the
completion rule (parts opened and the check right), on the learner's pages and in the
coordinator's reports."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from courseapp.accounts.models import Role, User
from courseapp.assessment import attempts, journey
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.cohorts.members import member_statuses
from courseapp.cohorts.models import Cohort
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.content import services as content
from courseapp.content.completion import module_complete
from courseapp.content.forms import field_name as check_field
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.privacy.export import _attempts
from courseapp.reports import data as report_data
from courseapp.reports import services as reports
from courseapp.rewording import reviewing
from courseapp.rewording.engine import NEEDS_WORK
from courseapp.rewording.models import Response
from tests.conftest import complete_the_work, login, right_answers


def core():
    return content.course().pathways["core"]


def take(client, attempt, answers_for_page):
    for number, entries in enumerate(attempts.pages(attempt), start=1):
        client.post(f"/attempts/{attempt.id}/pages/{number}", data=answers_for_page(entries))
    return client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})


# -- Form assignment ------------------------------------------------------------------


def test_form_orders_are_balanced_in_each_cohort_and_organisation(make_org, make_user, any_db_app):
    first, second = make_org(name="First"), make_org(name="Second")
    cohort = Cohort(name="Spring", organisation_id=first.id, pathway_id="core")
    db.session.add(cohort)
    db.session.flush()
    for n in range(9):
        content.enrol(make_user(email=f"a{n}@example.org", organisation=first), core())
        content.enrol(make_user(email=f"b{n}@example.org", organisation=second), core())
    for n in range(7):
        enrol_in_cohort(make_user(email=f"c{n}@example.org", organisation=first),
                        cohort, core())  # fmt: skip
    db.session.commit()
    in_cohort = Counter(
        db.session.scalars(sa.select(Enrolment.form_order).where(Enrolment.cohort_id == cohort.id))
    )
    assert in_cohort[0] + in_cohort[1] == 7 and abs(in_cohort[0] - in_cohort[1]) == 1
    for org in (first, second):
        counts = Counter(
            db.session.scalars(
                sa.select(Enrolment.form_order)
                .join(User, User.id == Enrolment.user_id)
                .where(User.organisation_id == org.id, Enrolment.cohort_id.is_(None))
            )
        )
        assert counts[0] + counts[1] == 9 and abs(counts[0] - counts[1]) == 1


def test_learners_enrolling_at_once_still_alternate(any_db_url, tmp_path):
    """Twenty enrolments in one group from twenty threads: ten of each order."""
    from tests.conftest import app_with_schema, build_app

    app = build_app(any_db_url, tmp_path)
    with app_with_schema(app), app.app_context():
        from courseapp.accounts.models import Role, User

        users = [User(name=f"L{n}", email=f"l{n}@example.org", role=Role.LEARNER)
                 for n in range(20)]  # fmt: skip
        db.session.add_all(users)
        db.session.commit()
        ids = [u.id for u in users]
        db.session.remove()
    barrier, errors = threading.Barrier(20), []

    def enrol(user_id):
        try:
            with app.app_context():
                from courseapp.accounts.models import User

                barrier.wait()
                content.enrol(db.session.get(User, user_id), content.course().pathways["core"])
                db.session.commit()
                db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=enrol, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        counts = Counter(db.session.scalars(sa.select(Enrolment.form_order)))
        db.session.remove()
        db.engine.dispose()
    assert counts == {0: 10, 1: 10}


@pytest.mark.parametrize("order", [0, 1])
def test_post_test_is_never_the_pre_test_form_and_retakes_alternate(app, make_learner, order):
    app.config["POST_TEST_ATTEMPTS"] = 3
    user = make_learner(modules=True)
    db.session.execute(sa.update(Enrolment).values(form_order=order))
    forms = core().definition.test_forms
    pre = attempts.attempts(user, core(), Phase.PRE)[0]
    if pre.test_id != forms[order]:  # made before the order was set: take it again
        db.session.delete(pre)
        db.session.flush()
        pre = attempts.start_or_resume(user, core(), Phase.PRE)
        attempts.submit(pre, 70)
    assert pre.test_id == forms[order]
    taken = []
    for _ in range(3):
        post = attempts.start_or_resume(user, core(), Phase.POST)
        attempts.submit(post, 70)
        taken.append(post.test_id)
    assert taken == [forms[1 - order], forms[order], forms[1 - order]]
    assert taken[0] != pre.test_id


# -- Results without leaks ------------------------------------------------------------


def test_failed_post_test_shows_areas_and_modules_but_no_answers_and_retake_is_other_form(
    client, make_learner
):
    user = make_learner(modules=True)
    login(client, user)
    pre_form = attempts.attempts(user, core(), Phase.PRE)[0].test_id
    client.post("/pathways/core/tests/post")
    attempt = db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST))
    assert attempt.test_id != pre_form
    response = take(client, attempt, lambda entries: MultiDict())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your score: <strong>0%</strong>" in page
    assert "(right answer)" not in page and "Right answer" not in page
    assert 'class="app-review"' not in page
    for item in attempts.test_of(attempt).items:
        assert item.stem not in page  # no question is reviewed at all
    bank = content.course().bank
    for form_id in core().definition.test_forms:
        for item in bank.tests[form_id].items:
            assert item.explanation[:50] not in page
    assert "Modules to go back to" in page
    for module in core().modules:
        if module.meta.teaches:
            assert f'href="/modules/{module.id}"' in page
    assert "Principle 1" in page  # the score by area
    # Nothing in the learner's data export gives the marks away either.
    exported = _attempts(user, content.course())
    assert all(a["mark"] is None for x in exported for a in x["answers"])
    # The retake is the other form: the one the learner had as a pre-test.
    client.post("/pathways/core/tests/post")
    retake = db.session.scalars(
        sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST).order_by(TestAttempt.number)
    ).all()[-1]
    assert retake.number == 2 and retake.test_id == pre_form
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_passed_post_test_shows_every_explanation(client, make_learner):
    login(client, make_learner(modules=True))
    client.post("/pathways/core/tests/post")
    attempt = db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST))
    response = take(client, attempt, lambda entries: right_answers(None, entries))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    test = attempts.test_of(attempt)
    assert page.count('class="app-review"') == len(test.items)
    assert "Modules to go back to" not in page


def test_check_page_counts_unanswered_and_a_post_test_with_gaps_needs_confirming(
    client, make_learner
):
    login(client, make_learner(modules=True))
    client.post("/pathways/core/tests/post")
    attempt = db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST))
    total = sum(len(page) for page in attempts.pages(attempt))
    page = client.get(f"/attempts/{attempt.id}/check").get_data(as_text=True)
    assert f"You have not answered {total} questions" in page
    assert page.index("You have not answered") < page.index("govuk-summary-list")
    assert 'name="confirm_unanswered"' in page
    refused = client.post(f"/attempts/{attempt.id}/submit")
    assert refused.status_code == 200
    assert "Confirm that you want to submit with questions unanswered" in refused.get_data(
        as_text=True
    )
    db.session.refresh(attempt)
    assert not attempt.submitted
    accepted = client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})
    assert accepted.status_code == 303
    db.session.refresh(attempt)
    assert attempt.submitted


def test_a_pre_test_is_submitted_only_with_every_question_answered(client, make_learner):
    """A blank pre-test scores 0 where guessing scores about a third, so that the gain
    the reports show would be larger than what was learnt, even confirmed: the learner is
    asked for a best guess on every question, told which are left and taken to the first.
    Self-ratings, which are not scored, may still be left out once confirmed."""
    login(client, make_learner(pre_test=False))
    client.post("/pathways/core/tests/pre")
    attempt = db.session.scalar(sa.select(TestAttempt))
    pages = attempts.pages(attempt)
    questions = [e for page_entries in pages for e in page_entries if not attempts.is_rating(e)]
    page = client.get(f"/attempts/{attempt.id}/check").get_data(as_text=True)
    assert "Answer every question before you submit the pre-test" in page
    assert f"{len(questions)} questions are not answered yet" in page
    assert "choose the answer that seems most likely" in page
    assert 'name="confirm_unanswered"' not in page and "Submit pre-test" not in page
    refused = client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})
    assert refused.status_code == 200
    db.session.refresh(attempt)
    assert not attempt.submitted

    for number, entries in enumerate(pages, start=1):
        answered = [e for e in entries if e is not questions[-1] and not attempts.is_rating(e)]
        if answered:
            url = f"/attempts/{attempt.id}/pages/{number}"
            client.post(url, data=right_answers(None, answered))
    page = client.get(f"/attempts/{attempt.id}/check").get_data(as_text=True)
    assert f"Question {len(questions)} is not answered yet" in page
    last_page = next(n for n, entries in enumerate(pages, 1) if questions[-1] in entries)
    assert f'href="/attempts/{attempt.id}/pages/{last_page}"' in page
    assert f"Answer question {len(questions)}" in page

    client.post(
        f"/attempts/{attempt.id}/pages/{last_page}",
        data=right_answers(None, [e for e in pages[last_page - 1] if not attempts.is_rating(e)]),
    )
    page = client.get(f"/attempts/{attempt.id}/check").get_data(as_text=True)
    assert 'name="confirm_unanswered"' in page  # the self-ratings are still blank
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 200
    confirmed = client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})
    assert confirmed.status_code == 303
    db.session.refresh(attempt)
    assert attempt.submitted and attempt.score == 1


def test_a_sorting_question_partly_answered_is_not_answered_on_a_pre_test(client, make_learner):
    """One statement placed and the rest left: the check page says partly answered, and
    the pre-test is not submitted until every statement is placed."""
    from courseapp.catalogue.kinds import field_name

    login(client, make_learner(pre_test=False))
    client.post("/pathways/core/tests/pre")
    attempt = db.session.scalar(sa.select(TestAttempt))
    pages = attempts.pages(attempt)
    for number, entries in enumerate(pages, start=1):
        questions = [e for e in entries if not attempts.is_rating(e)]
        if questions:
            client.post(
                f"/attempts/{attempt.id}/pages/{number}", data=right_answers(None, questions)
            )
    number, sorting = next(
        (n, e) for n, entries in enumerate(pages, 1) for e in entries
        if getattr(e, "kind", "") == "classification"
    )  # fmt: skip
    data = right_answers(None, [e for e in pages[number - 1] if e is not sorting])
    first = sorting.statements[0]
    data.add(field_name(sorting.id, first.id), first.answer)
    client.post(f"/attempts/{attempt.id}/pages/{number}", data=data)
    page = client.get(f"/attempts/{attempt.id}/check").get_data(as_text=True)
    assert "Partly answered" in page and "is not answered yet" in page
    refused = client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})
    assert refused.status_code == 200
    db.session.refresh(attempt)
    assert not attempt.submitted


# -- Completion -----------------------------------------------------------------------


def check_answers(check, right: bool) -> dict:
    data = {}
    for question in check.questions:
        wrong = [o.id for o in question.options if not o.correct]
        chosen = sorted(question.correct_ids) if right else wrong[:1]
        data[check_field(question.id)] = chosen
    return data


def completed(user, module) -> bool:
    row = content.progress_by_module(user).get(module.id)
    return row is not None and row.completed


def test_a_module_is_complete_only_with_every_part_opened_and_the_check_right(client, make_learner):
    user = make_learner()
    login(client, user)
    module = content.course().modules["harm-to-children"]
    check = content.course().checks[module.meta.knowledge_check]
    url = f"/modules/{module.id}/check"
    # The check right without reading: not complete.
    page = client.post(url, data=check_answers(check, right=True)).get_data(as_text=True)
    assert not completed(user, module)
    assert "open the parts you have not read yet" in page
    # Every part but the last opened: still not complete.
    for part in module.parts[:-1]:
        assert client.get(f"/modules/{module.id}/{part.slug}").status_code == 200
    assert not completed(user, module)
    client.get(f"/modules/{module.id}/{module.parts[-1].slug}")
    assert completed(user, module)  # the check was already passed


def test_wrong_answers_do_not_complete_a_module_and_tries_are_unlimited(client, make_learner):
    user = make_learner()
    login(client, user)
    module = content.course().modules["protective-efforts"]
    check = content.course().checks[module.meta.knowledge_check]
    for part in module.parts:
        client.get(f"/modules/{module.id}/{part.slug}")
    for _ in range(3):
        page = client.post(f"/modules/{module.id}/check", data=check_answers(check, False))
        assert "You chose this." in page.get_data(as_text=True)  # feedback after each try
        assert "You missed this right answer" not in page.get_data(as_text=True)
        assert not completed(user, module)
    page = client.post(f"/modules/{module.id}/check", data=check_answers(check, True))
    assert "This module is now complete" in page.get_data(as_text=True)
    assert completed(user, module)


def test_reports_and_the_learners_page_agree_on_completion(app, make_org, make_user):
    """Learners at every stage: the reports' status and module counts (summed in SQL)
    are what each learner's own page works out (content.completion)."""
    org = make_org()
    pathway = core()

    def learner(n):
        user = make_user(email=f"s{n}@example.org", organisation=org)
        content.enrol(user, pathway)
        return user

    stages = []
    nothing = learner(0)
    stages.append(nothing)
    pre_only = learner(1)
    attempts.submit(attempts.start_or_resume(pre_only, pathway, Phase.PRE), 70)
    stages.append(pre_only)
    partial = learner(2)
    attempts.submit(attempts.start_or_resume(partial, pathway, Phase.PRE), 70)
    for module in pathway.modules[:4]:
        content.record_completion(partial, module)
    module = pathway.modules[5]
    content.record_reading(partial, module, module.parts[0].slug)  # opened, not complete
    stages.append(partial)
    no_rewordings = learner(3)
    attempts.submit(attempts.start_or_resume(no_rewordings, pathway, Phase.PRE), 70)
    for module in pathway.modules:
        content.record_completion(no_rewordings, module)
    stages.append(no_rewordings)
    failed = learner(4)
    attempts.submit(attempts.start_or_resume(failed, pathway, Phase.PRE), 70)
    complete_the_work(failed, pathway)
    attempts.submit(attempts.start_or_resume(failed, pathway, Phase.POST), 70)
    stages.append(failed)

    def certified(n):
        user = learner(n)
        attempts.submit(attempts.start_or_resume(user, pathway, Phase.PRE), 70)
        complete_the_work(user, pathway)
        post = attempts.start_or_resume(user, pathway, Phase.POST)
        test = attempts.test_of(post)
        form = right_answers(test, list(test.items))
        attempts.save_answers(post, attempts.parse_page(list(test.items), form))
        attempts.submit(post, 70)
        assert journey.award_certificate(user, pathway, post) is not None
        return user

    stages.append(certified(5))
    # Certified, then a coordinator finds one of the rewordings needs work after all: the
    # certificate stands and so does completion (an outside probe found the reports and
    # the cohort page disagreeing here).
    overturned = certified(6)
    reviewer = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    response = db.session.scalar(sa.select(Response).where(Response.user_id == overturned.id))
    reviewing.add_note(response, reviewer, None, "This still blames her.", NEEDS_WORK)
    stages.append(overturned)
    cohort = create_cohort(org, "Spring", "core")
    for user in stages:
        enrol_in_cohort(user, cohort, pathway)
    db.session.commit()

    loaded = report_data.load(report_data.Filters(pathway_id="core", organisation_ids=None))
    rows = {row.learner.id: row for row in reports.learner_rows(loaded, pathway)}
    statuses = []
    for user in stages:
        own = journey.journey(user, pathway)
        row = rows[user.id]
        assert row.learner.modules_completed == own.progress.completed
        assert (row.status == "completed") == own.completion.complete
        statuses.append(row.status)
        # The SQL count of completed modules is the rule applied part by part.
        for m in pathway.modules:
            progress = db.session.scalar(
                sa.select(ModuleProgress).where(
                    ModuleProgress.user_id == user.id, ModuleProgress.module_id == m.id
                )
            )
            rule = module_complete(
                m, content.visited_parts(user, m),
                progress is not None and progress.check_passed_at is not None,
            )  # fmt: skip
            assert (progress is not None and progress.completed) == rule
    assert statuses == ["not started", "in progress", "in progress", "in progress",
                        "in progress", "completed", "completed"]  # fmt: skip
    board = reports.dashboard(loaded.filters, pathway)
    # The dashboard counts what was kept when each learner's data changed: the same rule.
    assert (board.completion.not_started, board.completion.in_progress) == (1, 4)
    assert board.completion.completed == 2
    # The cohort page too.
    members = member_statuses(cohort, stages, [m.id for m in pathway.modules])
    assert [members[user.id].label.lower() for user in stages] == statuses
