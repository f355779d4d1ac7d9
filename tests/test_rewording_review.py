"""What the learner saw is kept; rejudging after a rule change; uncertain responses
at the top of the queue; the coordinator's verdict, scoped to their organisations."""

from __future__ import annotations

import dataclasses
import re

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.audit.models import AuditEvent
from courseapp.extensions import db
from courseapp.forms import TAMPERED_MESSAGE
from courseapp.rewording import cli, copies, reviewing, services
from courseapp.rewording.models import Mark, Response
from tests.conftest import login

BLAME = "Why did you let him in when the children were there?"
UNSURE = "Sara and the children were at home on Tuesday evening."


def change_rules(monkeypatch, without: str) -> None:
    """As if a trainer had removed one flag from the rules file."""
    real = services.course()
    rules = real.rewording.rules
    changed = dataclasses.replace(
        rules,
        flags=tuple(r for r in rules.flags if r.id != without),
        version=rules.version + "-changed",
    )
    patched = dataclasses.replace(
        real, rewording=dataclasses.replace(real.rewording, rules=changed)
    )
    for module in (services, reviewing, cli):
        monkeypatch.setattr(module, "course", lambda: patched)


def send(client, text: str, exercise: str = "let-him-in") -> str:
    client.post(f"/practice/{exercise}", data={"text": text})
    return client.get(f"/practice/{exercise}").get_data(as_text=True)


def stored(user) -> list[Response]:
    return list(
        db.session.scalars(
            sa.select(Response).where(Response.user_id == user.id).order_by(Response.version)
        )
    )


def test_findings_are_stored_with_the_rules_version_and_survive_a_rule_change(
    any_db_app, make_learner, monkeypatch
):
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    page = send(client, BLAME)
    assert "Needs work" in page and "Asks the survivor" in page
    (response,) = stored(learner)
    assert response.verdict == "needs_work" and "why-question" in response.flags
    assert {"rule": "why-question", "kind": "flag", "evidence": BLAME[:-1]}.items() <= next(
        f for f in response.findings if f["rule"] == "why-question"
    ).items()
    assert response.rules_version == services.course().rewording.rules.version

    change_rules(monkeypatch, without="why-question")
    page = client.get("/practice/let-him-in").get_data(as_text=True)
    assert "Asks the survivor" in page  # the page shows what was given, not a new judgement

    judged, changes = reviewing.rejudge()
    db.session.commit()
    assert judged == 1 and [c.response_id for c in changes] == [response.id]
    assert changes[0].before == "needs_work" and "why-question" in changes[0].flags_before
    db.session.refresh(response)
    assert "why-question" not in response.flags
    assert response.rules_version.endswith("-changed")
    assert reviewing.rejudge() == (0, [])  # nothing left judged with other rules


def test_rejudge_command_reports_what_changed(app, runner, make_learner, monkeypatch):
    client = app.test_client()
    login(client, make_learner())
    send(client, BLAME)
    change_rules(monkeypatch, without="why-question")
    dry = runner.invoke(args=["rewording", "rejudge", "--dry-run"])
    assert "Judged again: 1 stored versions. Verdict or flags would change: 1." in dry.output
    result = runner.invoke(args=["rewording", "rejudge"])
    assert result.exit_code == 0, result.output
    assert "Verdict or flags changed: 1." in result.output
    assert "let-him-in, version 1" in result.output and "why-question" in result.output
    again = runner.invoke(args=["rewording", "rejudge"])
    assert "Judged again: 0 stored versions" in again.output


# -- A learner's own version of another exercise, with the names changed --------------

TEMPLATE = (
    "{0}, thank you for talking with me today. I can see how much you have done to look "
    "after the children while {1} has been behaving like this. Can you tell me more about "
    "what {1} did, how it affected you and the children, and what has helped you keep "
    "them safe?"
)
# The same with about one word in four changed.
VARIANT = (
    "{0}, thanks for speaking with me this week. I can see how much you have done to "
    "protect the children while {1} has acted like this. Could you tell me more about "
    "what {1} did, how it affected you and the kids, and what has helped you keep them "
    "safe?"
)
OTHER = "your-responsibility-to-keep-them-safe"  # Kirsty and Darren; let-him-in: Sara, Liam


def test_a_version_reused_for_another_exercise_with_the_names_changed_needs_work(
    any_db_app, make_learner
):
    """Found constructive once; the same text with the other case's names and a few
    words changed, sent for another exercise, is not written for that case and does not
    count."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    send(client, TEMPLATE.format("Sara", "Liam"))
    page = send(client, VARIANT.format("Kirsty", "Darren"), OTHER)
    first, second = stored(learner)
    assert first.verdict == "constructive"
    assert (second.verdict, second.flags) == ("needs_work", ["reuses-own"])
    assert "Much the same as your version for another exercise" in page
    assert services.own_elsewhere(learner.id, services.exercise_or_404("let-him-in")) == []
    # Written for this case, it counts.
    send(client, "Kirsty, what happened when Darren shouted at Jack about his homework?", OTHER)
    assert stored(learner)[-1].verdict == "constructive"


SENTENCES = (
    "Thank you for telling me, {0}.",
    "It sounds like {1}'s behaviour has put you and the children in a really difficult position.",
    "Can you tell me what happened when {1} came round, and what you were weighing up?",
    "You know {1} better than anyone: what did you do to keep the children safe, and what "
    "would help you now?",
)
OTHERS = (
    "I am glad you felt able to talk to me about this, {0}.",
    "What {1} has been doing to you and the children is not your fault.",
    "Could you walk me through what {1} has said and done to you over the past few weeks?",
    "What has helped you and the children to feel safer so far, and what support would "
    "you like from us?",
)


def test_a_version_made_of_earlier_sentences_in_another_order_needs_work(any_db_app, make_learner):
    """As an outside check did: one template's sentences reversed for the second
    exercise, and two templates' sentences mixed for the third."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    send(client, " ".join(s.format("Sara", "Liam") for s in SENTENCES))
    send(client, " ".join(s.format("Aisha", "Tariq") for s in reversed(SENTENCES)),
         "threat-of-removal")  # fmt: skip
    send(client, " ".join(s.format("Donna", "Paul") for s in OTHERS), "his-drinking")
    mixed = (OTHERS[0], SENTENCES[2], OTHERS[3], SENTENCES[1], OTHERS[2])
    send(client, " ".join(s.format("Kirsty", "Darren") for s in mixed), OTHER)
    verdicts = [(r.exercise_id, r.verdict, r.flags) for r in stored(learner)]
    assert verdicts == [
        ("let-him-in", "constructive", []),
        ("threat-of-removal", "needs_work", ["reuses-own"]),
        ("his-drinking", "constructive", []),
        (OTHER, "needs_work", ["reuses-own"]),
    ]


def test_a_reused_version_that_did_not_count_is_judged_on_what_it_says(any_db_app, make_learner):
    """Only a version that did its exercise is compared: reusing one that needed work
    gains nothing, and it is judged as any other text."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    send(client, "Why did you let Liam in when you knew what he would do to you?")
    send(client, "Why did you let Darren in when you knew what he would do to you?", OTHER)
    first, second = stored(learner)
    assert first.verdict == second.verdict == "needs_work"
    assert "reuses-own" not in second.flags


def test_a_text_the_coach_cannot_judge_goes_to_a_coordinator_once_not_for_every_exercise(
    any_db_app, make_learner
):
    """As an outside check did: a text naming nobody and nothing of the case, sent to
    every exercise, waited for a coordinator each time. Its first use waits; sent to
    another exercise, it is a reuse of a version still waiting."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    nameless = (
        "Thank you for telling me. None of this is your fault. Can you tell me what he has "
        "been doing, and what you have done to protect the children? What would help you most?"
    )
    send(client, nameless)
    send(client, nameless, OTHER)
    first, second = stored(learner)
    assert (first.verdict, first.flags) == ("uncertain", ["not-this-case"])
    assert (second.verdict, second.flags) == ("needs_work", ["reuses-own"])


def test_words_of_the_case_pasted_around_a_reused_version_do_not_hide_it(
    any_db_app, make_learner, monkeypatch
):
    """As an outside check did: words of the case put around a template, before and
    after it, so that the template was under seven words in ten of the text."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    send(client, TEMPLATE.format("Sara", "Liam"))
    other = services.exercise_or_404(OTHER)
    case = other.case.split()
    text = " ".join((*case[2:14], TEMPLATE.format("Kirsty", "Darren"), *case[18:30]))
    with monkeypatch.context() as without_the_rule:  # without it, the text is praised
        without_the_rule.setattr(copies, "CASE_RUN", 10_000)
        earlier = services.own_elsewhere(learner.id, other)
        assert services.feedback(other, text, earlier).verdict == "constructive"
    send(client, text, OTHER)
    first, second = stored(learner)
    assert first.verdict == "constructive"
    assert (second.verdict, second.flags) == ("needs_work", ["reuses-own"])


def test_rejudging_keeps_the_first_use_of_a_text_and_not_the_reuse(
    any_db_app, make_learner, monkeypatch
):
    """Judged again in the order they were kept, as they were judged when sent."""
    client = any_db_app.test_client()
    learner = make_learner()
    login(client, learner)
    send(client, TEMPLATE.format("Sara", "Liam"))
    send(client, TEMPLATE.format("Kirsty", "Darren"), OTHER)
    change_rules(monkeypatch, without="why-question")
    reviewing.rejudge()
    db.session.commit()
    first, second = stored(learner)
    assert first.verdict == "constructive"
    assert (second.verdict, second.flags) == ("needs_work", ["reuses-own"])


# -- Another learner's words -----------------------------------------------------------

CRIB = (
    "Sara, thank you for telling me about last night. Liam coming round while the children "
    "were there sounds frightening. What did he say and do, and what did you do to keep the "
    "children safe?"
)


def test_a_version_word_for_word_another_learners_needs_work(any_db_app, make_learner):
    """As an outside check did: one crib sheet passed round did the exercises for every
    learner. The first to send a text keeps it; another learner's copy, whatever its
    case, spacing and punctuation, needs work. A short text two people may well both
    write is judged on what it says."""
    first_client, second_client = any_db_app.test_client(), any_db_app.test_client()
    first, second = make_learner(name="First"), make_learner(name="Second")
    login(first_client, first)
    login(second_client, second)
    send(first_client, CRIB)
    page = send(second_client, "  " + CRIB.upper().replace(",", "").replace("?", " ?"))
    assert stored(first)[0].verdict == "constructive"
    assert (stored(second)[0].verdict, stored(second)[0].flags) == ("needs_work", ["shared-text"])
    assert "Word for word what someone else sent" in page and "First" not in page
    # The learner's own words do it; and a short text is not anyone's.
    short = "Sara, what happened when Liam came round last night?"
    send(first_client, short)
    send(second_client, short)
    assert stored(second)[-1].verdict == stored(first)[-1].verdict == "constructive"


# The crib sheet with a word or two changed, as an outside check passed it round.
NEAR_CRIB = (
    "Sara, thanks for telling me about last night. Liam coming round while the kids "
    "were there sounds frightening. What did he say and do, and what did you do to keep the "
    "children safe?"
)


def test_a_version_close_to_another_learners_goes_to_a_coordinator(any_db_app, make_learner):
    """Another learner's version with a word or two changed is not praised: a
    coordinator reads it (two people's records of one case's facts can come out so
    close, so it is not marked as needing work)."""
    clients = [any_db_app.test_client() for _ in range(3)]
    people = [make_learner(name=name) for name in ("First", "Second", "Third")]
    for client, person in zip(clients, people, strict=True):
        login(client, person)
    send(clients[0], CRIB)
    page = send(clients[1], NEAR_CRIB)
    assert (stored(people[1])[0].verdict, stored(people[1])[0].flags) == (
        "uncertain",
        ["close-to-shared"],
    )
    assert "Close to what someone else sent" in page and "First" not in page
    # Its own words, on the same case, are praised as before.
    send(clients[2], "Sara, I'm glad you told me. " + CRIB.split(". ", 1)[1].replace(
        "What did he say and do", "Can you tell me what he did when he arrived"))  # fmt: skip
    assert stored(people[2])[0].verdict == "constructive"


def test_close_versions_share_a_mark_and_others_seldom_do():
    """The index finds a version with two words changed by a mark in common; versions of
    one exercise by different authors in the labelled sets mostly share none."""
    people = {"Sara": "survivor", "Liam": "perpetrator"}
    assert set(copies.marks(CRIB, people)) & set(copies.marks(NEAR_CRIB, people))
    assert copies.marks("Sara, what happened when Liam came round last night?", people) == []
    other = "Sara, I believe you. Liam turning up uninvited is his choice and not your fault. "
    other += "Where were the children, and how are you all feeling today after it?"
    assert not set(copies.marks(CRIB, people)) & set(copies.marks(other, people))


def test_rejudging_finds_a_copy_kept_before_marks_were(any_db_app, make_learner):
    """Versions kept without marks get them when judged again, and the later of two
    learners' word-for-word versions needs work."""
    clients = [any_db_app.test_client() for _ in range(2)]
    people = [make_learner(name="First"), make_learner(name="Second")]
    for client, person in zip(clients, people, strict=True):
        login(client, person)
        send(client, CRIB)
    db.session.execute(sa.delete(Mark))
    db.session.execute(
        sa.update(Response).values(verdict="constructive", flags=[], rules_version="older")
    )
    db.session.commit()
    judged, changes = reviewing.rejudge(dry_run=True)
    db.session.rollback()
    assert judged == 2 and [c.flags_after for c in changes] == [("shared-text",)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mark)) == 0
    judged, changes = reviewing.rejudge()
    db.session.commit()
    assert judged == 2 and [c.flags_after for c in changes] == [("shared-text",)]
    first, second = stored(people[0])[0], stored(people[1])[0]
    assert {m.mark for m in first.marks} == {m.mark for m in second.marks} != set()
    assert (first.verdict, second.verdict) == ("constructive", "needs_work")


# -- Uncertain responses and the coordinator's verdict ---------------------------------


@pytest.fixture
def orgs(make_org, make_user, make_learner):
    x, y = make_org(name="Organisation X"), make_org(name="Organisation Y")
    return {
        "learner": make_learner(organisation=x, name="Lee X"),
        "other": make_learner(organisation=x, name="Ann X"),
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
    }


def test_an_uncertain_verdict_is_explained_and_goes_to_the_top_of_the_queue(any_db_app, orgs):
    app = any_db_app
    learner = app.test_client()
    login(learner, orgs["learner"])
    page = send(learner, UNSURE)
    assert "could not judge this version" in page and "A coordinator will look at it" in page
    assert "What works" not in page
    other = app.test_client()
    login(other, orgs["other"])
    send(other, "What happened when Liam came to the flat last night?")  # newer, decided

    coordinator = app.test_client()
    login(coordinator, orgs["coordinator_x"])
    queue = coordinator.get("/review").get_data(as_text=True)
    assert queue.index("Lee X") < queue.index("Ann X")
    assert "Waiting for your coordinator" in queue


def test_a_coordinator_sets_the_verdict_and_the_learner_and_reports_see_it(any_db_app, orgs):
    app = any_db_app
    learner = app.test_client()
    login(learner, orgs["learner"])
    send(learner, UNSURE)
    (response,) = stored(orgs["learner"])

    outsider = app.test_client()
    login(outsider, orgs["coordinator_y"])
    data = {"verdict": "constructive", "mark": "none", "comment": "Fine"}
    assert outsider.post(f"/review/{response.id}", data=data).status_code == 404
    assert outsider.get(f"/review/{response.id}").status_code == 404

    coordinator = app.test_client()
    login(coordinator, orgs["coordinator_x"])
    form = coordinator.get(f"/review/{response.id}").get_data(as_text=True)
    assert "could not judge this version" in form and "Your verdict" in form
    data["comment"] = "A factual note: <b>add what Liam did</b> next time."
    assert coordinator.post(f"/review/{response.id}", data=data).status_code == 303
    db.session.refresh(response)
    assert response.coordinator_verdict == "constructive" and response.verdict == "uncertain"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rewording.verdict"))
    assert event.actor_id == orgs["coordinator_x"].id
    assert f"response {response.id}: uncertain -> constructive" == event.subject

    page = learner.get("/practice/let-him-in").get_data(as_text=True)
    assert "Your coordinator has looked at this version" in page
    assert "&lt;b&gt;add what Liam did&lt;/b&gt;" in page
    practice = learner.get("/practice").get_data(as_text=True)
    assert "Constructive (your coordinator)" in practice
    queue = coordinator.get("/review").get_data(as_text=True)
    assert "Set by a coordinator" in queue

    dashboard = coordinator.get("/reports/rewording").get_data(as_text=True)
    assert "Coordinators overturned the coach" in dashboard
    # The coach had left this version to a coordinator: settled, not overturned.
    assert "No coordinator has given a verdict on a version the coach judged" in dashboard
    assert re.search(
        r"Versions the coach left to a coordinator, settled\s*</dt>\s*<dd[^>]*>\s*1\s*<", dashboard
    )


def test_leaving_the_verdict_as_it_is_changes_nothing(app, orgs):
    learner = app.test_client()
    login(learner, orgs["learner"])
    send(learner, BLAME)
    (response,) = stored(orgs["learner"])
    coordinator = app.test_client()
    login(coordinator, orgs["coordinator_x"])
    coordinator.post(f"/review/{response.id}", data={"verdict": "keep", "mark": "none"})
    db.session.refresh(response)
    assert response.coordinator_verdict is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "rewording.verdict")) == 0  # fmt: skip


def test_a_tampered_verdict_is_refused_with_400_and_a_message(app, orgs):
    learner = app.test_client()
    login(learner, orgs["learner"])
    send(learner, UNSURE)
    (response,) = stored(orgs["learner"])
    coordinator = app.test_client()
    login(coordinator, orgs["coordinator_x"])
    page = coordinator.post(f"/review/{response.id}", data={"verdict": "removed", "mark": "none"})
    assert page.status_code == 400 and TAMPERED_MESSAGE in page.get_data(as_text=True)
    db.session.refresh(response)
    assert response.coordinator_verdict is None


def test_only_a_version_found_constructive_counts_towards_the_course(any_db_app, orgs):
    """A throwaway version ("ok"), a blaming one, and one the coach cannot judge do not
    do the exercise; a coordinator's verdict of constructive does, until they change
    it. The learner's page and the coordinator's learners list use the one rule."""
    from courseapp.assessment.journey import rewordings_done
    from courseapp.catalogue import course
    from courseapp.reports.data import Filters, load

    app, learner = any_db_app, orgs["learner"]
    core = course().pathways["core"]
    client = app.test_client()
    login(client, learner)

    def done() -> tuple[int, int]:
        db.session.expire_all()
        scope = Filters(organisation_ids=frozenset([learner.organisation_id]), pathway_id="core")
        return rewordings_done(learner, core), load(scope).learners[learner.id].rewordings

    send(client, "ok", "let-him-in")
    send(client, BLAME, "let-him-in")
    send(client, UNSURE, "let-him-in")
    assert [r.verdict for r in stored(learner)] == ["needs_work", "needs_work", "uncertain"]
    assert done() == (0, 0)
    assert "You have done 0." in client.get("/pathways/core").get_data(as_text=True)

    coordinator = app.test_client()
    login(coordinator, orgs["coordinator_x"])
    unsure = stored(learner)[-1]
    verdict = {"verdict": "constructive", "mark": "none", "comment": ""}
    assert coordinator.post(f"/review/{unsure.id}", data=verdict).status_code == 303
    assert done() == (1, 1)
    assert "You have done 1." in client.get("/pathways/core").get_data(as_text=True)
    verdict["verdict"] = "needs_work"
    assert coordinator.post(f"/review/{unsure.id}", data=verdict).status_code == 303
    assert done() == (0, 0)
